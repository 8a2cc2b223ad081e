"""`CornerPooling`: features pooled under each corner's heatmap, for the orientation head.

Which way up a card reads shows near its corners (the title bar and mana cost at
the top, the text box and P/T box at the bottom). Pooling the decoder's features
under each channel's probability map looks exactly there, whatever else is in
the frame.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mtg_corners")
class CornerPooling(keras.layers.Layer):
    """Averages features under each heatmap channel's probability map.

    The maps are treated as constants (no gradient flows back into them), so the
    orientation loss cannot bend where the heatmaps point.

    Call arguments:
      probs: [B, H, W, K] probability maps, each summing to 1.
      features: [B, H, W, C] features at the same resolution.

    Returns:
      [B, K, C] the probability-weighted mean feature of each channel.

    Example:
    >>> import numpy as np
    >>> probs = np.zeros((1, 2, 2, 1), np.float32); probs[0, 1, 0, 0] = 1.0
    >>> features = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    >>> CornerPooling()(probs, features).numpy().tolist()
    [[[4.0, 5.0]]]
    """

    def call(self, probs, features):
        _, height, width, channels = probs.shape
        weights = ops.transpose(ops.reshape(ops.stop_gradient(probs), [-1, height * width, channels]), [0, 2, 1])
        flat = ops.reshape(ops.cast(features, "float32"), [-1, height * width, features.shape[-1]])
        return ops.matmul(ops.cast(weights, "float32"), flat)                  # [B, K, C]

    def compute_output_shape(self, probs_shape, features_shape):
        return probs_shape[0], probs_shape[-1], features_shape[-1]
