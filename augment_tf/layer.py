"""`Synthesis`: the synthesis as a Keras layer, so it runs inside a model's compiled train step.

Placed first in a training model (or called in a custom `train_step`), the
layer makes each batch on the accelerator, under the same XLA compilation as
the network, from textures the input pipeline streams
(`pipeline.training_batches`) and a seed that changes every step.
"""

import keras
import tensorflow as tf

from augment_tf import synthesize
from augment_tf.config import SynthesisConfig


@keras.saving.register_keras_serializable(package="augment_tf")
class Synthesis(keras.layers.Layer):
    """Turns card and background textures into labelled photos (`synthesize.synthesize`).

    The layer has no weights; its whole state is the `SynthesisConfig`, which
    `get_config` stores as plain dicts, so a saved model rebuilds the same
    synthesis.

    Args:
      config: a `SynthesisConfig`, its `to_dict()` form, or None for the defaults.
      **kwargs: standard layer arguments (`name`, `dtype`, ...).

    Example:
    >>> import numpy as np
    >>> from augment_tf import texture
    >>> config = SynthesisConfig(size=32, card_height=64)
    >>> card = np.full((88, 63, 4), 200, np.uint8)
    >>> cards = texture.card_atlas(card, config.card_height, config.card_width, config.mip_levels)[None]
    >>> backgrounds = texture.background_atlas(np.zeros((32, 32, 3), np.uint8), 32)[None]
    >>> batch = Synthesis(config)(cards, backgrounds, tf.constant([0, 1]))
    >>> batch["image"].shape, batch["corners"].shape
    (TensorShape([1, 32, 32, 3]), TensorShape([1, 4, 2]))
    """

    def __init__(self, config: SynthesisConfig | dict | None = None, **kwargs):
        kwargs["trainable"] = False
        super().__init__(**kwargs)
        if isinstance(config, dict):
            config = SynthesisConfig.from_dict(config)
        self.synthesis_config = config or SynthesisConfig()

    def call(self, cards: tf.Tensor, backgrounds: tf.Tensor, seed: tf.Tensor) -> dict[str, tf.Tensor]:
        """Synthesises one batch.

        Args:
          cards: [B, N] int32 card atlases (`texture.card_atlas`).
          backgrounds: [B, M] int32 background pyramids (`texture.background_atlas` at the output size).
          seed: [2] int seed; a new one every step for fresh samples.

        Returns:
          dict with `image` [B, S, S, 3] float32 in 0..1, `corners` [B, 4, 2],
          `visible` [B, 4] bool, `occluded` [B, 4] bool and `present` [B]
          bool (the frame holds the labelled card whole; mask `corners` where not).
        """
        return synthesize.synthesize(cards, backgrounds, seed, self.synthesis_config)

    def compute_output_spec(self, cards, backgrounds, seed):
        batch, size = cards.shape[0], self.synthesis_config.size
        return {"image": keras.KerasTensor([batch, size, size, 3], "float32"),
                "corners": keras.KerasTensor([batch, 4, 2], "float32"),
                "visible": keras.KerasTensor([batch, 4], "bool"),
                "occluded": keras.KerasTensor([batch, 4], "bool"),
                "present": keras.KerasTensor([batch], "bool")}

    def get_config(self) -> dict:
        return {**super().get_config(), "config": self.synthesis_config.to_dict()}
