"""`augment_tf`: on-device synthesis of labelled card photos in pure TensorFlow.

Start with `synthesize.synthesize` (one batch from cards, backgrounds and a
seed) and `config.SynthesisConfig` (every knob). `pipeline` streams cards and
backgrounds from the `mtg_tfds` dataset; `dump` writes static datasets.
"""
