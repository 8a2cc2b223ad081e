"""The photo behind the cards: a random crop of a background, zoomed, turned and maybe flipped."""

import math

import tensorflow as tf

from augment_tf import fusion, seeds, texture
from augment_tf.config import SceneConfig


def render_background(seed: tf.Tensor, backgrounds: tf.Tensor, x: tf.Tensor, y: tf.Tensor, size: int,
                      config: SceneConfig) -> tf.Tensor:
    """Samples each output pixel from its own crop of the background image.

    Args:
      seed: [2] int seed.
      backgrounds: [B, Hb, Wb] int32 packed texels (`texture.background_texels`).
      x: [1, P] output pixel centres x.
      y: [1, P] output pixel centres y.
      size: output side in pixels.
      config: `background_zoom` sets the magnification range.

    Returns:
      [B, P, 3] float32 RGB in 0..1.
    """
    batch_size, height, width = tf.shape(backgrounds)[0], backgrounds.shape[1], backgrounds.shape[2]
    b = [batch_size]
    low, high = config.background_zoom
    zoom = tf.exp(seeds.uniform(seed, "zoom", b, math.log(low), math.log(high)))
    angle = seeds.uniform(seed, "angle", b, -math.pi, math.pi)
    flip = tf.where(seeds.bernoulli(seed, "flip", b, 0.5), -1.0, 1.0)
    centre = seeds.uniform(seed, "centre", [batch_size, 2]) * tf.constant([width, height], tf.float32)
    p = fusion.materialize_all({"scale": (min(height, width) / size / zoom)[:, None],  # background px per output px
                                "flip": flip[:, None], "cos": tf.cos(angle)[:, None], "sin": tf.sin(angle)[:, None],
                                "centre": centre})                                  # [B, 1] or [B, 2] each
    dx, dy = (x - size / 2) * p["flip"] * p["scale"], (y - size / 2) * p["scale"]   # [B, P]
    bx = p["centre"][:, :1] + p["cos"] * dx - p["sin"] * dy
    by = p["centre"][:, 1:] + p["sin"] * dx + p["cos"] * dy
    return texture.sample_mirrored(backgrounds, bx, by)
