"""Random camera geometry: where the labelled card lands in the frame, as a homography.

The card is a 63 x 88 plane rotated in-plane, tilted out of plane, and seen
through a pinhole camera of random focal length; its projection is sheared a
little, scaled to the sampled size and placed in the frame. The homography from
card-texture pixels to output pixels is solved from the 4 corners, and the
corner labels are that homography applied to the texture corners.
"""

import math

import tensorflow as tf

from augment_tf import homography, seeds
from augment_tf.config import GeometryConfig
from mtg_tfds.card_shape import CARD_HEIGHT_MM, CARD_WIDTH_MM

_CARD_ASPECT = CARD_WIDTH_MM / CARD_HEIGHT_MM


def texture_corners(width: int, height: int, batch_size: int) -> tf.Tensor:
    """Returns [B, 4, 2] corners (TL, TR, BR, BL) of a width x height texture."""
    corners = tf.constant([[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]], tf.float32)
    return tf.tile(corners[None], [batch_size, 1, 1])


def quad_area(quad: tf.Tensor) -> tf.Tensor:
    """[B] shoelace areas of [B, 4, 2] quads."""
    x, y = quad[..., 0], quad[..., 1]
    return 0.5 * tf.abs(tf.reduce_sum(x * tf.roll(y, -1, 1) - tf.roll(x, -1, 1) * y, axis=-1))


def _tilt_matrix(axis_angle: tf.Tensor, tilt: tf.Tensor) -> tf.Tensor:
    """Rodrigues rotation [B, 3, 3] by `tilt` about the in-plane axis at `axis_angle`."""
    kx, ky = tf.cos(axis_angle), tf.sin(axis_angle)
    cos, sin = tf.cos(tilt), tf.sin(tilt)
    one_c = 1.0 - cos
    return tf.stack([
        tf.stack([cos + kx * kx * one_c, kx * ky * one_c, ky * sin], -1),
        tf.stack([kx * ky * one_c, cos + ky * ky * one_c, -kx * sin], -1),
        tf.stack([-ky * sin, kx * sin, cos], -1)], axis=1)


def _projected_quad(seed: tf.Tensor, scale: tf.Tensor, config: GeometryConfig) -> tf.Tensor:
    """Projects the rotated, tilted card through a pinhole camera.

    The camera stands at the distance where a card of height 1 spans `scale` of
    a frame of side 1, so perspective is as strong as that framing implies.

    Returns:
      [B, 4, 2] corners in frame sides, before placement.
    """
    batch_size = tf.shape(scale)[0]
    b = [batch_size]
    half = tf.constant([[-_CARD_ASPECT / 2, -0.5], [_CARD_ASPECT / 2, -0.5],
                        [_CARD_ASPECT / 2, 0.5], [-_CARD_ASPECT / 2, 0.5]], tf.float32)
    spin = seeds.uniform(seed, "rotation", b, -1.0, 1.0) * math.radians(config.max_rotation_deg)
    flat = homography.apply_homography(homography.rotation(spin), tf.tile(half[None], [batch_size, 1, 1]))
    tilt = seeds.uniform(seed, "tilt", b, 0.0, math.radians(config.max_tilt_deg))
    axis = seeds.uniform(seed, "tilt_axis", b, 0.0, 2 * math.pi)
    points = tf.concat([flat, tf.zeros_like(flat[..., :1])], -1)                  # [B, 4, 3]
    points = tf.linalg.matmul(points, _tilt_matrix(axis, tilt), transpose_b=True)
    focal = seeds.uniform(seed, "focal", b, *config.focal)
    distance = focal / scale
    depth = distance[:, None] + points[..., 2]                 # > 0: the card is in front of the camera
    return focal[:, None, None] * points[..., :2] / depth[..., None]


def _shear(seed: tf.Tensor, quad: tf.Tensor, max_shear: float) -> tf.Tensor:
    shear = seeds.uniform(seed, "shear", [tf.shape(quad)[0], 2], -max_shear, max_shear)
    x, y = quad[..., 0], quad[..., 1]
    return tf.stack([x + shear[:, :1] * y, y + shear[:, 1:] * x], -1)


def _place(seed: tf.Tensor, quad: tf.Tensor, scale: tf.Tensor, size: int, config: GeometryConfig) -> tf.Tensor:
    """Scales the quad so its larger extent is `scale` of the frame, and moves it to a random spot."""
    batch_size = tf.shape(quad)[0]
    low, high = tf.reduce_min(quad, axis=1), tf.reduce_max(quad, axis=1)       # [B, 2]
    extent = tf.reduce_max(high - low, axis=-1)                               # [B]
    quad = (quad - low[:, None]) * (scale * size / extent)[:, None, None]           # bbox now at the origin
    span = tf.reduce_max(quad, axis=1)                                        # [B, 2]
    u = seeds.uniform(seed, "position", [batch_size, 2])
    if config.allow_outside:
        offset = u * size - span / 2                                          # centre anywhere in frame
    else:
        offset = u * (size - span)                                            # all corners inside
    return quad + offset[:, None]


def sample_card_geometry(seed: tf.Tensor, batch_size: int, size: int, texture_size: tuple[int, int],
                         config: GeometryConfig) -> dict[str, tf.Tensor]:
    """Samples where the labelled card lands in each output image.

    Args:
      seed: [2] int seed.
      batch_size: B.
      size: the output is size x size pixels.
      texture_size: (width, height) of the card texture the homography maps from.
      config: the geometry ranges.

    Returns:
      dict with `homography` [B, 3, 3] (texture pixels -> output pixels),
      `corners` [B, 4, 2] (TL, TR, BR, BL of the printed card in output
      pixels) and `visible` [B, 4] bool (corner inside the frame).
    """
    scale = seeds.uniform(seed, "scale", [batch_size], *config.scale)
    quad = _shear(seed, _projected_quad(seed, scale, config), config.max_shear)
    quad = _place(seed, quad, scale, size, config)
    src = texture_corners(*texture_size, batch_size)
    h = homography.homography_from_points(src, quad)
    corners = homography.apply_homography(h, src)
    return {"homography": h, "corners": corners, "visible": inside_frame(corners, size)}


def inside_frame(points: tf.Tensor, size: int) -> tf.Tensor:
    """[B, N] bool: which of the [B, N, 2] points lie inside the size x size frame."""
    return tf.reduce_all((points >= 0.0) & (points <= float(size)), axis=-1)


def image_order(corners: tf.Tensor) -> tf.Tensor:
    """Reorders corners clockwise on screen, starting from the top-left-most (smallest x + y).

    The printed order (TL, TR, BR, BL of the card) turns with the card; image
    order does not, which is what a detector that ignores the card's
    orientation wants.

    Args:
      corners: [B, 4, 2].

    Returns:
      [B, 4, 2] the same points in image order.
    """
    centre = tf.reduce_mean(corners, axis=1, keepdims=True)
    angle = tf.atan2(corners[..., 1] - centre[..., 1], corners[..., 0] - centre[..., 0])  # [B, 4]
    clockwise = tf.gather(corners, tf.argsort(angle, axis=-1), batch_dims=1)              # y down: angle grows clockwise
    first = tf.argmin(tf.reduce_sum(clockwise, -1), axis=-1, output_type=tf.int32)        # [B]
    order = (first[:, None] + tf.range(4)[None]) % 4
    return tf.gather(clockwise, order, batch_dims=1)
