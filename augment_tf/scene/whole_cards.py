"""Every card in the frame, and which of them are whole: the labels of a multi-card scene.

Slot 0 is the labelled card (`corners`); slots 1.. are the neighbour slots of
`neighbors`, in their order. A card is **whole** when it is drawn, all 4
corners of its printed face lie in the frame (the content box, as drawn through
the lens) in front of the camera, the disc of `CORNER_DISC` around each corner
is not hidden (the rounded corner itself is never printed, so the disc stands
for it), and at most `MAX_HIDDEN` of its face is hidden. What hides a card is
what is drawn over it: the cards above it in the drawing order (a sleeved
neighbour with its whole sleeve, which is drawn as one piece), the labelled
card's opaque sleeve back, and the occluder. Glare, a binder pocket's film and
the labelled card's clear sleeve hide nothing. A card lying face down is not drawn by the synthesis, so the
question does not arise here.

Drawing order, bottom to top (`synthesize`): the neighbour slots, the last one
lowest (each pixel shows the first slot that covers it), then the labelled card
in its sleeve, then the occluder. Hiding is tested on sample points of each
card's face (a grid) and corner discs, mapped through the labelled card's plane:
neighbours are in-plane moves of the labelled card, so a point moves from one
card's texels to another's by an affine map, or by a homography where a
neighbour is tilted out of the plane (`planes`).

The labelled card's `present` (the single-card contract) asks less: its corners
in the frame. `card_whole[:, 0]` also asks that no occluder hides a corner disc.
"""

import math

import tensorflow as tf

from augment_tf import geometry, homography, lens
from augment_tf.scene import occluders, sleeves, spreads
from augment_tf.scene.neighbors import Neighbors

CARD_SLOTS = spreads.CELLS   # K: the cards a sample can label, at least a whole deck laid out (`spreads`)
MAX_HIDDEN = 0.10       # a whole card has at most this share of its face hidden
CORNER_DISC = 0.03      # radius of each corner's disc, as a share of the card's width (about 1.9 mm)
_FACE_GRID = (14, 20)   # sample points across and down the face, for the hidden share (to about 1/14)
_DISC_POINTS = 8        # points on each disc's rim, besides the corner itself
_OPAQUE_SLEEVE = 0.5    # a sleeve back at least this opaque hides what lies under it


def card_slots(neighbor_slots: int) -> int:
    """K for a recipe: `CARD_SLOTS`, or more where the recipe has more neighbour slots (never an unlabelled card).

    A spread's tiled slots fill its grid up to `CARD_SLOTS` cards (`spreads.tiled_slots`), so they never add to K.
    """
    return max(CARD_SLOTS, 1 + neighbor_slots)


def face_points(width: int, height: int) -> tf.Tensor:
    """[G + 4 * (D + 1), 2] texel points of a card: the face grid, then each corner's disc (corner first)."""
    columns, rows = _FACE_GRID
    u = (tf.range(columns, dtype=tf.float32) + 0.5) / columns * width
    v = (tf.range(rows, dtype=tf.float32) + 0.5) / rows * height
    grid_v, grid_u = tf.meshgrid(v, u, indexing="ij")
    grid = tf.reshape(tf.stack([grid_u, grid_v], -1), [-1, 2])                          # [G, 2]
    angles = tf.range(_DISC_POINTS, dtype=tf.float32) * (2 * math.pi / _DISC_POINTS)
    rim = CORNER_DISC * width * tf.stack([tf.cos(angles), tf.sin(angles)], -1)          # [D, 2]
    disc = tf.concat([tf.zeros([1, 2]), rim], 0)                                        # [D + 1, 2]
    corners = tf.constant([[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]])
    discs = tf.reshape(corners[:, None] + disc[None], [-1, 2])                          # [4 * (D + 1), 2]
    return tf.concat([grid, discs], 0)


def _project(maps: tf.Tensor, points: tf.Tensor) -> tf.Tensor:
    """[..., N, 2] points through [..., 3, 3] maps between card planes.

    The perspective division is exact for an affine map (its w is 1), so in-plane
    moves come out as they go in; a point beyond a tilted card's horizon (w <= 0) is
    sent far off every card.
    """
    moved = tf.linalg.matmul(points, maps[..., :2, :2], transpose_b=True) + maps[..., None, :2, 2]
    w = tf.linalg.matmul(points, maps[..., 2:, :2], transpose_b=True) + maps[..., None, 2:, 2]   # [..., N, 1]
    return tf.where(w > 0.0, moved / tf.where(w > 0.0, w, 1.0), -1e4)


def _inside_card(points: tf.Tensor, width: int, height: int) -> tf.Tensor:
    """[...] bool: texel points [..., 2] on a width x height card."""
    return tf.reduce_all((points >= 0.0) & (points <= [float(width), float(height)]), axis=-1)


def _under_sleeve(sleeve: dict[str, tf.Tensor] | None, points: tf.Tensor, width: int, height: int) -> tf.Tensor:
    """[B, C, N] bool: the points (labelled-card texels [B, C, N, 2]) of the cards below the labelled card
    (all but card 0) that lie under its opaque sleeve back, as `sleeves` draws it."""
    if sleeve is None:
        return tf.zeros(tf.shape(points)[:-1], tf.bool)
    distance = sleeves.signed_distance(sleeve, points[..., 0], points[..., 1], width, height)     # [B, C, N]
    below = (tf.range(tf.shape(points)[1]) > 0)[None, :, None]
    return (sleeve["present"] & (sleeve["back_alpha"] >= _OPAQUE_SLEEVE))[:, None, None] & below & (distance < 0.0)


def card_labels(geo: dict[str, tf.Tensor], corners: tf.Tensor, slots: Neighbors | None,
                sleeve: dict[str, tf.Tensor] | None, occluder: dict[str, tf.Tensor] | None,
                texture_size: tuple[int, int], size: int, neighbor_slots: int) -> dict[str, tf.Tensor]:
    """The corners of every card in the frame, which are whole, and the whole card nearest the centre.

    Args:
      geo: the labelled card's `homography` [B, 3, 3] (texels to scene pixels),
        `barrel` [B], `content_box` [B, 4] and `drawn` [B] bool.
      corners: [B, 4, 2] the labelled card's corners as drawn (`synthesize`'s `corners`).
      slots: the neighbour slots (`neighbors.sample_neighbors`), None without neighbours.
      sleeve: the labelled card's sleeve (`sleeves.sample_sleeves`), None without sleeves.
      occluder: the occluder (`occluders.sample_occluders`), None without occluders.
      texture_size: (width, height) of the card textures.
      size: output side in pixels.
      neighbor_slots: the recipe's `SceneConfig.neighbor_slots` (sets K).

    Returns:
      `cards` [B, K, 4, 2] float32, each card's TL, TR, BR, BL as drawn (slot 0 is
      `corners`; slots without a card hold zeros); `card_whole` [B, K] bool;
      `card_hidden` [B, K] float32, the share of each face hidden (0 where no card is); `primary` [B]
      int32, the whole card nearest the frame's centre (by the mean of its
      corners), -1 where none is whole.
    """
    width, height = texture_size
    batch_size = tf.shape(geo["homography"])[0]
    to_slot = (tf.zeros([batch_size, 0, 3, 3]) if slots is None
               else tf.transpose(slots.to_neighbor, [1, 0, 2, 3]))                       # [B, S, 3, 3]
    slot_present = (tf.zeros([batch_size, 0], tf.bool) if slots is None
                    else tf.transpose(slots.present))                                   # [B, S]
    count = 1 + to_slot.shape[1]                                                         # C cards
    to_labelled = tf.concat([tf.eye(3, batch_shape=[batch_size, 1]),
                             tf.reshape(homography.invert(tf.reshape(to_slot, [-1, 3, 3])),
                                        [batch_size, count - 1, 3, 3])], 1)               # [B, C, 3, 3]
    present = tf.concat([geo["drawn"][:, None], slot_present], 1)                        # [B, C]
    points = face_points(width, height)
    on_labelled = _project(to_labelled, tf.tile(points[None, None], [batch_size, count, 1, 1]))  # [B, C, N, 2]
    extent = (tf.zeros([batch_size, 0, 4]) if slots is None
              else tf.transpose(slots.extent(width, height), [1, 0, 2]))                 # [B, S, 4]
    hiders = to_slot.shape[1] - (0 if slots is None else slots.tiled)     # tiled slots lie in cells of their own
    hidden = (_under_cards(geo["drawn"], to_slot[:, :hiders], slot_present[:, :hiders], extent[:, :hiders],
                           on_labelled, width, height)
              | _under_sleeve(sleeve, on_labelled, width, height)
              | _under_occluder(geo["homography"], occluder, on_labelled))              # [B, C, N]
    grid = _FACE_GRID[0] * _FACE_GRID[1]
    share = tf.reduce_mean(tf.cast(hidden[..., :grid], tf.float32), axis=-1)            # [B, C]
    discs_clear = ~tf.reduce_any(hidden[..., grid:], axis=-1)                            # [B, C]
    drawn, in_front = _drawn_corners(geo, to_labelled, corners, width, height, size)     # [B, C, 4, 2], [B, C]
    in_frame = tf.reduce_all(tf.reshape(geometry.inside_box(tf.reshape(drawn, [batch_size, -1, 2]),
                                                            geo["content_box"]), [batch_size, count, 4]), axis=-1)
    whole = present & in_front & in_frame & discs_clear & (share <= MAX_HIDDEN)           # [B, C]
    pad = [[0, 0], [0, card_slots(neighbor_slots) - count]]
    cards = tf.pad(tf.where(present[..., None, None], drawn, 0.0), pad + [[0, 0], [0, 0]])  # [B, K, 4, 2]
    whole = tf.pad(whole, pad)
    return {"cards": cards, "card_whole": whole, "card_hidden": tf.pad(tf.where(present, share, 0.0), pad),
            "primary": nearest_whole(cards, whole, size)}


def _under_cards(drawn: tf.Tensor, to_slot: tf.Tensor, slot_present: tf.Tensor, extent: tf.Tensor,
                 on_labelled: tf.Tensor, width: int, height: int) -> tf.Tensor:
    """[B, C, N] bool: each card's points under a card drawn above it.

    Card 0 (the labelled card) lies over every slot where it is drawn; slot j
    lies over slot s for j < s, and hides it within its bounds `extent`
    [B, S, 4] (`Neighbors.extent`: its sleeve's, where it is sleeved). The
    cards after the S slots given (a spread's tiled slots) lie under them all
    and hide none: each lies in its own cell of the grid, a gap from the next.
    """
    count, slot_count = on_labelled.shape[1], to_slot.shape[1]
    under_labelled = drawn[:, None, None] & _inside_card(on_labelled, width, height)   # [B, C, N]
    under_labelled = under_labelled & (tf.range(count) > 0)[None, :, None]
    if not slot_count:
        return under_labelled
    on_slots = _project(to_slot[:, None], on_labelled[:, :, None])                       # [B, C, S, N, 2]
    above = tf.range(slot_count)[None, :] < tf.range(count)[:, None] - 1                # [C, S]: slot j over card c
    box = extent[:, None, :, None]                                                       # [B, 1, S, 1, 4]
    inside = tf.reduce_all((on_slots >= box[..., :2]) & (on_slots <= box[..., 2:]), axis=-1)   # [B, C, S, N]
    over = slot_present[:, None, :, None] & above[None, :, :, None] & inside
    return under_labelled | tf.reduce_any(over, axis=2)


def _under_occluder(card_to_scene: tf.Tensor, occluder: dict[str, tf.Tensor] | None,
                    on_labelled: tf.Tensor) -> tf.Tensor:
    """[B, C, N] bool: points (labelled-card texels [B, C, N, 2]) under the occluder, in the scene's pixels."""
    if occluder is None:
        return tf.zeros(tf.shape(on_labelled)[:-1], tf.bool)
    shape = tf.shape(on_labelled)
    scene, in_front = _to_scene(card_to_scene, tf.reshape(on_labelled, [shape[0], -1, 2]))   # [B, C * N, ...]
    distance = occluders.signed_distance(occluder, scene[..., 0], scene[..., 1])         # [B, C * N]
    hidden = occluder["present"][:, None] & (distance < 0.0) & in_front
    return tf.reshape(hidden, shape[:-1])


def _to_scene(card_to_scene: tf.Tensor, points: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Labelled-card texel points [B, N, 2] in the scene's pixels, and whether each is in front of the camera."""
    projected = tf.linalg.matmul(tf.concat([points, tf.ones_like(points[..., :1])], -1), card_to_scene,
                                 transpose_b=True)                                       # [B, N, 3]
    in_front = projected[..., 2] > 0
    return projected[..., :2] / tf.where(in_front[..., None], projected[..., 2:], 1.0), in_front


def _drawn_corners(geo: dict[str, tf.Tensor], to_labelled: tf.Tensor, corners: tf.Tensor, width: int,
                   height: int, size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Each card's corners as drawn through the lens, [B, C, 4, 2], and whether all 4 are in front [B, C]."""
    batch_size, count = tf.shape(to_labelled)[0], to_labelled.shape[1]
    texels = _project(to_labelled, geometry.texture_corners(width, height, 1)[None])       # [B, C, 4, 2]
    scene, in_front = _to_scene(geo["homography"], tf.reshape(texels, [batch_size, -1, 2]))   # [B, C * 4, ...]
    drawn = tf.reshape(lens.image_points(geo["barrel"], scene, size, geo.get("page_curve")),
                       [batch_size, count, 4, 2])
    drawn = tf.concat([corners[:, None], drawn[:, 1:]], 1)             # the labelled card's own, exactly
    in_front = tf.reduce_all(tf.reshape(in_front, [batch_size, count, 4]), axis=-1)
    return drawn, in_front


def nearest_whole(cards: tf.Tensor, whole: tf.Tensor, size: int) -> tf.Tensor:
    """[B] int32: which whole card of [B, K, 4, 2] has its corners' mean nearest the frame's centre; -1 if none.

    Example:
    >>> cards = tf.constant([[[[0., 0.]] * 4, [[40., 50.]] * 4, [[60., 50.]] * 4]])   # centres (0, 0), (40, 50), ...
    >>> nearest_whole(cards, tf.constant([[True, True, False]]), 100).numpy().tolist()
    [1]
    """
    distance = tf.norm(tf.reduce_mean(cards, axis=2) - size / 2.0, axis=-1)              # [B, K]
    nearest = tf.argmin(tf.where(whole, distance, float("inf")), axis=-1, output_type=tf.int32)
    return tf.where(tf.reduce_any(whole, axis=-1), nearest, -1)
