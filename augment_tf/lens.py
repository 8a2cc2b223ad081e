"""Lens distortion and a binder page's curve: both change which scene point each output pixel shows.

Every layer of the scene is drawn from per-pixel coordinates, so a lens is a
change of those coordinates: output pixel p shows the scene point

    s(p) = c + (p - c) * (1 + k * |p - c|^2 / R^2),   c the frame's centre, R half its side.

With k >= 0 the frame's edges show scene content from further out, so a straight
card edge bows outwards and every point moves towards the centre: corners inside
the undistorted frame stay inside. Labels go the other way: a corner at scene
point q is drawn at the pixel p with s(p) = q, found by fixed-point iteration.

A binder page is not flat: its sheets bulge between the rings. A point of the
page raised towards the camera by a share z of its distance is seen magnified
about the frame's centre by 1 + z, so after the lens the pixel shows

    s'(s) = c + (s - c) * (1 - z(t)),   z(t) = bend * (1 - t^2),   t = (s - c) . d / R - crest,

a page that bulges (or sags, bend < 0) along d, the labelled card's top edge
(across the spine), highest at `crest`: edges along d bow, edges across it stay
straight. Labels undo it the same way, before the lens.
"""

import tensorflow as tf

from augment_tf import seeds
from augment_tf.config import Effect

# Each iteration divides the label error by (1 + k r^2) / (2 k r^2), r = |p - c| / R: at k = 0.05,
# 10.5 at the middle of the frame's edges (r = 1), 5.5 at its corners (r^2 = 2). Ten take a
# corner's error (70 px at 1024 px) below float32's resolution. The page's curve, at most a few
# percent, divides it by more.
_ITERATIONS = 10
_CREST = 0.5            # the bulge is highest within this share of R of the frame's centre, along d


def sample_distortion(seed: tf.Tensor, batch_size, barrel: Effect) -> tf.Tensor:
    """[B] barrel coefficients k: uniform in the effect's range where it applies, 0 elsewhere."""
    k = seeds.uniform(seed, "k", [batch_size], barrel.low, barrel.high)
    return tf.where(seeds.bernoulli(seed, "on", [batch_size], barrel.p), k, 0.0)


def sample_page_curve(seed: tf.Tensor, corners: tf.Tensor, page: tf.Tensor, curve: Effect) -> tf.Tensor:
    """[B, 4] each image's page curve (bend, d_x, d_y, crest): a bulge or a sag of `curve`'s range where the image
    is a binder page (`page` [B] bool) and the effect applies, bend 0 elsewhere; d along the labelled card's top
    edge (`corners` [B, 4, 2] scene points)."""
    batch_size = tf.shape(corners)[0]
    bend = seeds.uniform(seed, "bend", [batch_size], curve.low, curve.high)
    bend *= tf.where(seeds.bernoulli(seed, "sag", [batch_size], 0.5), -1.0, 1.0)
    bend = tf.where(page & seeds.bernoulli(seed, "on", [batch_size], curve.p), bend, 0.0)
    across = corners[:, 1] - corners[:, 0]                                      # [B, 2] TL -> TR
    direction = across / tf.maximum(tf.norm(across, axis=-1, keepdims=True), 1e-6)
    crest = seeds.uniform(seed, "crest", [batch_size], -_CREST, _CREST)
    return tf.concat([bend[:, None], direction, crest[:, None]], -1)


def _curve_scale(curve: tf.Tensor, dx: tf.Tensor, dy: tf.Tensor, radius: float) -> tf.Tensor:
    """1 - z(t) at offsets (dx, dy) [B, N] from the frame's centre, for [B, 4] page curves."""
    bend, d_x, d_y, crest = (curve[:, index:index + 1] for index in range(4))   # [B, 1] each
    t = (dx * d_x + dy * d_y) / radius - crest
    return 1.0 - bend * (1.0 - t * t)


def scene_points(k: tf.Tensor, x: tf.Tensor, y: tf.Tensor, size: int,
                 curve: tf.Tensor | None = None) -> tuple[tf.Tensor, tf.Tensor]:
    """The scene points that output pixels show.

    Args:
      k: [B] barrel coefficients.
      x: [1, P] or [B, P] output pixel x.
      y: same shape, pixel y.
      size: output side in pixels.
      curve: [B, 4] page curves (`sample_page_curve`), or None for flat scenes.

    Returns:
      (sx, sy) [B, P] scene coordinates, in the undistorted frame's pixels.
    """
    centre, radius = size / 2.0, size / 2.0
    dx, dy = x - centre, y - centre
    stretch = 1.0 + k[:, None] * (dx * dx + dy * dy) / (radius * radius)
    dx, dy = dx * stretch, dy * stretch
    if curve is not None:
        scale = _curve_scale(curve, dx, dy, radius)
        dx, dy = dx * scale, dy * scale
    return centre + dx, centre + dy


def image_points(k: tf.Tensor, points: tf.Tensor, size: int, curve: tf.Tensor | None = None) -> tf.Tensor:
    """Where scene points are drawn: the inverse of `scene_points`.

    Args:
      k: [B] barrel coefficients.
      points: [B, N, 2] scene points.
      size: output side in pixels.
      curve: [B, 4] page curves (`sample_page_curve`), or None for flat scenes.

    Returns:
      [B, N, 2] output pixel coordinates.
    """
    centre, radius = size / 2.0, size / 2.0
    offset = points - centre                                                 # q - c
    if curve is not None:                                                    # the lens's point: (q - c) / scale
        lensed = offset
        for _ in range(_ITERATIONS):
            lensed = offset / _curve_scale(curve, lensed[..., 0], lensed[..., 1], radius)[..., None]
        offset = lensed
    image = offset
    for _ in range(_ITERATIONS):                                             # p - c = (q - c) / stretch(p)
        stretch = 1.0 + k[:, None] * tf.reduce_sum(image * image, -1) / (radius * radius)
        image = offset / stretch[..., None]
    return centre + image
