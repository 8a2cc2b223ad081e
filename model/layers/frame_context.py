"""What the decoder needs to pick one card among several: where the frame's centre is, and the other cards.

The model answers the whole card nearest the frame's centre. Convolutions are
(nearly) translation-equivariant: a corner of a card at the centre and the same
corner of a neighbour look alike to them, so in multi-card scenes a heatmap
channel can peak on a neighbour's corner. Two cheap additions at stride 16,
where the map is small (10x10 for a 160 input), give the decoder the missing
facts (`ModelConfig.context`):

  * `CoordinateChannels` appends each cell's position in the frame (CoordConv,
    Liu et al. 2018), so "near the centre" can be computed;
  * `GlobalAttention` lets every cell look at every other one (one
    self-attention layer), so a card can be compared with the others.

Both are plain matmuls, reshapes and concatenations: they export to TF.js.
"""

import math

import keras
from keras import ops

from model.layers.soft_argmax import cell_centres


@keras.saving.register_keras_serializable(package="mtg_corners")
class CoordinateChannels(keras.layers.Layer):
    """Appends two channels: each cell centre's x and y in -1..1 of the frame (0 at its centre).

    Call arguments:
      features: [B, H, W, C].

    Returns:
      [B, H, W, C + 2], the last two channels x then y.

    Example:
    >>> import numpy as np
    >>> out = CoordinateChannels()(np.zeros((1, 2, 2, 1), np.float32)).numpy()
    >>> out[0, :, :, 1].tolist(), out[0, :, :, 2].tolist()
    ([[-0.5, 0.5], [-0.5, 0.5]], [[-0.5, -0.5], [0.5, 0.5]])
    """

    def call(self, features):
        _, height, width, _ = features.shape
        xs, ys = cell_centres(height, width)                                                  # [W], [H] in 0..1
        grid_y, grid_x = ops.meshgrid(ys * 2.0 - 1.0, xs * 2.0 - 1.0, indexing="ij")          # [H, W] each
        grid = ops.cast(ops.stack([grid_x, grid_y], axis=-1), features.dtype)[None]           # [1, H, W, 2]
        batch_grid = ops.zeros_like(features[..., :1]) + grid                                 # [B, H, W, 2]
        return ops.concatenate([features, batch_grid], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 2)


@keras.saving.register_keras_serializable(package="mtg_corners")
class GlobalAttention(keras.layers.Layer):
    """One residual single-head self-attention layer over all cells of a feature map.

    out = features + W_o softmax(Q K^T / sqrt(d)) V, with Q, K, V linear maps
    of the group-normalised features.

    Args:
      key_channels: width d of queries and keys. Defaults to 32.
      **kwargs: standard layer arguments.

    Call arguments:
      features: [B, H, W, C].

    Returns:
      [B, H, W, C].

    Example:
    >>> import numpy as np
    >>> tuple(GlobalAttention(key_channels=8)(np.ones((2, 3, 3, 16), np.float32)).shape)
    (2, 3, 3, 16)
    """

    def __init__(self, key_channels: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.key_channels = int(key_channels)
        self.norm = keras.layers.GroupNormalization(8, name="norm")

    def build(self, input_shape):
        channels = input_shape[-1]
        self.norm.build(input_shape)
        self.query = self._projection("query", channels, self.key_channels)
        self.key = self._projection("key", channels, self.key_channels)
        self.value = self._projection("value", channels, channels)
        self.output_projection = self._projection("output", channels, channels, zeros=True)

    def _projection(self, name: str, inputs: int, outputs: int, zeros: bool = False):
        """A [inputs, outputs] weight; the output one starts at zero, so the layer starts as the identity."""
        initializer = "zeros" if zeros else "glorot_uniform"
        return self.add_weight(name=name, shape=(inputs, outputs), initializer=initializer)

    def call(self, features):
        _, height, width, channels = features.shape
        tokens = ops.reshape(self.norm(features), [-1, height * width, channels])           # [B, N, C]
        query = ops.matmul(tokens, ops.cast(self.query, tokens.dtype))                       # [B, N, d]
        key = ops.matmul(tokens, ops.cast(self.key, tokens.dtype))                           # [B, N, d]
        value = ops.matmul(tokens, ops.cast(self.value, tokens.dtype))                       # [B, N, C]
        scores = ops.matmul(query, ops.transpose(key, [0, 2, 1])) / math.sqrt(self.key_channels)  # [B, N, N]
        weights = ops.cast(ops.softmax(ops.cast(scores, "float32"), axis=-1), tokens.dtype)
        mixed = ops.matmul(ops.matmul(weights, value), ops.cast(self.output_projection, tokens.dtype))
        return features + ops.reshape(mixed, [-1, height, width, channels])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "key_channels": self.key_channels}
