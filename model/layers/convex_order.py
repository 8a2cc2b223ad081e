"""`ConvexOrder`: the four corners as a convex quad, clockwise on screen, the first one kept first.

Each heatmap channel finds a corner on its own. A partly trained network can
find all four corners yet give two channels each other's place, and the quad
then crosses itself. The card is a convex quad whose face corners TL, TR, BR,
BL run clockwise on screen (y down), so sorting the points by angle around their
centroid, starting from the face's TL, restores a consistent order from the
points alone. Used at inference only; the losses see the channels as they are.
"""

import math

import keras
from keras import ops

from model.layers.one_hot import one_hot


@keras.saving.register_keras_serializable(package="mtg_corners")
class ConvexOrder(keras.layers.Layer):
    """Orders [B, 4, 2] points clockwise around their centroid, starting from the first point.

    Call arguments:
      points: [B, 4, 2] (x, y), y down, the first point the card's TL.

    Returns:
      [B, 4, 2] the same points: the first, then the rest clockwise on screen.

    Example:
    >>> import numpy as np
    >>> crossed = np.array([[[0, 0], [10, 0], [0, 14], [10, 14]]], np.float32)   # TL, TR, BL, BR
    >>> ConvexOrder()(crossed).numpy()[0].tolist()
    [[0.0, 0.0], [10.0, 0.0], [10.0, 14.0], [0.0, 14.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it

    def call(self, points):
        points = ops.cast(points, "float32")
        offset = points - ops.mean(points, axis=1, keepdims=True)                     # [B, 4, 2]
        angle = ops.arctan2(offset[..., 1], offset[..., 0])                           # [B, 4]: clockwise on screen
        turned = ops.mod(angle - angle[:, :1] + 2 * math.pi, 2 * math.pi)             # first point at 0
        # The first point sorts first by construction, not by rounding: graph optimisers (the TF.js
        # converter's grappler pass) reassociate the sum above, and its 0 can come out just under 2pi.
        turned = ops.concatenate([ops.full_like(turned[:, :1], -1.0), turned[:, 1:]], axis=1)
        order = ops.argsort(turned, axis=-1)                                          # [B, 4]
        # A permutation matrix, not take_along_axis (a batched gather: see `one_hot`).
        permutation = one_hot(order, 4)                                               # [B, 4, 4]
        return ops.matmul(permutation, points)                                        # [B, 4, 4] x [B, 4, 2]

    def compute_output_shape(self, points_shape):
        return points_shape
