"""`QuadPeaks`: each channel's corner, chosen among its strongest peaks so that the four make a card.

A heatmap channel can hold two peaks: its corner of the answered card and the
same corner of a touching neighbour. Taking every channel's highest cell on its
own then mixes corners of two cards into one quad, the commonest large error
on the synthetic validation set. A card seen in perspective is close to a
parallelogram, and a mixed quad rarely is, so this layer decides the four peaks
together:

1. every channel's candidates are its `candidates` local maxima (3x3) that hold
   the most probability within `window` cells;
2. each of the candidates^4 combinations (one candidate per channel, 81 for 3)
   scores the log of that probability, summed over the channels, less
   `shape_weight` times its distortion: |log| of the length ratio of each pair
   of opposite sides, summed. A combination that is not a convex quad is ruled
   out unless none is convex;
3. the answer is the best combination's corners, each the expectation of its
   channel's probability within `window` cells of the peak.

Built from convolutions, pooling, top-k and broadcast products only, so the
TF.js runtimes run it (no batched gather: see `one_hot`).
"""

import itertools

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from model.layers.one_hot import one_hot
from model.layers.soft_argmax import cell_centres, flat_maps

# A floor for window sums and a penalty for ruled-out combinations: finite, so no NaN ever appears.
_TINY, _RULED_OUT = 1e-30, 1e6


@keras.saving.register_keras_serializable(package="mtg_corners")
class QuadPeaks(keras.layers.Layer):
    """Corners from 4 heatmap channels, the peaks chosen jointly to form a card-like quad.

    Args:
      window: radius in heatmap cells of the square around a peak that its
        mass and its coordinates are taken from. Defaults to 4.
      candidates: local maxima considered per channel. Defaults to 3.
      shape_weight: how many nats of peak mass one unit of distortion costs.
        0 picks each channel's heaviest peak on its own. Defaults to 4.
      **kwargs: standard layer arguments.

    Call arguments:
      logits: [B, H, W, 4] heatmap logits, channels in cyclic corner order.

    Returns:
      [B, 4, 2] float32 (x, y) in 0..1 of the input, per channel.

    Example:
    >>> import numpy as np
    >>> rows, cols = np.mgrid[:16, :16]
    >>> logits = np.repeat((-20.0 - 0.1 * (rows + cols))[None, ..., None], 4, axis=-1).astype(np.float32)
    >>> for channel, (row, col) in enumerate([(2, 3), (2, 12), (13, 12), (13, 3)]):
    ...     logits[0, row, col, channel] = 10.0
    >>> logits[0, 8, 15, 2] = 10.5          # a stronger decoy for the third corner, off the rectangle
    >>> np.round(np.asarray(QuadPeaks()(logits))[0] * 16, 2).tolist()
    [[3.5, 2.5], [12.5, 2.5], [12.5, 13.5], [3.5, 13.5]]
    """

    def __init__(self, window: float = 4.0, candidates: int = 3, shape_weight: float = 4.0, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it
        if window < 0 or candidates < 1 or shape_weight < 0:
            raise ValueError(f"QuadPeaks needs window >= 0, candidates >= 1 and shape_weight >= 0. Received: "
                             f"window={window}, candidates={candidates}, shape_weight={shape_weight}")
        self.window, self.candidates, self.shape_weight = float(window), int(candidates), float(shape_weight)
        choices = list(itertools.product(range(self.candidates), repeat=4))                  # [N, 4]
        # [N, 4, C]: combination n takes candidate c of channel k.
        self._selection = np.eye(self.candidates, dtype=np.float32)[np.array(choices)]

    def call(self, logits):
        logits = ops.cast(logits, "float32")
        mass, x, y = self._near_each_cell(logits)                                   # [B, 4, HW] each
        peak = logits >= tf.nn.max_pool2d(logits, 3, 1, "SAME")                    # [B, H, W, 4]
        score = ops.where(flat_maps(peak), mass, -_RULED_OUT)                       # [B, 4, HW]
        top_score, top_cell = tf.math.top_k(score, self.candidates)                 # [B, 4, C] each
        pick = one_hot(top_cell, score.shape[-1])                                   # [B, 4, C, HW]
        cand_x, cand_y = (ops.sum(pick * values[:, :, None, :], axis=-1) for values in (x, y))   # [B, 4, C]
        selection = ops.convert_to_tensor(self._selection)[None]                    # [1, N, 4, C]
        quad_x, quad_y = (ops.sum(selection * values[:, None], axis=-1) for values in (cand_x, cand_y))  # [B, N, 4]
        total = ops.sum(ops.sum(selection * top_score[:, None], axis=-1), axis=-1)  # [B, N]
        total = total - self.shape_weight * _distortion(quad_x, quad_y)
        total = ops.where(_is_convex(quad_x, quad_y), total, total - _RULED_OUT)
        best = tf.argmax(total, axis=-1, output_type="int32")                       # [B]
        chosen = one_hot(best, total.shape[-1])                                     # [B, N]
        return ops.stack([ops.sum(chosen[..., None] * quad_x, axis=1),
                          ops.sum(chosen[..., None] * quad_y, axis=1)], axis=-1)    # [B, 4, 2]

    def _near_each_cell(self, logits):
        """Per cell: log of the channel's probability within `window` cells, and its expected x and y there."""
        _, height, width, channels = logits.shape
        weight = ops.exp(logits - ops.max(logits, axis=(1, 2), keepdims=True))       # [B, H, W, 4]
        xs, ys = cell_centres(height, width)
        grid_x, grid_y = xs[None, None, :, None], ys[None, :, None, None]
        side = 2 * int(self.window) + 1
        stacked = ops.concatenate([weight, weight * grid_x, weight * grid_y], axis=-1)     # [B, H, W, 12]
        sums = tf.nn.depthwise_conv2d(stacked, tf.ones([side, side, 3 * channels, 1]), [1, 1, 1, 1], "SAME")
        near, near_x, near_y = (flat_maps(part) for part in ops.split(sums, 3, axis=-1))   # [B, 4, HW] each
        total = ops.sum(flat_maps(weight), axis=-1, keepdims=True)                         # [B, 4, 1]
        near = ops.maximum(near, _TINY)
        return ops.log(near) - ops.log(total), near_x / near, near_y / near

    def compute_output_shape(self, logits_shape):
        return (logits_shape[0], 4, 2)

    def get_config(self):
        return {**super().get_config(), "window": self.window, "candidates": self.candidates,
                "shape_weight": self.shape_weight}


def _next(values):
    """[..., 4] -> the same shifted by one: entry k holds entry k + 1 (mod 4). Slices, as TF.js has no Roll."""
    return ops.concatenate([values[..., 1:], values[..., :1]], axis=-1)


def _sides(quad_x, quad_y):
    """[B, N, 4] corners -> the 4 side vectors (x, y), side k from corner k to corner k + 1."""
    return _next(quad_x) - quad_x, _next(quad_y) - quad_y


def _distortion(quad_x, quad_y):
    """[B, N]: |log| of the length ratio of sides 0 and 2, plus that of sides 1 and 3 (0 for a parallelogram)."""
    side_x, side_y = _sides(quad_x, quad_y)
    length = ops.sqrt(side_x ** 2 + side_y ** 2 + _TINY)                                 # [B, N, 4]
    ratio = ops.log(length[..., :2]) - ops.log(length[..., 2:])
    return ops.sum(ops.abs(ratio), axis=-1)


def _is_convex(quad_x, quad_y):
    """[B, N] bool: every turn from one side to the next has the same sign."""
    side_x, side_y = _sides(quad_x, quad_y)
    turn = side_x * _next(side_y) - side_y * _next(side_x)                              # [B, N, 4]
    return ops.all(turn > 0, axis=-1) | ops.all(turn < 0, axis=-1)
