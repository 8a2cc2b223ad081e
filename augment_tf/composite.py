"""Per-pixel card-plane coordinates and alpha compositing.

Every output pixel centre is mapped back onto the card's plane through the
inverse homography. From that one mapping come the texture coordinates of the
labelled card, of its neighbours (in-plane moves of it), of the sleeve, and
the level of detail for anti-aliasing.
"""

import dataclasses

import tensorflow as tf

from augment_tf import fusion, homography


@dataclasses.dataclass(frozen=True)
class PlaneCoords:
    """Where each output pixel lands on the card plane.

    Attributes:
      u: [B, P] texel x of the labelled card's texture.
      v: [B, P] texel y.
      texels_per_pixel: [B, P] how many texels one output pixel spans (the
        larger axis of the local Jacobian).
      in_front: [B, P] bool, the plane point is in front of the camera (beyond
        the horizon it is not, and nothing on the plane may show there).
    """
    u: tf.Tensor
    v: tf.Tensor
    texels_per_pixel: tf.Tensor
    in_front: tf.Tensor

    @property
    def lod(self) -> tf.Tensor:
        """[B, P] mip level of detail."""
        return tf.math.log(tf.maximum(self.texels_per_pixel, 1e-6)) / tf.math.log(2.0)


def pixel_centres(size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Returns x, y [1, size * size] of the output pixel centres, row-major."""
    centres = tf.range(size, dtype=tf.float32) + 0.5
    y, x = tf.meshgrid(centres, centres, indexing="ij")
    return tf.reshape(x, [1, -1]), tf.reshape(y, [1, -1])


def plane_coords(card_to_image: tf.Tensor, x: tf.Tensor, y: tf.Tensor) -> PlaneCoords:
    """Maps output pixels back to the card plane.

    Args:
      card_to_image: [B, 3, 3] homography from texture texels to output pixels,
        normalised so H[2, 2] == 1 (then the card is in front where w > 0).
      x: [1, P] or [B, P] output pixel x.
      y: same shape, pixel y.

    Returns:
      `PlaneCoords`.
    """
    inv = homography.invert(card_to_image)                                      # [B, 3, 3]
    row = lambda r: [inv[:, r, c][:, None] for c in range(3)]                   # noqa: E731
    (a0, a1, a2), (b0, b1, b2), (c0, c1, c2) = row(0), row(1), row(2)
    w = c0 * x + c1 * y + c2                                                    # [B, P]
    safe_w = tf.where(tf.abs(w) < 1e-9, 1e-9, w)
    u = (a0 * x + a1 * y + a2) / safe_w
    v = (b0 * x + b1 * y + b2) / safe_w
    du_dx, du_dy = (a0 - u * c0) / safe_w, (a1 - u * c1) / safe_w
    dv_dx, dv_dy = (b0 - v * c0) / safe_w, (b1 - v * c1) / safe_w
    stretch = tf.maximum(du_dx ** 2 + dv_dx ** 2, du_dy ** 2 + dv_dy ** 2)
    # Computed once: every layer on the card plane reads them.
    u, v, texels_per_pixel, w = tf.unstack(fusion.materialize(tf.stack([u, v, tf.sqrt(stretch), w], -1)), axis=-1)
    return PlaneCoords(u, v, texels_per_pixel, w > 0)


def per_pixel(value: tf.Tensor) -> tf.Tensor:
    """A layer's parameter as a [B, 1] column, to broadcast over the pixels, or [B, P] unchanged where
    each pixel has its own (a parameter of whichever card covers the pixel, `neighbors.draw_neighbors`)."""
    return value[:, None] if value.shape.rank == 1 else value


def over(top: tf.Tensor, bottom: tf.Tensor) -> tf.Tensor:
    """Porter-Duff "over" of premultiplied RGBA `top` [..., 4] onto opaque RGB `bottom` [..., 3]."""
    return top[..., :3] + (1.0 - top[..., 3:]) * bottom


def tint(card: tf.Tensor, amount: tf.Tensor, colour: list[float]) -> tf.Tensor:
    """Moves premultiplied RGBA `card` towards an opaque `colour`, keeping its alpha.

    Channel masks broadcast, rather than alpha being concatenated back on: a
    channel concatenation is slow on XLA's CPU backend (`fusion`).

    Args:
      card: [..., 4] premultiplied RGBA.
      amount: [..., 1] or [..., 4], how far each pixel (or channel) moves, 0..1;
        an alpha entry is ignored.
      colour: the 3 RGB values moved towards.

    Returns:
      [..., 4] premultiplied RGBA, alpha unchanged.
    """
    target = tf.constant(list(colour) + [0.0]) * card[..., 3:]
    return card + amount * tf.constant([1.0, 1.0, 1.0, 0.0]) * (target - card)


def rounded_box_distance(dx: tf.Tensor, dy: tf.Tensor, half_width, half_height, radius) -> tf.Tensor:
    """Signed distance from points to a rounded rectangle (negative inside).

    Args:
      dx: point offsets from the rectangle's centre along its x axis.
      dy: same shape, offsets along its y axis.
      half_width: half the rectangle's width, corners included (broadcasts).
      half_height: half its height.
      radius: corner radius; 0 for sharp corners.
    """
    qx = tf.abs(dx) - (half_width - radius)
    qy = tf.abs(dy) - (half_height - radius)
    outside = tf.sqrt(tf.maximum(qx, 0.0) ** 2 + tf.maximum(qy, 0.0) ** 2)
    return outside + tf.minimum(tf.maximum(qx, qy), 0.0) - radius
