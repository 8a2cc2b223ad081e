"""What the orientation head sees: features pooled under each corner's heatmap, and the corners' layout.

Which way up a card reads shows near its corners (the title bar and mana cost at
the top, the text box and P/T box at the bottom). Pooling the decoder's features
under each channel's probability map looks exactly there, whatever else is in
the frame (`CornerPooling`). Pooled features alone do not say which channels
span the card's long edges, so a portrait card could be read as turned by 90
degrees; the channels' positions around their centre (`CentredCorners`) do.
"""

import keras
import numpy as np
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
        offset, scale = _spread(coords)                                                          # [B, K, 2], [B]
        return ops.reshape(offset / scale[:, None, None], [-1, coords.shape[1] * 2])

    def compute_output_shape(self, coords_shape):
        return coords_shape[0], coords_shape[1] * 2


@keras.saving.register_keras_serializable(package="mtg_corners")
class CardGridPooling(keras.layers.Layer):
    """Features at a G x G grid of points spread over the card, in the frame its corner channels span.

    Which way up a split card or a saga reads shows in its whole layout (the halves'
    title bars, the art down one side), not only near its corners. Each grid point
    (u, v), u and v in (i + 0.5) / G, is the bilinear blend of the four corners in
    channel order, so point (0, 0)'s side is channel 0's. The features there are
    averaged under a tent as wide as the grid's spacing (at least one cell), so
    the samples cover the card between them. The orientation head then reads the
    layout in the channels' own frame, which turns with them.

    Coordinates are treated as constants (no gradient reaches the corners), as in
    `CornerPooling`; the features get the gradient. Only matmuls and element-wise
    ops, so TF.js runs it too.

    Args:
      grid: G, points along each side of the card.

    Call arguments:
      coords: [B, 4, 2] corners in channel order (one cyclic turn of the face's TL, TR, BR, BL), 0..1 of the input.
      features: [B, H, W, C] features over the whole input.

    Returns:
      [B, G * G, C] the features at each grid point, row by row from channel 0's corner.

    Example:
    >>> import numpy as np
    >>> features = np.zeros((1, 8, 8, 1), np.float32); features[0, :4, :4] = 1.0   # the top-left quarter
    >>> square = np.float32([[[0, 0], [1, 0], [1, 1], [0, 1]]])
    >>> np.round(CardGridPooling(grid=2)(square, features).numpy()[0, :, 0], 2).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, grid: int = 4, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it
        if grid < 1:
            raise ValueError(f"CardGridPooling.grid must be at least 1. Received: {grid}")
        self.grid = grid

    def call(self, coords, features):
        _, height, width, channels = features.shape
        coords = ops.stop_gradient(ops.cast(coords, "float32"))
        points = ops.matmul(ops.convert_to_tensor(_blend(self.grid))[None], coords)               # [B, P, 2] in 0..1
        spacing = 1.4 * _spread(coords)[1] / self.grid                    # [B] ~ side / G (the spread: ~ half diagonal)
        weights_x = _tent(points[..., 0], width, spacing)                                      # [B, P, W]
        weights_y = _tent(points[..., 1], height, spacing)                                     # [B, P, H]
        weights = ops.reshape(weights_y[..., :, None] * weights_x[..., None, :], [-1, self.grid ** 2, height * width])
        weights = weights / (ops.sum(weights, axis=-1, keepdims=True) + 1e-6)                 # [B, P, HW]
        flat = ops.reshape(ops.cast(features, "float32"), [-1, height * width, channels])       # [B, HW, C]
        return ops.matmul(weights, flat)                                                        # [B, P, C]

    def compute_output_shape(self, coords_shape, features_shape):
        return coords_shape[0], self.grid ** 2, features_shape[-1]

    def get_config(self):
        return {**super().get_config(), "grid": self.grid}


def _spread(coords):
    """Corners [B, K, 2] about their centroid: (offsets [B, K, 2], their RMS distance from it [B])."""
    offset = coords - ops.mean(coords, axis=1, keepdims=True)
    return offset, ops.sqrt(ops.mean(ops.sum(offset * offset, axis=-1), axis=-1) + 1e-12)


def _blend(grid: int) -> np.ndarray:
    """[G * G, 4] float32: each grid point's bilinear weights of the four corners, row by row."""
    steps = (np.arange(grid, dtype=np.float32) + 0.5) / grid
    v, u = (axis.reshape(-1) for axis in np.meshgrid(steps, steps, indexing="ij"))
    return np.stack([(1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v], axis=-1)


def _tent(position, cells: int, spacing):
    """[B, P, cells] each point's tent weights over one axis's cell centres: a tent as wide as `spacing` (its
    radius half of it), or one cell either side where that is wider.

    Args:
      position: [B, P] in 0..1 of the axis; spacing: [B] in 0..1 of the axis.
    """
    centres = (ops.arange(cells, dtype="float32") + 0.5) / cells                           # [cells]
    radius = ops.maximum(spacing / 2, 1.0 / cells)[:, None, None]                               # [B, 1, 1]
    return ops.relu(1.0 - ops.abs(position[..., None] - centres) / radius)
