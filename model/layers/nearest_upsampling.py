"""Nearest-neighbour upsampling that the browser runs fast.

Keras's `UpSampling2D` repeats rows and columns (`ops.repeat`), which TensorFlow
exports as `Tile` ops. TF.js's WASM backend runs `Tile` about 20 times slower
than its `ResizeNearestNeighbor`: 31 against 1.6 ms for the decoder's last
upsampling of 4 inputs, which made the `Tile`s about 40% of the model's time per
input (Node, 2026-12-07). For a whole-number factor with half-pixel centres,
output pixel i reads input pixel i // factor either way, so the two are equal.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mtg_corners")
class NearestUpsampling(keras.layers.UpSampling2D):
    """`keras.layers.UpSampling2D` (nearest, channels last) as one resize op instead of repeats.

    `model.inference.loading.load_model` swaps every `UpSampling2D` of a loaded
    model for this layer (training keeps Keras's), so every export runs fast,
    with the same numbers.

    Example:
    >>> import numpy as np
    >>> image = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    >>> NearestUpsampling(2)(image).numpy()[0, :, :, 0].tolist()
    [[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]]
    """

    def __init__(self, size=(2, 2), **kwargs):
        super().__init__(size=size, **kwargs)
        if self.interpolation != "nearest" or self.data_format != "channels_last":
            raise ValueError("NearestUpsampling is nearest-neighbour and channels last. Received: "
                             f"interpolation={self.interpolation}, data_format={self.data_format}")

    def call(self, inputs):
        height, width = inputs.shape[1] * self.size[0], inputs.shape[2] * self.size[1]
        return ops.image.resize(inputs, (height, width), interpolation="nearest")
