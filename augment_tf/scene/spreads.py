"""Spreads: the neighbours laid out on the table in rows and columns with the labelled card, as a deck dealt out.

A **spread** (`SceneConfig.spread`) is a grid of `ROWS` x `COLUMNS` cells in
the labelled card's plane, along its edges, the labelled card in one of them.
Cells repeat every card plus a gap (one per image, a fraction of the card's
width), and where the recipe sleeves neighbours (`sleeves`), every cell is a
sleeved card's, so the gap lies between the sleeves. Slot k takes the k-th
nearest cell to the labelled card's (the neighbour slots first, then the tiled
slots below), so every cell of the grid holds a card. Each card shifts and turns on
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

A **deck** (`SceneConfig.deck`) is a spread of 3-6 rows by 4-8 columns around a
small labelled card near the frame's centre (`geometry`'s `small` cards): a whole
deck laid out, tens of cards each a few percent of the frame.

The neighbour slots take the cells nearest the labelled card; every other cell
of the grid is a **tiled slot** (`tiled_slots`), drawn without a pass of its own:
cells never overlap, so each pixel finds the one tiled slot that may cover it
from its position in the grid (`tiled_slot_at`), and reads that slot's card.

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
DECK_ROWS = (3, 6)      # rows of a deck laid out (`SceneConfig.deck`), inclusive
DECK_COLUMNS = (4, 8)   # and its columns
CELLS = DECK_ROWS[1] * DECK_COLUMNS[1]   # the most cards a spread lays out, the labelled card among them
_REACH = (max(COLUMNS[1], DECK_COLUMNS[1]), max(ROWS[1], DECK_ROWS[1]))   # (columns, rows) of the largest grid


def tiled_slots(neighbor_slots: int) -> int:
    """D: the cells of the largest grid that no neighbour slot takes, drawn by cell lookup (`tiled_slot_at`)."""
    return max(CELLS - 1 - neighbor_slots, 0)


def _offsets(width: int, height: int) -> list[tuple[int, int]]:
    """Every other cell of the largest grid from the labelled card's, (columns, rows), nearest first (in texels)."""
    reach = itertools.product(range(1 - _REACH[0], _REACH[0]), range(1 - _REACH[1], _REACH[1]))
    return sorted((cell for cell in reach if cell != (0, 0)),
                  key=lambda cell: ((cell[0] * width) ** 2 + (cell[1] * height) ** 2, cell[1], cell[0]))


def sample_spreads(seed: tf.Tensor, geo: dict[str, tf.Tensor], width: int, height: int, size: int,
                   config: SceneConfig, page: dict[str, tf.Tensor] | None = None,
                   pile: dict[str, tf.Tensor] | None = None, deck: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
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
      deck: [B] bool, the image is a deck laid out (`SceneConfig.deck`): a spread of the deck's larger grid;
        None in a recipe without decks.

    Returns:
      dict: `present` [B] bool; `gap` [B] texels; `grid` [B, 2] int32
      (columns, rows); `at` [B, 2] int32 the labelled card's cell (column,
      row); for the T = S + D slots (the neighbour slots, then the tiled ones,
      `tiled_slots`): `cell` [B, T, 2] each slot's cell, in cells from the
      labelled card's; `filled` [B, T] bool, the slot has a cell (the rest are
      empty); `turn` [B, T] and `shift` [B, T, 2] in -1..1, of what a card may
      turn and shift (`placements`).
    """
    drawn, slots = geo["drawn"], config.neighbor_slots + tiled_slots(config.neighbor_slots)
    batch_size = tf.shape(drawn)[0]
    b, per_slot = [batch_size], [batch_size, slots]
    present = seeds.bernoulli(seed, "present", b, config.spread.p)
    if deck is not None:
        present |= deck
    present &= drawn
    for winner in (page, pile):
        if winner is not None:
            present &= ~winner["present"]
    gap = seeds.uniform(seed, "gap", b, config.spread.low, config.spread.high) * width
    grid = _grid(seed, "", b, COLUMNS, ROWS)                                                       # [B, 2]
    if deck is not None:
        grid = tf.where(deck[:, None], _grid(seed, "deck_", b, DECK_COLUMNS, DECK_ROWS), grid)
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
    chosen = inside[:, None] & (rank[:, None] == tf.range(slots)[None, :, None])                   # [B, T, O]
    return {
        "present": present,
        "gap": gap,
        "grid": grid,
        "at": tf.cast(at, tf.int32),
        "cell": tf.linalg.matmul(tf.cast(chosen, tf.float32), offsets),                            # [B, T, 2]
        "filled": tf.reduce_any(chosen, -1),
        "turn": seeds.uniform(seed, "turn", per_slot, -1.0, 1.0),
        "shift": seeds.uniform(seed, "shift", per_slot + [2], -1.0, 1.0),
    }


def _grid(seed: tf.Tensor, name: str, batch: list, columns: tuple[int, int], rows: tuple[int, int]) -> tf.Tensor:
    """[B, 2] int32 (columns, rows) of each image's grid, uniform in the inclusive ranges."""
    return tf.stack([seeds.integers(seed, f"{name}columns", batch, columns[0], columns[1] + 1),
                     seeds.integers(seed, f"{name}rows", batch, rows[0], rows[1] + 1)], -1)


def holds(spread: dict[str, tf.Tensor], slot: int) -> tf.Tensor:
    """[B] bool: the image's spread puts a card in slot `slot`."""
    return spread["present"] & spread["filled"][:, slot]


def _cell_pitch(spread: dict[str, tf.Tensor], width: int, height: int,
                sleeve: dict[str, tf.Tensor] | None) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(pitch [B, 2] texels from one cell to the next, a sleeved card's where the design sleeves them; the
    sleeve's margin and open top [B] texels, 0 without sleeves)."""
    margin, top = (0.0, 0.0) if sleeve is None else (sleeve["margin"], sleeve["top"])
    pitch = tf.stack([width + 2 * margin + spread["gap"], height + 2 * margin + top + spread["gap"]], -1)
    return pitch, margin, top


def placements(spread: dict[str, tf.Tensor], width: int, height: int,
               sleeve: dict[str, tf.Tensor] | None = None) -> tf.Tensor:
    """[B, T, 3, 3] maps from each slot's texels to the labelled card's, where the spread lays that slot's card.

    Args:
      spread: from `sample_spreads`.
      width, height: card texture size in texels.
      sleeve: the neighbours' sleeve design (`margin`, `top` [B] texels), or None in a recipe without sleeves.
    """
    slack = tf.maximum(spread["gap"] - CLEAR * width, 0.0)                                 # [B] texels
    pitch, margin, top = _cell_pitch(spread, width, height, sleeve)                       # [B, 2]
    # Turned by a about its centre, a card's (or its sleeve's) bounds move out at most |sin a| times their farthest
    # reach from the centre along an axis, the open end of its sleeve (height / 2 + margin + top).
    reach = height / 2 + margin + top
    most = tf.minimum(math.radians(MAX_TURN_DEG), _TURN_SHARE * slack / reach)            # [B]
    angle = spread["turn"] * most[:, None]                                                # [B, T]
    offset = spread["cell"] * pitch[:, None] + spread["shift"] * (SHIFT * slack)[:, None, None]   # [B, T, 2] texels
    flat_angle, flat_offset = tf.reshape(angle, [-1]), tf.reshape(offset, [-1, 2])
    centre = tf.zeros_like(flat_offset) + [width / 2, height / 2]                         # [B * T, 2]
    maps = homography.compose(homography.translation(centre + flat_offset), homography.rotation(flat_angle),
                              homography.translation(-centre))                            # [B * T, 3, 3]
    return tf.reshape(maps, tf.concat([tf.shape(angle), [3, 3]], 0))


def tiling(spread: dict[str, tf.Tensor], first: int, present: tf.Tensor, width: int, height: int,
           sleeve: dict[str, tf.Tensor] | None = None) -> dict[str, tf.Tensor]:
    """What `tiled_slot_at` needs to find each pixel's tiled slot.

    Args:
      spread: from `sample_spreads`.
      first: S, the first tiled slot (the neighbour slots come before it).
      present: [B, D] bool, which tiled slots hold a card.
      width, height: card texture size in texels.
      sleeve: the neighbours' sleeve design, or None in a recipe without sleeves.

    Returns:
      dict: `table` [B, W * H] int32, the tiled slot in each cell of the largest grid (W x H cells about the
      labelled card's), -1 where none; `pitch` [B, 2] texels; `centre` [B, 2] the labelled card's cell's
      centre, in its texels (a sleeve's open top moves it up).
    """
    pitch, _, top = _cell_pitch(spread, width, height, sleeve)
    columns, rows = 2 * _REACH[0] - 1, 2 * _REACH[1] - 1
    cell = tf.cast(spread["cell"][:, first:], tf.int32)                                   # [B, D, 2]
    index = _cell_index(cell[..., 0], cell[..., 1])                                        # [B, D]
    owner = tf.where(present, tf.range(1, tf.shape(present)[1] + 1)[None], 0)             # [B, D]: slot + 1
    table = tf.reduce_max(tf.one_hot(index, columns * rows, dtype=tf.int32) * owner[..., None], axis=1) - 1
    zero = tf.zeros_like(spread["gap"])                                                   # [B]
    centre = tf.stack([zero + width / 2, zero + height / 2 - top / 2], -1)
    return {"table": table, "pitch": pitch, "centre": centre}


def tiled_slot_at(tiles: dict[str, tf.Tensor], u: tf.Tensor, v: tf.Tensor) -> tf.Tensor:
    """[B, P] int32: the tiled slot whose cell holds each point (labelled-card texels u, v [B, P]), -1 where none.

    Each card's bounds stay inside its cell, the pitch a sleeved card plus the gap, so no other card can
    cover a point (`tiling` describes the cells).
    """
    cell_u = tf.round((u - tiles["centre"][:, 0:1]) / tiles["pitch"][:, 0:1])            # [B, P] cells
    cell_v = tf.round((v - tiles["centre"][:, 1:2]) / tiles["pitch"][:, 1:2])
    inside = (tf.abs(cell_u) < _REACH[0]) & (tf.abs(cell_v) < _REACH[1])
    index = _cell_index(tf.cast(tf.clip_by_value(cell_u, 1.0 - _REACH[0], _REACH[0] - 1.0), tf.int32),
                        tf.cast(tf.clip_by_value(cell_v, 1.0 - _REACH[1], _REACH[1] - 1.0), tf.int32))
    return tf.where(inside, tf.gather(tiles["table"], index, batch_dims=1), -1)


def _cell_index(column: tf.Tensor, row: tf.Tensor) -> tf.Tensor:
    """int32 index into `tiling`'s table of the cell (column, row) cells from the labelled card's, row-major."""
    return (row + _REACH[1] - 1) * (2 * _REACH[0] - 1) + column + _REACH[0] - 1
