"""Batched homography math in float32, usable inside `tf.function(jit_compile=True)`.

A homography `H` [B, 3, 3] maps points p to H @ [x, y, 1] followed by division by
the third coordinate. One set of functions serves both the pixel warp and the
corner labels, so labels and pixels cannot disagree.
"""

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
    scale = tf.sqrt(2.0) / tf.maximum(distance, 1e-12)
    zero, one = tf.zeros_like(scale), tf.ones_like(scale)
    rows = [tf.stack([scale, zero, -scale * centre[:, 0]], -1),
            tf.stack([zero, scale, -scale * centre[:, 1]], -1),
            tf.stack([zero, zero, one], -1)]
    return tf.stack(rows, axis=1)


def homography_from_points(src: tf.Tensor, dst: tf.Tensor) -> tf.Tensor:
    """Solves the homography that maps 4 source points onto 4 target points (batched DLT).

    Both point sets are Hartley-normalised first, which keeps the 8x8 system well
    conditioned in float32; the normalised solution fixes h33 = 1.

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
    s, d = apply_homography(t_src, src), apply_homography(t_dst, dst)  # [B, 4, 2]
    x, y, u, v = s[..., 0], s[..., 1], d[..., 0], d[..., 1]           # [B, 4]
    zero, one = tf.zeros_like(x), tf.ones_like(x)
    rows_u = tf.stack([x, y, one, zero, zero, zero, -u * x, -u * y], -1)  # [B, 4, 8]
    rows_v = tf.stack([zero, zero, zero, x, y, one, -v * x, -v * y], -1)
    a = tf.concat([rows_u, rows_v], axis=1)                               # [B, 8, 8]
    b = tf.concat([u, v], axis=1)[..., None]                              # [B, 8, 1]
    h = tf.linalg.solve(a, b)[..., 0]                                     # [B, 8]
    h_norm = tf.reshape(tf.concat([h, tf.ones_like(h[:, :1])], -1), [-1, 3, 3])
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
