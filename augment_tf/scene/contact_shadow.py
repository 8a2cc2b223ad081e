"""The soft shadow a card casts on the table it lies on.

A card on a table is never perfectly flat: its edges lift a little and a thin,
soft shadow hugs one or two sides. It lies in the card's plane, so it is drawn
from the same plane coordinates as the card: the card's rectangle, shifted by
the shadow's offset and blurred by its softness, darkens what lies under it.
"""

import math

import tensorflow as tf

from augment_tf import seeds
from augment_tf.composite import PlaneCoords, rounded_box_distance
from augment_tf.config import SceneConfig
from mtg_tfds.card_shape import px_per_mm

_OFFSET_MM = (0.3, 2.0)      # how far the shadow shows past the card's edge
_SOFTNESS_MM = (0.5, 3.0)    # the width of its penumbra


def sample_contact_shadows(seed: tf.Tensor, on_table: tf.Tensor, card_width: int,
                           config: SceneConfig) -> dict[str, tf.Tensor]:
    """Draws each image's shadow: darkness (0 unless the card lies on a table), offset and softness.

    Args:
      seed: [2] int seed.
      on_table: [B] bool, the card lies on the background (`background.background_coordinates`).
      card_width: card texture width in texels (63 mm).
      config: `contact_shadow` sets presence and darkness.

    Returns:
      dict of `darkness` [B], `offset` [B, 2] and `softness` [B], lengths in texels.
    """
    b = tf.shape(on_table)
    mm = px_per_mm(card_width)
    effect = config.contact_shadow
    present = seeds.bernoulli(seed, "present", b, effect.p) & on_table
    bearing = seeds.uniform(seed, "bearing", b, 0.0, 2 * math.pi)
    reach = seeds.uniform(seed, "offset", b, *_OFFSET_MM) * mm
    return {"darkness": tf.where(present, seeds.uniform(seed, "darkness", b, effect.low, effect.high), 0.0),
            "offset": tf.stack([tf.cos(bearing), tf.sin(bearing)], -1) * reach[:, None],
            "softness": seeds.uniform(seed, "softness", b, *_SOFTNESS_MM) * mm}


def render_contact_shadows(shadow: dict[str, tf.Tensor], plane: PlaneCoords, width: int, height: int) -> tf.Tensor:
    """[B, P] darkening in 0..1 of each pixel by the labelled card's shadow.

    Args:
      shadow: from `sample_contact_shadows`.
      plane: the card's plane coordinates of every output pixel.
      width: card texture width in texels.
      height: card texture height in texels.
    """
    cover = shadow_cover(shadow, plane.u, plane.v, width, height)
    return shadow["darkness"][:, None] * cover * tf.cast(plane.in_front, tf.float32)


def shadow_cover(shadow: dict[str, tf.Tensor], u: tf.Tensor, v: tf.Tensor, width: int, height: int) -> tf.Tensor:
    """[B, P] how much of a card's shadow (0..1, before its darkness) falls on each pixel, from the pixel's [B, P]
    coordinates (u, v) in that card's texels: its rectangle moved by the offset and blurred by the softness.

    The image's one light gives every card on its table the same offset and softness, so the neighbours
    (`neighbors.draw_neighbors`) cast theirs with the labelled card's numbers, each in its own texels.
    """
    outside = rounded_box_distance(u - shadow["offset"][:, 0:1] - width / 2,
                                   v - shadow["offset"][:, 1:2] - height / 2, width / 2, height / 2, 0.0)
    return tf.clip_by_value(0.5 - outside / shadow["softness"][:, None], 0.0, 1.0)
