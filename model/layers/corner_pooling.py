"""What the orientation head sees: features pooled under each corner's heatmap, and the corners' layout.

Which way up a card reads shows near its corners (the title bar and mana cost at
the top, the text box and P/T box at the bottom). Pooling the decoder's features
under each channel's probability map looks exactly there, whatever else is in
the frame (`CornerPooling`). Pooled features alone do not say which channels
span the card's long edges, so a portrait card could be read as turned by 90
degrees; the channels' positions around their centre (`CentredCorners`) do.
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

    def __init__(self, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it

    def call(self, probs, features):
        _, height, width, channels = probs.shape
        weights = ops.transpose(ops.reshape(ops.stop_gradient(probs), [-1, height * width, channels]), [0, 2, 1])
        flat = ops.reshape(ops.cast(features, "float32"), [-1, height * width, features.shape[-1]])
        return ops.matmul(ops.cast(weights, "float32"), flat)                  # [B, K, C]

    def compute_output_shape(self, probs_shape, features_shape):
        return probs_shape[0], probs_shape[-1], features_shape[-1]


@keras.saving.register_keras_serializable(package="mtg_corners")
class CentredCorners(keras.layers.Layer):
    """The corners relative to their centroid, scaled to unit size, flattened.

    Gradients do not flow back into the corners: the layout only informs the
    orientation head.

    Call arguments:
      coords: [B, K, 2] corners in 0..1 of the input.

    Returns:
      [B, 2K] (x, y) of each corner minus the centroid, divided by the corners'
      RMS distance from it.

    Example:
    >>> import numpy as np
    >>> square = np.array([[[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.4]]], np.float32)
    >>> np.sign(CentredCorners()(square).numpy()).tolist(), round(float(np.abs(CentredCorners()(square)).max()), 3)
    ([[-1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0]], 0.707)
    """

    def __init__(self, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it

    def call(self, coords):
        coords = ops.stop_gradient(ops.cast(coords, "float32"))
        offset = coords - ops.mean(coords, axis=1, keepdims=True)
        scale = ops.sqrt(ops.mean(ops.sum(offset * offset, axis=-1), axis=-1) + 1e-12)       # [B]
        return ops.reshape(offset / scale[:, None, None], [-1, coords.shape[1] * 2])

    def compute_output_shape(self, coords_shape):
        return coords_shape[0], coords_shape[1] * 2
