"""Frames with no card to find: the labelled card left out, or cut by the frame's edge.

The model answers "the card whose 4 corners are all in the frame and that lies
nearest its centre, and the probability that there is one". To learn the
second half it must see frames without such a card (`SceneConfig.empty_p`).
Half of them (`HIDDEN_SHARE`) draw no labelled card at all: the background,
neighbours that are never whole, maybe a finger or a die where the card would
have been. The other half cut the labelled card by the edge of the frame (or of
its letterboxed content): the card is moved straight out through a random side
until its outermost corner lies 3% of the side or more beyond it, and at most
about half the card's extent, so it stays clearly in view and clearly cut.
Corners are still returned for these samples; `present` says to ignore them.
"""

import tensorflow as tf

from augment_tf import homography, lens, seeds
from augment_tf.config import SceneConfig
from augment_tf.geometry import texture_corners

HIDDEN_SHARE = 0.5       # of empty frames, the share that draws no labelled card; the rest cut it
MIN_CUT = 0.03           # a cut card's outermost corner lies at least this frame side beyond the edge
_MAX_CUT_EXTENT = 0.5    # and at most this share of the card's extent across that edge
# Sides a card is cut by, as outward normals: left, top, right, bottom.
_SIDES = [[-1.0, 0.0], [0.0, -1.0], [1.0, 0.0], [0.0, 1.0]]


def sample_presence(seed: tf.Tensor, geo: dict[str, tf.Tensor], size: int, texture_size: tuple[int, int],
                    config: SceneConfig) -> dict[str, tf.Tensor]:
    """Picks the empty frames and moves the cut cards out through an edge.

    Args:
      seed: [2] int seed.
      geo: `homography` [B, 3, 3], `corners` [B, 4, 2] (scene pixels),
        `content_box` [B, 4] and `barrel` [B] of the labelled card
        (`geometry.sample_card_geometry`, `lens.sample_distortion`), and
        `page_curve` [B, 4] where binder pages curve (`lens.sample_page_curve`).
      size: output side in pixels.
      texture_size: (width, height) of the card textures.
      config: `empty_p`.

    Returns:
      `geo` with `homography` and `corners` moved for cut cards, and `drawn`
      [B] bool (False: the labelled card and its sleeve and shadow are left out).
    """
    batch_size = tf.shape(geo["corners"])[0]
    b = [batch_size]
    empty = seeds.bernoulli(seed, "empty", b, config.empty_p)
    hidden = empty & seeds.bernoulli(seed, "hidden", b, HIDDEN_SHARE)
    cut = empty & ~hidden
    shift = _cut_shift(seed, geo, size)                                          # [B, 2] scene pixels
    moved = homography.compose(homography.translation(shift), geo["homography"])
    h = tf.where(cut[:, None, None], moved, geo["homography"])
    corners = homography.apply_homography(h, texture_corners(*texture_size, batch_size))
    return {**geo, "homography": h, "corners": tf.where(cut[:, None, None], corners, geo["corners"]),
            "drawn": ~hidden}


def _cut_shift(seed: tf.Tensor, geo: dict[str, tf.Tensor], size: int) -> tf.Tensor:
    """[B, 2] the scene translation that puts the card's outermost corner towards a random side
    a random depth beyond the content box's edge, as drawn (through the lens)."""
    batch_size = tf.shape(geo["corners"])[0]
    box, k, curve = geo["content_box"], geo["barrel"], geo.get("page_curve")
    normal = tf.gather(tf.constant(_SIDES), seeds.integers(seed, "side", [batch_size], 0, len(_SIDES)))  # [B, 2]
    drawn = lens.image_points(k, geo["corners"], size, curve)                     # [B, 4, 2]
    reach = tf.reduce_sum(drawn * normal[:, None], -1)                            # [B, 4] how far out along it
    outermost = tf.argmax(reach, axis=-1, output_type=tf.int32)                  # [B]
    extent = tf.reduce_max(reach, -1) - tf.reduce_min(reach, -1)                  # [B] its extent across the edge
    edge = tf.reduce_sum(tf.where(normal > 0, box[:, 2:], box[:, :2]) * normal, -1)    # [B] the edge, along the normal
    most = tf.maximum(MIN_CUT * size, _MAX_CUT_EXTENT * extent)
    depth = seeds.uniform(seed, "depth", [batch_size], MIN_CUT * size, most)
    corner = tf.gather(drawn, outermost, batch_dims=1)                            # [B, 2] as drawn
    target = corner + (edge + depth - tf.reduce_max(reach, -1))[:, None] * normal  # [B, 2] as drawn
    tx, ty = lens.scene_points(k, target[:, :1], target[:, 1:], size, curve)      # [B, 1] each: where the lens reads it
    return tf.concat([tx, ty], -1) - tf.gather(geo["corners"], outermost, batch_dims=1)
