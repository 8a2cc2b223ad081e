"""Offline picture generators: procedural cards for the dataset, and the bundled background photos.

`procedural_cards` draws a card in one of the layout families of `card_families`
(placed by `card_layouts`, drawn with `card_parts`; its art by `procedural_art`,
its words by `card_text`); `background_photos` draws the generated files in
`backgrounds/`.
Both paint with `noise` and set text in the bundled fonts (`fonts`). Every
picture is a function of a `numpy.random.Generator`'s seed.
"""
