"""`SoftArgmax`: heatmap logits to sub-pixel coordinates that a coordinate loss can train (DSNT).

A spatial softmax turns each channel's logits into a probability map, and the
expected x and y under that map are the coordinates. The logits are unbounded
and trained through the coordinate loss (`model.training.losses`), so the map can be as
peaked as the data allows; the seed project's maps were trained by MSE towards
0..1 Gaussians, stayed nearly uniform, and their expectation sat at the centre.

The expectation is over the whole map, so gradients reach every cell. At
inference a map with two modes (the network unsure which of two corners a
channel holds) would answer the midpoint between them; `QuadPeaks` answers
there instead, from the peaks.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mtg_corners")
class SoftArgmax(keras.layers.Layer):
    """Spatial softmax and expected coordinates of each heatmap channel.

    Args:
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

    def __init__(self, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it

    @classmethod
    def from_config(cls, config):
        """Reads saved configs too: models saved before `QuadPeaks` stored a `window` (0 where training used it)."""
        config = dict(config)
        window = config.pop("window", 0.0)
        if window:
            raise ValueError(f"SoftArgmax(window={window}) is an inference decoder of models saved before "
                             "QuadPeaks; it is gone: retrain, or load with the code of commit ec5d30c")
        return cls(**config)

    def call(self, logits):
        logits = ops.cast(logits, "float32")
        _, height, width, channels = logits.shape
        probs = ops.softmax(flat_maps(logits), axis=-1)                                        # [B, K, HW]
        xs, ys = cell_grid(height, width)                                                     # [HW] each
        coords = ops.stack([ops.sum(probs * xs, -1), ops.sum(probs * ys, -1)], axis=-1)     # [B, K, 2]
        maps = ops.transpose(ops.reshape(probs, [-1, channels, height, width]), [0, 2, 3, 1])
        return coords, maps

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, channels, 2), (batch, height, width, channels)


def cell_centres(height: int, width: int):
    """The x ([W]) and y ([H]) of the cell centres of an H x W map, in 0..1 of its sides."""
    return ((ops.arange(width, dtype="float32") + 0.5) / width,
            (ops.arange(height, dtype="float32") + 0.5) / height)


def flat_maps(maps):
    """[B, H, W, K] -> [B, K, H * W]: each channel's map as one row-major vector."""
    _, height, width, channels = maps.shape
    return ops.reshape(ops.transpose(maps, [0, 3, 1, 2]), [-1, channels, height * width])


def cell_grid(height: int, width: int):
    """The x and y of every cell centre in 0..1, row-major: ([H * W], [H * W])."""
    xs, ys = cell_centres(height, width)
    grid_y, grid_x = ops.meshgrid(ys, xs, indexing="ij")
    return ops.reshape(grid_x, [-1]), ops.reshape(grid_y, [-1])
