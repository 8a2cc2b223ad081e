"""Spreads: the neighbours laid out on the table in rows and columns with the labelled card, as a deck dealt out.

A **spread** (`SceneConfig.spread`) is a grid of `ROWS` x `COLUMNS` cells in
the labelled card's plane, along its edges, the labelled card in one of them.
Cells repeat every card plus a gap (one per image, a fraction of the card's
width), and where the recipe sleeves neighbours (`sleeves`), every cell is a
sleeved card's, so the gap lies between the sleeves. Neighbour slot k takes the
k-th nearest cell to the labelled card's, so a grid with more cells than slots
is laid out in part, around the labelled card. Each card shifts and turns on
its own in its cell, within the gap's slack, what exceeds `CLEAR` of the width
(a whole card's corner disc must not reach the next card: `whole_cards`): up
to `SHIFT` of the slack along each axis, and up to `MAX_TURN_DEG` or less, as
turns `_TURN_SHARE` of the slack allow. No card's bounds then reach further
than 45% of the slack out of its cell, so none touches the next, every two lie
at least `CLEAR` apart (or the gap, where narrower), and each card in the frame
is whole. The labelled card's own sleeve, of its own design, may reach further.

The labelled card must stay the whole card nearest the frame's centre
(`neighbors.WHOLE_MARGIN`), so the grid extends only away from it: where the
frame's centre, in the card's plane, lies more than `_CENTRED` of a cell off the
labelled card along an axis, the labelled card takes the grid's last cell
towards it on that axis; otherwise any cell. In the plane every other cell is
then farther from the centre; as drawn, perspective and the lens can bring one
nearer, and `neighbors` drops it (a hole in the grid), as it drops any whole
neighbour nearer the centre. Cards cut by the frame's edge stay.

A spread needs its labelled card drawn, and a binder page, a fan and a stack
win over it: none shares an image with a spread.
"""

import itertools
import math

import tensorflow as tf

from augment_tf import homography, seeds
from augment_tf.config import SceneConfig

ROWS = (1, 5)           # rows of a spread (along the card's height), inclusive
COLUMNS = (2, 6)        # columns (along its width), inclusive
CLEAR = 0.045           # cards lie at least this share of the width apart: 1.5 x `whole_cards.CORNER_DISC`
SHIFT = 0.1             # a card shifts at most this share of the gap's slack (over `CLEAR`) along each axis
MAX_TURN_DEG = 3.0      # and turns at most this much, or what moves its bounds `_TURN_SHARE` of the slack
_TURN_SHARE = 0.35
_CENTRED = 0.25         # the frame's centre is off the labelled card by more than this many cells: extend away


def _offsets(width: int, height: int) -> list[tuple[int, int]]:
    """Every other cell of the largest grid from the labelled card's, (columns, rows), nearest first (in texels)."""
    reach = itertools.product(range(1 - COLUMNS[1], COLUMNS[1]), range(1 - ROWS[1], ROWS[1]))
    return sorted((cell for cell in reach if cell != (0, 0)),
                  key=lambda cell: ((cell[0] * width) ** 2 + (cell[1] * height) ** 2, cell[1], cell[0]))


def sample_spreads(seed: tf.Tensor, geo: dict[str, tf.Tensor], width: int, height: int, size: int,
                   config: SceneConfig, page: dict[str, tf.Tensor] | None = None,
                   pile: dict[str, tf.Tensor] | None = None) -> dict[str, tf.Tensor]:
    """Draws each image's spread: whether there is one, its grid, the labelled card's cell and each slot's.

    Args:
      seed: [2] int seed.
      geo: the labelled card's `homography` [B, 3, 3] (texels to scene pixels) and `drawn` [B] bool.
      width, height: card texture size in texels.
      size: output side in pixels.
      config: `spread` sets the share of spreads (of the images without a
        page or pile) and the gap between cards, a fraction of the width;
        `neighbor_slots` is S.
      page: the binder page (`binder.sample_binder`), which wins; None in a recipe without pages.
      pile: the fan or stack (`piles.sample_piles`), which wins; None in a recipe without them.

    Returns:
      dict: `present` [B] bool; `gap` [B] texels; `grid` [B, 2] int32
      (columns, rows); `at` [B, 2] int32 the labelled card's cell (column,
      row); `cell` [B, S, 2] each slot's cell, in cells from the labelled
      card's; `filled` [B, S] bool, the slot has a cell (the rest are empty);
      `turn` [B, S] and `shift` [B, S, 2] in -1..1, of what a card may turn
      and shift (`placement`).
    """
    drawn, slots = geo["drawn"], config.neighbor_slots
    batch_size = tf.shape(drawn)[0]
    b, per_slot = [batch_size], [batch_size, slots]
    present = seeds.bernoulli(seed, "present", b, config.spread.p) & drawn
    for winner in (page, pile):
        if winner is not None:
            present &= ~winner["present"]
    gap = seeds.uniform(seed, "gap", b, config.spread.low, config.spread.high) * width
    grid = tf.stack([seeds.integers(seed, "columns", b, COLUMNS[0], COLUMNS[1] + 1),
                     seeds.integers(seed, "rows", b, ROWS[0], ROWS[1] + 1)], -1)                     # [B, 2]
    last = tf.cast(grid - 1, tf.float32)
    # The frame's centre in the labelled card's plane, in cells from its centre (the lens keeps the centre).
    centre = tf.linalg.matvec(homography.invert(geo["homography"]), tf.constant([size / 2, size / 2, 1.0]))
    in_front = centre[:, 2] > 0                                                                    # [B]
    pitch = tf.stack([width + gap, height + gap], -1)                                              # [B, 2]
    towards = (centre[:, :2] / tf.where(in_front, centre[:, 2], 1.0)[:, None] - [width / 2, height / 2]) / pitch
    anywhere = tf.minimum(tf.floor(seeds.uniform(seed, "at", [batch_size, 2]) * (last + 1.0)), last)
    at = tf.where(in_front[:, None] & (towards > _CENTRED), last,
                  tf.where(in_front[:, None] & (towards < -_CENTRED), 0.0, anywhere))              # [B, 2]
    # Slot k takes the k-th nearest cell inside the grid.
    offsets = tf.constant(_offsets(width, height), tf.float32)                                     # [O, 2]
    inside = tf.reduce_all((at[:, None] + offsets >= 0.0) & (at[:, None] + offsets <= last[:, None]), -1)  # [B, O]
    rank = tf.cumsum(tf.cast(inside, tf.int32), axis=1) - 1
    chosen = inside[:, None] & (rank[:, None] == tf.range(slots)[None, :, None])                   # [B, S, O]
    return {
        "present": present,
        "gap": gap,
        "grid": grid,
        "at": tf.cast(at, tf.int32),
        "cell": tf.linalg.matmul(tf.cast(chosen, tf.float32), offsets),                            # [B, S, 2]
        "filled": tf.reduce_any(chosen, -1),
        "turn": seeds.uniform(seed, "turn", per_slot, -1.0, 1.0),
        "shift": seeds.uniform(seed, "shift", per_slot + [2], -1.0, 1.0),
    }


def holds(spread: dict[str, tf.Tensor], slot: int) -> tf.Tensor:
    """[B] bool: the image's spread puts a card in slot `slot`."""
    return spread["present"] & spread["filled"][:, slot]


def placement(spread: dict[str, tf.Tensor], slot: int, width: int, height: int,
              sleeve: dict[str, tf.Tensor] | None = None) -> tf.Tensor:
    """[B, 3, 3] maps from slot `slot`'s texels to the labelled card's, where the spread lays that slot's card.

    Args:
      spread: from `sample_spreads`.
      slot: the neighbour slot.
      width, height: card texture size in texels.
      sleeve: the neighbours' sleeve design (`margin`, `top` [B] texels), or None in a recipe without sleeves.
    """
    gap = spread["gap"]
    slack = tf.maximum(gap - CLEAR * width, 0.0)                                           # [B] texels
    margin, top = (0.0, 0.0) if sleeve is None else (sleeve["margin"], sleeve["top"])
    pitch = tf.stack([width + 2 * margin + gap, height + 2 * margin + top + gap], -1)      # [B, 2]: a sleeved card's
    # Turned by a about its centre, a card's (or its sleeve's) bounds move out at most |sin a| times their farthest
    # reach from the centre along an axis, the open end of its sleeve (height / 2 + margin + top).
    reach = height / 2 + margin + top
    most = tf.minimum(math.radians(MAX_TURN_DEG), _TURN_SHARE * slack / reach)
    angle = spread["turn"][:, slot] * most
    offset = spread["cell"][:, slot] * pitch + spread["shift"][:, slot] * (SHIFT * slack)[:, None]   # [B, 2] texels
    centre = tf.zeros_like(offset) + [width / 2, height / 2]                                      # [B, 2]
    return homography.compose(homography.translation(centre + offset), homography.rotation(angle),
                              homography.translation(-centre))
