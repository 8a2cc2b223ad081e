"""Lens distortion: phone lenses bow straight edges outwards towards the frame's edge (barrel).

Every layer of the scene is drawn from per-pixel coordinates, so a lens is a
change of those coordinates: output pixel p shows the scene point

    s(p) = c + (p - c) * (1 + k * |p - c|^2 / R^2),   c the frame's centre, R half its side.

With k >= 0 the frame's edges show scene content from further out, so a straight
card edge bows outwards and every point moves towards the centre: corners inside
the undistorted frame stay inside. Labels go the other way: a corner at scene
point q is drawn at the pixel p with s(p) = q, found by fixed-point iteration.
"""

import tensorflow as tf

from augment_tf import seeds
from augment_tf.config import Effect

# Each iteration divides the label error by (1 + k r^2) / (2 k r^2), r = |p - c| / R: at k = 0.05,
# 10.5 at the middle of the frame's edges (r = 1), 5.5 at its corners (r^2 = 2). Ten take a
# corner's error (70 px at 1024 px) below float32's resolution.
_ITERATIONS = 10


def sample_distortion(seed: tf.Tensor, batch_size, barrel: Effect) -> tf.Tensor:
    """[B] barrel coefficients k: uniform in the effect's range where it applies, 0 elsewhere."""
    k = seeds.uniform(seed, "k", [batch_size], barrel.low, barrel.high)
    return tf.where(seeds.bernoulli(seed, "on", [batch_size], barrel.p), k, 0.0)


def scene_points(k: tf.Tensor, x: tf.Tensor, y: tf.Tensor, size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """The scene points that output pixels show.

    Args:
      k: [B] barrel coefficients.
      x: [1, P] or [B, P] output pixel x.
      y: same shape, pixel y.
      size: output side in pixels.

    Returns:
      (sx, sy) [B, P] scene coordinates, in the undistorted frame's pixels.
    """
    centre, radius = size / 2.0, size / 2.0
    dx, dy = x - centre, y - centre
    stretch = 1.0 + k[:, None] * (dx * dx + dy * dy) / (radius * radius)
    return centre + dx * stretch, centre + dy * stretch


def image_points(k: tf.Tensor, points: tf.Tensor, size: int) -> tf.Tensor:
    """Where scene points are drawn: the inverse of `scene_points`.

    Args:
      k: [B] barrel coefficients.
      points: [B, N, 2] scene points.
      size: output side in pixels.

    Returns:
      [B, N, 2] output pixel coordinates.
    """
    centre, radius = size / 2.0, size / 2.0
    offset = points - centre                                                 # q - c
    image = offset
    for _ in range(_ITERATIONS):                                             # p - c = (q - c) / stretch(p)
        stretch = 1.0 + k[:, None] * tf.reduce_sum(image * image, -1) / (radius * radius)
        image = offset / stretch[..., None]
    return centre + image
