"""`SoftArgmax`: heatmap logits to sub-pixel coordinates that a coordinate loss can train (DSNT).

A spatial softmax turns each channel's logits into a probability map, and the
expected x and y under that map are the coordinates. The logits are unbounded
and trained through the coordinate loss (`model.training.losses`), so the map can be as
peaked as the data allows; the seed project's maps were trained by MSE towards
0..1 Gaussians, stayed nearly uniform, and their expectation sat at the centre.

With `window`, the expectation is taken only near each map's highest cell. A
map with two modes (the network unsure which of two corners a channel holds)
then answers one of them instead of the midpoint between them. Training uses
the whole map (`window=0`), so gradients reach every cell. Inference now picks
the peaks with `QuadPeaks`; models saved before it answer through
`SoftArgmax(window)` and still load.
"""

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="mtg_corners")
class SoftArgmax(keras.layers.Layer):
    """Spatial softmax and expected coordinates of each heatmap channel.

    Args:
      window: radius in heatmap cells of the square around each channel's
        highest cell that the expectation is restricted to; 0 uses the whole
        map. Defaults to 0.
      **kwargs: standard layer arguments.

    Call arguments:
      logits: [B, H, W, K] heatmap logits.

    Returns:
      (coords [B, K, 2] float32 (x, y) in 0..1 of the input, where 0 and 1 are
      its outer edges; probabilities [B, H, W, K] float32 summing to 1 per channel).

    Example:
    >>> import numpy as np
    >>> logits = np.full((1, 8, 8, 1), -30.0, np.float32)
    >>> logits[0, 2, 5, 0] = 30.0        # row 2, column 5: centre (5.5, 2.5) of 8 cells
    >>> coords, probs = SoftArgmax()(logits)
    >>> np.round(np.asarray(coords)[0, 0] * 8, 3).tolist()
    [5.5, 2.5]
    """

    def __init__(self, window: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if window < 0:
            raise ValueError(f"SoftArgmax needs window >= 0. Received: window={window}")
        self.window = float(window)

    def call(self, logits):
        logits = ops.cast(logits, "float32")
        _, height, width, channels = logits.shape
        probs = ops.softmax(flat_maps(logits), axis=-1)                                        # [B, K, HW]
        xs, ys = _cell_grid(height, width)                                                     # [HW] each
        if self.window:
            probs = self._near_peak(probs, xs, ys, width, height)
        coords = ops.stack([ops.sum(probs * xs, -1), ops.sum(probs * ys, -1)], axis=-1)     # [B, K, 2]
        maps = ops.transpose(ops.reshape(probs, [-1, channels, height, width]), [0, 2, 3, 1])
        return coords, maps

    def _near_peak(self, probs, xs, ys, width: int, height: int):
        """Keeps each channel's mass within `window` cells of its highest cell, renormalised."""
        # tf.argmax, not ops.argmax: Keras's TF argmax orders -0.0 below 0.0 through a Bitcast, an op
        # TF.js cannot run; probabilities are never -0.0, so the two agree here.
        peak = tf.argmax(probs, axis=-1, output_type="int32")                                  # [B, K]
        peak_x = ops.take(xs, peak)[..., None]                                                 # [B, K, 1]
        peak_y = ops.take(ys, peak)[..., None]
        near = ((ops.abs(xs - peak_x) * width <= self.window + 0.01)
                & (ops.abs(ys - peak_y) * height <= self.window + 0.01))
        kept = probs * ops.cast(near, "float32")
        return kept / ops.sum(kept, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, channels, 2), (batch, height, width, channels)

    def get_config(self):
        return {**super().get_config(), "window": self.window}


def cell_centres(height: int, width: int):
    """The x ([W]) and y ([H]) of the cell centres of an H x W map, in 0..1 of its sides."""
    return ((ops.arange(width, dtype="float32") + 0.5) / width,
            (ops.arange(height, dtype="float32") + 0.5) / height)


def flat_maps(maps):
    """[B, H, W, K] -> [B, K, H * W]: each channel's map as one row-major vector."""
    _, height, width, channels = maps.shape
    return ops.reshape(ops.transpose(maps, [0, 3, 1, 2]), [-1, channels, height * width])


def _cell_grid(height: int, width: int):
    """The x and y of every cell centre in 0..1, row-major: ([H * W], [H * W])."""
    xs, ys = cell_centres(height, width)
    grid_y, grid_x = ops.meshgrid(ys, xs, indexing="ij")
    return ops.reshape(grid_x, [-1]), ops.reshape(grid_y, [-1])
