"""Binder pages: the labelled card and its neighbours in the clear pockets of a 3 x 3 or 2 x 2 page.

A page lies flat with its cards, so it is drawn in the labelled card's plane
coordinates, like a sleeve. The labelled card's pocket is pocket (0, 0), and the
pockets repeat every card plus a gap. A pocket is wider than its card, and a
card lies anywhere in the slack (`POCKET_SLACK`), flush with one seam and far
from the other as often as centred: where a seam lies says little of where the
card's edge is, and a dark backing beside a black border must be told apart
from it. A 3 x 3 page spans pockets -1..1 on each
axis; a 2 x 2 page spans 0..1 or -1..0 on each, towards a random corner.
Neighbour slots whose direction falls inside the page fill its pockets
(`neighbors`), but for the empty ones. Two layers:

- the backing, an opaque sheet under the cards, showing in the gaps and the empty pockets;
- the pockets' film over the cards: a faint haze, a band of glare, and the
  welded seams between pockets. The film is clear, so it hides no card.
"""

import math

import tensorflow as tf

from augment_tf import seeds
from augment_tf.composite import PlaneCoords
from augment_tf.config import SceneConfig
from mtg_tfds.card_shape import px_per_mm

# Page backings: black, dark grey, white, light grey, navy.
_BACKINGS = [[0.04, 0.04, 0.05], [0.2, 0.2, 0.22], [0.9, 0.9, 0.88], [0.7, 0.7, 0.72], [0.08, 0.1, 0.25]]
SMALL_PAGE_P = 0.35     # share of pages with 2 x 2 pockets rather than 3 x 3
EMPTY_POCKET_P = 0.1    # share of a page's pockets (other than the labelled card's) left empty
_RIM_MM = 4.0           # the page reaches this far beyond its outer pockets
_SEAM_MM = (0.4, 1.2)   # width of the welded seams between pockets
POCKET_SLACK = 0.3      # a card lies up to this share of the gap off its pocket's centre, on each axis


def sample_present(seed: tf.Tensor, batch_size, config: SceneConfig) -> tf.Tensor:
    """[B] bool: the images that are a binder page (`sample_binder`'s `present`, from the same seed), for what is
    drawn before the page is (`lens.sample_page_curve`)."""
    return seeds.bernoulli(seed, "present", [batch_size], config.binder.p)


def sample_binder(seed: tf.Tensor, batch_size, width: int, config: SceneConfig) -> dict[str, tf.Tensor]:
    """Draws each image's page: whether there is one, its pockets' gap and extent, backing and film.

    Args:
      seed: [2] int seed.
      batch_size: B.
      width: card texture width in texels (63 mm).
      config: `binder` sets the share of pages and the gap between pockets (a fraction of the width).

    Returns:
      dict: `present` [B] bool; `gap` [B] texels; `low`, `high` [B, 2] the
      first and last pocket on each axis (-1, 0 or 1); `backing` [B, 3] RGB;
      `haze`, `sheen`, `sheen_offset`, `sheen_width`, `seam`, `seam_width` [B];
      `sheen_direction` [B, 2]; `shift` [B, 2] texels from the labelled card's centre to its pocket's.
    """
    b = [batch_size]
    mm = px_per_mm(width)
    small = seeds.bernoulli(seed, "small", b, SMALL_PAGE_P)[:, None]
    gap = seeds.uniform(seed, "gap", b, config.binder.low, config.binder.high) * width
    towards = tf.where(seeds.bernoulli(seed, "towards", [batch_size, 2], 0.5), 1.0, -1.0)        # [B, 2]
    sheen_angle = seeds.uniform(seed, "sheen_angle", b, 0.0, math.pi)
    return {
        "present": sample_present(seed, batch_size, config),
        "gap": gap,
        "shift": seeds.uniform(seed, "shift", [batch_size, 2], -POCKET_SLACK, POCKET_SLACK) * gap[:, None],
        "low": tf.where(small, tf.minimum(towards, 0.0), -1.0),
        "high": tf.where(small, tf.maximum(towards, 0.0), 1.0),
        "backing": tf.gather(tf.constant(_BACKINGS), seeds.integers(seed, "backing", b, 0, len(_BACKINGS))),
        "haze": seeds.uniform(seed, "haze", b, 0.02, 0.12),
        "sheen": seeds.uniform(seed, "sheen", b, 0.0, 0.6),
        "sheen_direction": tf.stack([tf.cos(sheen_angle), tf.sin(sheen_angle)], -1),
        "sheen_offset": seeds.uniform(seed, "sheen_offset", b, -1.5, 1.5),
        "sheen_width": seeds.uniform(seed, "sheen_width", b, 0.05, 0.4),
        "seam": seeds.uniform(seed, "seam", b, 0.15, 0.6),
        "seam_width": seeds.uniform(seed, "seam_width", b, *_SEAM_MM) * mm,
    }


def in_page(page: dict[str, tf.Tensor], direction: list[int]) -> tf.Tensor:
    """[B] bool: the page has a pocket one step in `direction` ([dx, dy], each -1, 0 or 1) from the labelled card's."""
    step = tf.constant(direction, tf.float32)
    return page["present"] & tf.reduce_all((step >= page["low"]) & (step <= page["high"]), axis=-1)


def _pockets(page: dict[str, tf.Tensor], plane: PlaneCoords, width: int,
             height: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Where each pixel lies among the pockets.

    Returns:
      (on_page [B, P] bool; to_seam [B, P] texels to the nearest seam between pockets, or to the page's edge).
    """
    column = lambda value: value[:, None]                                             # noqa: E731
    pitch = [width + page["gap"], height + page["gap"]]                               # [B] each
    rim = _RIM_MM * px_per_mm(width)
    on_page, to_seam = plane.in_front & column(page["present"]), None
    for axis, (texel, side) in enumerate([(plane.u, width), (plane.v, height)]):
        pockets = (texel - side / 2 - column(page["shift"][:, axis])) / column(pitch[axis])   # [B, P] from ours
        low, high = column(page["low"][:, axis]), column(page["high"][:, axis])
        outside = tf.maximum(low - 0.5 - pockets, pockets - high - 0.5) * column(pitch[axis])  # texels, < 0 inside
        on_page &= outside < rim
        between = (0.5 - tf.abs(pockets - tf.round(pockets))) * column(pitch[axis])
        seam = tf.where(outside > 0.0, tf.abs(outside), between)
        to_seam = seam if to_seam is None else tf.minimum(to_seam, seam)
    return on_page, to_seam


def render_backing(page: dict[str, tf.Tensor], plane: PlaneCoords, width: int, height: int) -> tf.Tensor:
    """[B, P, 4] premultiplied RGBA: the page's opaque backing, to composite under the cards."""
    on_page, _ = _pockets(page, plane, width, height)
    alpha = tf.cast(on_page, tf.float32)[..., None]                                  # [B, P, 1]
    return tf.concat([page["backing"][:, None] * alpha, alpha], -1)


def render_film(page: dict[str, tf.Tensor], plane: PlaneCoords, width: int, height: int) -> tf.Tensor:
    """[B, P, 4] premultiplied RGBA: the pockets' clear film (haze, glare, seams), to composite over the cards."""
    column = lambda name: page[name][:, None]                                        # noqa: E731
    on_page, to_seam = _pockets(page, plane, width, height)
    across = ((plane.u - width / 2) * page["sheen_direction"][:, :1]
              + (plane.v - height / 2) * page["sheen_direction"][:, 1:]) / height   # [B, P] in card heights
    glare = column("sheen") * tf.exp(-((across - column("sheen_offset")) / column("sheen_width")) ** 2)
    seam = column("seam") * tf.clip_by_value(1.0 - to_seam / column("seam_width"), 0.0, 1.0)
    alpha = tf.where(on_page, tf.clip_by_value(column("haze") + glare + seam, 0.0, 1.0), 0.0)[..., None]
    return tf.concat([tf.repeat(alpha, 3, -1), alpha], -1)                           # white film
