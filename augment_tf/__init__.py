"""`augment_tf`: on-device synthesis of labelled card photos in pure TensorFlow.

Start with `synthesize.synthesize` (one batch from cards, backgrounds and a
seed) and `config.SynthesisConfig` (every knob). `synthesize` places the card
(`geometry`, `lens`, `presence`), stacks the layers of `scene`, and applies the
camera (`photometric`). `pipeline` streams cards and backgrounds from the
`mtg_tfds` dataset; `dump` writes static datasets.
"""
