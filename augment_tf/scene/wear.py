"""Edge wear: the whitened edges and corners of played cards.

Shuffling chips the ink off a card's edges, most of all at its corners, and
the card's white core shows through: on a black border it outlines the card
in broken white. Wear is drawn in the card's own texels, from the same plane
coordinates as the card, so it stays on the card's rim at any angle.
"""

import tensorflow as tf

from augment_tf import seeds
from augment_tf.composite import PlaneCoords, per_pixel, rounded_box_distance, tint
from augment_tf.config import SceneConfig
from mtg_tfds.card_shape import corner_radius_px, px_per_mm

_WIDTH_MM = (0.15, 0.6)         # how far the whitening reaches in from the edge
_CORNER_GROWTH = 2.0            # it reaches this much further at the corners
_CORE = [0.93, 0.92, 0.88]      # the card stock's off-white core


def sample_wear(seed: tf.Tensor, batch_size, card_width: int, config: SceneConfig) -> dict[str, tf.Tensor]:
    """Draws each image's wear: strength (0 for a mint card), reach and the rhythm of its chips.

    Args:
      seed: [2] int seed.
      batch_size: B.
      card_width: card texture width in texels (63 mm).
      config: `wear` sets presence and strength (0..1, 1 shows the bare core).

    Returns:
      dict of [B] tensors; `reach` in texels.
    """
    b = [batch_size]
    present = seeds.bernoulli(seed, "present", b, config.wear.p)
    return {"strength": tf.where(present, seeds.uniform(seed, "strength", b, config.wear.low, config.wear.high), 0.0),
            "reach": seeds.uniform(seed, "reach", b, *_WIDTH_MM) * px_per_mm(card_width),
            "chips": seeds.uniform(seed, "chips", b, 0.02, 0.06),     # chips per texel along the rim
            "phase": seeds.uniform(seed, "phase", b, 0.0, 4096.0)}    # where along the noise the rim starts


def apply_wear(wear: dict[str, tf.Tensor], card: tf.Tensor, plane: PlaneCoords, width: int,
               height: int) -> tf.Tensor:
    """Whitens a card's rim (the labelled one, or each neighbour).

    Args:
      wear: from `sample_wear`; `strength` may be per pixel, [B, P].
      card: [B, P, 4] the card's premultiplied RGBA at every output pixel.
      plane: the card's plane coordinates of every output pixel.
      width: card texture width in texels.
      height: card texture height in texels.

    Returns:
      [B, P, 4] premultiplied RGBA.
    """
    column = lambda name: per_pixel(wear[name])                                  # noqa: E731
    corner_radius = corner_radius_px(width)
    dx, dy = plane.u - width / 2, plane.v - height / 2
    depth = -rounded_box_distance(dx, dy, width / 2, height / 2, corner_radius)  # [B, P] texels in from the rim
    to_corner = tf.sqrt((width / 2 - tf.abs(dx)) ** 2 + (height / 2 - tf.abs(dy)) ** 2)
    at_corner = tf.maximum(1.0 - to_corner / (3.0 * corner_radius), 0.0)
    reach = column("reach") * (1.0 + _CORNER_GROWTH * at_corner)
    # A band too thin for one output pixel still whitens that pixel in proportion.
    footprint = tf.maximum(reach, plane.texels_per_pixel)
    band = tf.clip_by_value(1.0 - depth / footprint, 0.0, 1.0) * (reach / footprint)
    along = (plane.u + plane.v) * column("chips") + column("phase")             # [B, P] in chips along the rim
    patches = 3.0 * seeds.value_noise(along) + 1.5 * seeds.value_noise(2.7 * along)   # broken, never periodic
    chipped = tf.clip_by_value(patches - 1.75, 0.0, 1.0)                                    # worn in patches
    whiten = (column("strength") * band * tf.maximum(chipped, at_corner))[..., None]      # [B, P, 1]
    return tint(card, whiten, _CORE)
