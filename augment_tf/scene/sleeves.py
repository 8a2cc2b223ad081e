"""Card sleeves: a slightly larger translucent rectangle around the card, with an edge and a sheen.

A sleeve lies in the card's plane, so it is drawn from the same plane
coordinates as the card: its back (clear haze, or the opaque colour of a
coloured sleeve showing around the card and through its cut corners) under the
card, and its front film (haze, a glossy band, a bright rim) over it.
"""

import math

import tensorflow as tf

from augment_tf import seeds
from augment_tf.composite import PlaneCoords, per_pixel, rounded_box_distance
from augment_tf.config import SceneConfig
from mtg_tfds.card_shape import px_per_mm

# Coloured sleeve backs: black, blue, red, green, purple, white, grey.
_BACK_COLOURS = [[0.05, 0.05, 0.06], [0.1, 0.2, 0.55], [0.55, 0.08, 0.1], [0.1, 0.4, 0.2],
                 [0.35, 0.15, 0.45], [0.92, 0.92, 0.9], [0.45, 0.45, 0.48]]


def sample_sleeves(seed: tf.Tensor, batch_size, card_width: int, config: SceneConfig) -> dict[str, tf.Tensor]:
    """Draws each image's sleeve: presence, margins, corner radius, colours, sheen.

    Args:
      seed: [2] int seed.
      batch_size: B.
      card_width: card texture width in texels (63 mm).
      config: `sleeve` sets presence and the margin in mm.

    Returns:
      dict of [B], [B, 2] or [B, 3] tensors; margins and radius in texels.
    """
    b = [batch_size]
    mm = px_per_mm(card_width)
    coloured = seeds.bernoulli(seed, "coloured", b, 0.5)
    colour = tf.gather(tf.constant(_BACK_COLOURS, tf.float32),
                       seeds.integers(seed, "colour", b, 0, len(_BACK_COLOURS)))
    sheen_angle = seeds.uniform(seed, "sheen_angle", b, 0.0, math.pi)
    return {
        "present": seeds.bernoulli(seed, "present", b, config.sleeve.p),
        "margin": seeds.uniform(seed, "margin", b, config.sleeve.low, config.sleeve.high) * mm,
        "top": seeds.uniform(seed, "top", b, 0.0, 2.0) * mm,            # the open end is a little longer
        "radius": seeds.uniform(seed, "radius", b, 0.5, 2.5) * mm,
        "back_colour": tf.where(coloured[:, None], colour, 0.95),
        "back_alpha": tf.where(coloured, 1.0, seeds.uniform(seed, "clear_alpha", b, 0.05, 0.25)),
        "haze": seeds.uniform(seed, "haze", b, 0.0, 0.1),
        "sheen": seeds.uniform(seed, "sheen", b, 0.0, 0.45),
        "sheen_direction": tf.stack([tf.cos(sheen_angle), tf.sin(sheen_angle)], -1),       # [B, 2]
        "sheen_offset": seeds.uniform(seed, "sheen_offset", b, -0.6, 0.6),
        "sheen_width": seeds.uniform(seed, "sheen_width", b, 0.03, 0.25),
    }


def signed_distance(sleeve: dict[str, tf.Tensor], u: tf.Tensor, v: tf.Tensor, width: int, height: int) -> tf.Tensor:
    """[B, ...] signed distance in texels from the card's texel points `u`, `v` [B, ...] to the sleeve's
    rounded rectangle (negative inside)."""
    column = lambda name: tf.reshape(sleeve[name], [-1] + [1] * (u.shape.rank - 1))     # noqa: E731
    margin, top, radius = column("margin"), column("top"), column("radius")
    centre_y = (height - top) / 2
    half_w, half_h = width / 2 + margin, (height + top) / 2 + margin
    return rounded_box_distance(u - width / 2, v - centre_y, half_w, half_h, radius)


def render_sleeves(sleeve: dict[str, tf.Tensor], plane: PlaneCoords, width: int,
                   height: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Draws the sleeve's back and front layers.

    Args:
      sleeve: from `sample_sleeves`; `present` may be per pixel, [B, P].
      plane: the card's plane coordinates of every output pixel.
      width: card texture width in texels.
      height: card texture height in texels.

    Returns:
      (back, front): [B, P, 4] premultiplied RGBA, to composite under and over the card.
    """
    distance = signed_distance(sleeve, plane.u, plane.v, width, height)
    pixel = plane.texels_per_pixel
    cover = tf.clip_by_value(0.5 - distance / pixel, 0.0, 1.0)
    cover *= tf.cast(plane.in_front & per_pixel(sleeve["present"]), tf.float32)          # [B, P]
    back_alpha = cover * sleeve["back_alpha"][:, None]
    back = tf.concat([sleeve["back_colour"][:, None] * back_alpha[..., None], back_alpha[..., None]], -1)
    cos, sin = sleeve["sheen_direction"][:, 0:1], sleeve["sheen_direction"][:, 1:2]
    across = ((plane.u - width / 2) * cos + (plane.v - height / 2) * sin) / height
    band = tf.exp(-((across - sleeve["sheen_offset"][:, None]) / sleeve["sheen_width"][:, None]) ** 2)
    rim = tf.clip_by_value(1.0 - tf.abs(distance) / (1.5 * pixel), 0.0, 1.0) * 0.35
    front_alpha = cover * tf.clip_by_value(sleeve["haze"][:, None] + sleeve["sheen"][:, None] * band + rim, 0.0, 1.0)
    front = tf.concat([tf.repeat(front_alpha[..., None], 3, -1), front_alpha[..., None]], -1)  # white film
    return back, front
