"""`mtg_tfds`: a TFDS dataset of Magic: The Gathering card images and background photos.

`tfds build mtg_tfds` (run from the repository root) loads the builder in
`mtg_tfds_dataset_builder.py`. The modules beside it do the work that the builder
only orchestrates: `procedural_cards` renders offline cards, `scryfall` downloads
real ones, `backgrounds` reads the background photo folder.
"""
