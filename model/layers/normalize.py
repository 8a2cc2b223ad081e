"""`Normalize`: the model takes RGB in 0..255 and scales it for its backbone inside the graph.

Keeping the normalisation in the graph means every caller (training, `model.predict`,
the TF.js page) feeds the same thing: RGB pixel values, nothing else to get right.
"""

import keras
from keras import ops

_CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)    # what keras.applications' ResNet50 weights expect


@keras.saving.register_keras_serializable(package="mtg_corners")
class Normalize(keras.layers.Layer):
    """Scales RGB 0..255 input the way a backbone's ImageNet weights expect.

    Args:
      mode: "tf" maps to -1..1 (MobileNet); "caffe" flips to BGR and subtracts
        the ImageNet mean (ResNet50). Defaults to "tf".
      **kwargs: standard layer arguments.

    Example:
    >>> import numpy as np
    >>> Normalize("tf")(np.array([[[[0.0, 127.5, 255.0]]]], np.float32)).numpy().tolist()
    [[[[-1.0, 0.0, 1.0]]]]
    """

    def __init__(self, mode: str = "tf", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("tf", "caffe"):
            raise ValueError(f"Normalize mode must be 'tf' or 'caffe'. Received: mode={mode!r}")
        self.mode = mode

    def call(self, images):
        images = ops.cast(images, self.compute_dtype)
        if self.mode == "tf":
            return images / 127.5 - 1.0
        return ops.flip(images, axis=-1) - ops.convert_to_tensor(_CAFFE_BGR_MEAN, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
