"""Batched homography math, usable inside `tf.function(jit_compile=True)`: float32 in the synthesis,
float64 where `model.inference.rectify` warps a photo.

A homography `H` [B, 3, 3] maps points p to H @ [x, y, 1] followed by division by
the third coordinate. One set of functions serves both the pixel warp and the
corner labels, so labels and pixels cannot disagree.
"""

import math

import tensorflow as tf


def _normalizing_transform(points: tf.Tensor) -> tf.Tensor:
    """Hartley normalisation: a similarity that moves points to mean 0, mean distance sqrt(2).

    Args:
      points: [B, N, 2].

    Returns:
      [B, 3, 3] similarity transforms.
    """
    centre = tf.reduce_mean(points, axis=1)                                   # [B, 2]
    distance = tf.reduce_mean(tf.norm(points - centre[:, None], axis=-1), 1)  # [B]
    scale = math.sqrt(2.0) / tf.maximum(distance, 1e-12)
    zero, one = tf.zeros_like(scale), tf.ones_like(scale)
    rows = [tf.stack([scale, zero, -scale * centre[:, 0]], -1),
            tf.stack([zero, scale, -scale * centre[:, 1]], -1),
            tf.stack([zero, zero, one], -1)]
    return tf.stack(rows, axis=1)


def _square_to_quad(points: tf.Tensor) -> tf.Tensor:
    """Homographies taking the unit square's corners (0,0), (1,0), (1,1), (0,1) to `points`.

    Heckbert's closed form ("Fundamentals of Texture Mapping", 1989): no linear
    solve, so no QR loop or library call in the compiled program.

    Args:
      points: [B, 4, 2] quadrilaterals, no three corners collinear.

    Returns:
      [B, 3, 3] homographies with H[:, 2, 2] == 1.
    """
    x, y = points[..., 0], points[..., 1]                                     # [B, 4]
    dx1, dx2, dy1, dy2 = x[:, 1] - x[:, 2], x[:, 3] - x[:, 2], y[:, 1] - y[:, 2], y[:, 3] - y[:, 2]
    sx, sy = x[:, 0] - x[:, 1] + x[:, 2] - x[:, 3], y[:, 0] - y[:, 1] + y[:, 2] - y[:, 3]
    denominator = dx1 * dy2 - dx2 * dy1
    g, h = (sx * dy2 - dx2 * sy) / denominator, (dx1 * sy - sx * dy1) / denominator
    rows = [tf.stack([x[:, 1] - x[:, 0] + g * x[:, 1], x[:, 3] - x[:, 0] + h * x[:, 3], x[:, 0]], -1),
            tf.stack([y[:, 1] - y[:, 0] + g * y[:, 1], y[:, 3] - y[:, 0] + h * y[:, 3], y[:, 0]], -1),
            tf.stack([g, h, tf.ones_like(g)], -1)]
    return tf.stack(rows, axis=1)


def homography_from_points(src: tf.Tensor, dst: tf.Tensor) -> tf.Tensor:
    """Solves the homography that maps 4 source points onto 4 target points.

    Both point sets are Hartley-normalised first, which keeps float32 well
    conditioned; the map is then square -> dst after src -> square, each in
    closed form.

    Args:
      src: [B, 4, 2] source points.
      dst: [B, 4, 2] target points.

    Returns:
      [B, 3, 3] homographies with H[:, 2, 2] == 1.

    Example:
    >>> square = tf.constant([[[0., 0.], [1., 0.], [1., 1.], [0., 1.]]])
    >>> h = homography_from_points(square, 2 * square + 3)
    >>> apply_homography(h, tf.constant([[[0.5, 0.5]]])).numpy().round(4)
    array([[[4., 4.]]], dtype=float32)
    """
    t_src, t_dst = _normalizing_transform(src), _normalizing_transform(dst)
    s, d = apply_homography(t_src, src), apply_homography(t_dst, dst)  # [B, 4, 2] each
    h_norm = compose(_square_to_quad(d), invert(_square_to_quad(s)))
    return normalize(compose(invert(t_dst), h_norm, t_src))


def apply_homography(h: tf.Tensor, points: tf.Tensor) -> tf.Tensor:
    """Maps points through homographies.

    Args:
      h: [B, 3, 3].
      points: [B, N, 2].

    Returns:
      [B, N, 2] mapped points.
    """
    ones = tf.ones_like(points[..., :1])
    mapped = tf.linalg.matmul(tf.concat([points, ones], -1), h, transpose_b=True)  # [B, N, 3]
    return mapped[..., :2] / mapped[..., 2:]


def compose(*homographies: tf.Tensor) -> tf.Tensor:
    """Returns the product H1 @ H2 @ ... : the last one is applied first."""
    result = homographies[0]
    for h in homographies[1:]:
        result = tf.linalg.matmul(result, h)
    return result


def invert(h: tf.Tensor) -> tf.Tensor:
    """Inverts [B, 3, 3] homographies in closed form (adjugate over determinant)."""
    a, b, c = h[:, 0, 0], h[:, 0, 1], h[:, 0, 2]
    d, e, f = h[:, 1, 0], h[:, 1, 1], h[:, 1, 2]
    g, k, m = h[:, 2, 0], h[:, 2, 1], h[:, 2, 2]
    adjugate = tf.stack([
        tf.stack([e * m - f * k, c * k - b * m, b * f - c * e], -1),
        tf.stack([f * g - d * m, a * m - c * g, c * d - a * f], -1),
        tf.stack([d * k - e * g, b * g - a * k, a * e - b * d], -1)], axis=1)
    determinant = a * (e * m - f * k) - b * (d * m - f * g) + c * (d * k - e * g)
    return adjugate / determinant[:, None, None]


def normalize(h: tf.Tensor) -> tf.Tensor:
    """Scales homographies so that H[:, 2, 2] == 1 (the scale never changes the mapping)."""
    return h / h[:, 2:3, 2:3]


def translation(offset: tf.Tensor) -> tf.Tensor:
    """Returns [B, 3, 3] translations by `offset` [B, 2]."""
    zero, one = tf.zeros_like(offset[:, 0]), tf.ones_like(offset[:, 0])
    return tf.stack([tf.stack([one, zero, offset[:, 0]], -1),
                     tf.stack([zero, one, offset[:, 1]], -1),
                     tf.stack([zero, zero, one], -1)], axis=1)


def rotation(angle: tf.Tensor) -> tf.Tensor:
    """Returns [B, 3, 3] rotations about the origin by `angle` [B] radians (clockwise on screen)."""
    cos, sin = tf.cos(angle), tf.sin(angle)
    zero, one = tf.zeros_like(angle), tf.ones_like(angle)
    return tf.stack([tf.stack([cos, -sin, zero], -1),
                     tf.stack([sin, cos, zero], -1),
                     tf.stack([zero, zero, one], -1)], axis=1)
