"""`mtg_tfds`: a TFDS dataset of Magic: The Gathering card images and background photos.

`tfds build mtg_tfds` (run from the repository root) loads the builder in
`mtg_tfds_dataset_builder.py`. The modules beside it do the work that the builder
only orchestrates: `generators.procedural_cards` renders offline cards, `scryfall`
downloads real ones, `background_folder` reads the background photo folder, and
`card_shape` knows a card's size and outline. `generators` also holds
`background_photos`, which drew the generated files of the bundled `backgrounds/`.
"""
