"""Things on top of the card: dice, counters and fingers, each hiding at most one corner.

Occluders are analytic shapes in output pixels (signed distance functions), so
they cost no texture reads. Each sits on the card's rim, at a corner or along
an edge as a thumb holding the card does, and is shrunk until it stays clear
of the other three corners; the corner labels stay where the card's corners
are, hidden or not. A finger widens into the hand behind it. Each casts a
soft shadow.
"""

import math

import tensorflow as tf

from augment_tf import seeds
from augment_tf.composite import rounded_box_distance
from augment_tf.config import SceneConfig

KINDS = ("counter", "die", "finger")
_SKIN = [[1.0, 0.86, 0.75], [0.92, 0.72, 0.55], [0.78, 0.55, 0.38], [0.55, 0.36, 0.22], [0.36, 0.23, 0.16]]
_NAIL = [1.0, 0.9, 0.88]        # a nail is the skin's colour lightened towards this
_FINGER_WIDTH = (0.25, 0.34)    # a fingertip's width as a fraction of the card's shorter side (16-21 mm of 63)
_FINGER_TAPER = 0.5             # a finger is this much wider four tip radii back
_HAND = (6.0, 5.0, 1.5)         # the hand starts this many tip radii back, over this many, this much wider again
_ON_EDGE_P = 0.5                # share of occluders along an edge rather than at a corner
_SHRINK = (0.2, 0.3, 0.4, 0.5, 0.64, 0.8, 1.0)   # the sizes tried (of the drawn one) to clear the other corners
_SHADOW = [0.35, 0.5]  # shadow offset as a fraction of the occluder's radius (x, y)
# Which cells of a die's 3x3 pip grid (row-major, bit i = cell i) each face of 1..6 uses.
_FACES = [0b000010000, 0b100000001, 0b100010001, 0b101000101, 0b101010101, 0b101101101]


def _skeleton(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Distance from points to the shape's centre point (counter, die) or centre segment
    (finger, from the tip outwards), and how far along the segment the nearest point is."""
    cx, cy = occluder["centre"][:, 0:1], occluder["centre"][:, 1:2]
    dx, dy = occluder["direction"][:, 0:1], occluder["direction"][:, 1:2]
    along = (px - cx) * dx + (py - cy) * dy
    length = tf.where(occluder["kind"] == 2, occluder["length"], 0.0)[:, None]
    t = tf.clip_by_value(along, 0.0, length)
    return tf.sqrt((px - cx - t * dx) ** 2 + (py - cy - t * dy) ** 2), t


def _round_distance(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tf.Tensor:
    """Signed distance from points to a counter's disc or a finger, which widens from its
    tip (by _FINGER_TAPER) and then into the hand (by _HAND)."""
    radius = occluder["radius"][:, None]
    distance, t = _skeleton(occluder, px, py)
    hand_start, hand_ramp, hand_growth = _HAND
    growth = (_FINGER_TAPER * tf.minimum(t / (4.0 * radius), 1.0)
              + hand_growth * tf.clip_by_value((t - hand_start * radius) / (hand_ramp * radius), 0.0, 1.0))
    return distance - radius * (1.0 + growth)


def _die_frame(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Points [B, N] in the die's own axes (pixels, origin at its centre)."""
    cos, sin = occluder["turn"][:, 0:1], occluder["turn"][:, 1:2]
    dx, dy = px - occluder["centre"][:, 0:1], py - occluder["centre"][:, 1:2]
    return dx * cos + dy * sin, -dx * sin + dy * cos


def signed_distance(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tf.Tensor:
    """[B, N] signed distance in pixels from points [B, N] to each image's occluder."""
    radius = occluder["radius"][:, None]
    round_shapes = _round_distance(occluder, px, py)
    lx, ly = _die_frame(occluder, px, py)
    box = rounded_box_distance(lx, ly, 0.75 * radius, 0.75 * radius, 0.25 * radius)
    return tf.where((occluder["kind"] == 1)[:, None], box, round_shapes)


def sample_occluders(seed: tf.Tensor, corners: tf.Tensor, size: int, config: SceneConfig) -> dict[str, tf.Tensor]:
    """Places at most one occluder per image on the labelled card's rim: at a corner, or along
    the edge that follows it.

    Args:
      seed: [2] int seed.
      corners: [B, 4, 2] the labelled card's corners in output pixels.
      size: output side in pixels.
      config: `occluder` sets presence and diameter as a fraction of the card's shorter side.

    Returns:
      dict of per-image tensors describing the occluder.
    """
    batch_size = tf.shape(corners)[0]
    b = [batch_size]
    which = seeds.integers(seed, "corner", b, 0, 4)
    along = tf.where(seeds.bernoulli(seed, "on_edge", b, _ON_EDGE_P), seeds.uniform(seed, "along", b, 0.15, 0.85), 0.0)
    corner, following = tf.gather(corners, which, batch_dims=1), tf.gather(corners, (which + 1) % 4, batch_dims=1)
    target = corner + along[:, None] * (following - corner)                              # [B, 2]
    centre_of_card = tf.reduce_mean(corners, axis=1)
    edges = tf.norm(corners - tf.roll(corners, -1, axis=1), axis=-1)                     # [B, 4]
    short_side = tf.reduce_min(edges, axis=-1)
    kind = seeds.integers(seed, "kind", b, 0, len(KINDS))
    diameter = tf.where(kind == 2, seeds.uniform(seed, "finger_width", b, *_FINGER_WIDTH),
                        seeds.uniform(seed, "size", b, config.occluder.low, config.occluder.high))
    radius = 0.5 * short_side * diameter
    inward = seeds.uniform(seed, "inward", b, -0.1, 0.25)[:, None]
    jitter = seeds.normal(seed, "jitter", [batch_size, 2]) * 0.3 * radius[:, None]
    centre = target + inward * (centre_of_card - target) + jitter
    outward = centre - centre_of_card
    angle = seeds.uniform(seed, "angle", b, 0.0, math.pi / 2)                           # a die's turn
    heading = tf.atan2(outward[:, 1], outward[:, 0]) + seeds.uniform(seed, "heading", b, -0.6, 0.6)
    occluder = {
        "present": seeds.bernoulli(seed, "present", b, config.occluder.p),
        "kind": kind,
        "centre": centre, "direction": tf.stack([tf.cos(heading), tf.sin(heading)], -1),
        "length": tf.fill(b, 3.0 * size), "turn": tf.stack([tf.cos(angle), tf.sin(angle)], -1),
        "radius": radius,
        "pip_cells": tf.gather(tf.constant(_FACES), seeds.integers(seed, "pips", b, 0, len(_FACES))),
        "colour": _colours(seed, batch_size),
    }
    return _clear_other_corners(occluder, corners, which)


def _clear_other_corners(occluder: dict[str, tf.Tensor], corners: tf.Tensor, which: tf.Tensor) -> dict[str, tf.Tensor]:
    """Shrinks each occluder to the largest of the `_SHRINK` sizes that keeps the corners other
    than `which` [B] at least half a radius outside it; one that no size clears is dropped."""
    others = tf.not_equal(tf.range(4)[None], which[:, None])                             # [B, 4]
    radius, fits = occluder["radius"], tf.zeros_like(which, tf.bool)
    fitted = _SHRINK[0] * radius                                                # kept positive where none fits
    for scale in _SHRINK:                                                       # the largest that fits wins
        candidate = {**occluder, "radius": scale * radius}
        distance = signed_distance(candidate, corners[..., 0], corners[..., 1])            # [B, 4]
        clear = tf.reduce_all(~others | (distance > 0.5 * scale * radius[:, None]), axis=-1)
        fitted, fits = tf.where(clear, scale * radius, fitted), fits | clear
    return {**occluder, "radius": fitted, "present": occluder["present"] & fits}


def _colours(seed: tf.Tensor, batch_size) -> tf.Tensor:
    """[B, 3]: skin tones for fingers, anything for dice and counters (picked later by kind)."""
    skin = tf.gather(tf.constant(_SKIN), seeds.integers(seed, "skin", [batch_size], 0, len(_SKIN)))
    return tf.stack([skin, seeds.uniform(seed, "paint", [batch_size, 3], 0.05, 0.95)], axis=1)  # [B, 2, 3]


def _pip_mask(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tf.Tensor:
    """[B, P] 1 on a die's pips (a 3x3 grid of dots, as many as its face shows)."""
    radius = occluder["radius"][:, None]
    lx, ly = _die_frame(occluder, px, py)
    lx, ly = lx / radius, ly / radius
    cell_x, cell_y = tf.round(lx / 0.4), tf.round(ly / 0.4)
    near = tf.sqrt((lx - 0.4 * cell_x) ** 2 + (ly - 0.4 * cell_y) ** 2) < 0.11
    in_grid = (tf.abs(cell_x) <= 1) & (tf.abs(cell_y) <= 1)
    cell = tf.cast(tf.clip_by_value(cell_y + 1, 0, 2) * 3 + tf.clip_by_value(cell_x + 1, 0, 2), tf.int32)
    used = tf.cast(tf.bitwise.right_shift(occluder["pip_cells"][:, None], cell) & 1, tf.float32)   # [B, P]
    return tf.cast(near & in_grid, tf.float32) * used


def _nail_mask(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tf.Tensor:
    """[B, P] coverage of a fingertip's nail: an ellipse from the tip back along the finger."""
    radius = occluder["radius"][:, None]
    dx, dy = px - occluder["centre"][:, 0:1], py - occluder["centre"][:, 1:2]
    along = dx * occluder["direction"][:, 0:1] + dy * occluder["direction"][:, 1:2]    # towards the hand
    across = dx * occluder["direction"][:, 1:2] - dy * occluder["direction"][:, 0:1]
    inside = ((along - 0.1 * radius) / (0.62 * radius)) ** 2 + (across / (0.55 * radius)) ** 2
    return tf.clip_by_value((1.0 - inside) * 0.3 * radius, 0.0, 1.0)                  # ~1 px soft edge


def render_occluders(occluder: dict[str, tf.Tensor], x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Draws each image's occluder and its shadow.

    Args:
      occluder: from `sample_occluders`.
      x: [1, P] or [B, P] the scene x each output pixel shows.
      y: same shape, scene y.

    Returns:
      (layer [B, P, 4] premultiplied RGBA, shadow [B, P] darkening in 0..1).
    """
    present = tf.cast(occluder["present"], tf.float32)[:, None]
    radius = occluder["radius"][:, None]
    distance = signed_distance(occluder, x, y)
    alpha = tf.clip_by_value(0.5 - distance, 0.0, 1.0) * present                        # [B, P]
    # The shadow is the round outline (cheaper than the die's box, and soft anyway).
    shadow_distance = _round_distance(occluder, x - _SHADOW[0] * radius, y - _SHADOW[1] * radius)
    shadow = tf.clip_by_value(0.5 - shadow_distance / (0.35 * radius), 0.0, 1.0) * 0.45 * present
    depth = tf.sqrt(tf.clip_by_value(-distance / radius, 0.0, 1.0))                    # rounded, lit from above
    is_finger = (occluder["kind"] == 2)[:, None, None]
    colour = tf.where(is_finger, occluder["colour"][:, 0][:, None], occluder["colour"][:, 1][:, None])  # [B, 1, 3]
    shade = (0.55 + 0.45 * depth)[..., None]
    # Marks on the shape: a die's pips (dark on light dice, light on dark) or a fingertip's nail.
    pips = _pip_mask(occluder, x, y)[..., None]
    nail = _nail_mask(occluder, x, y)[..., None]
    mark = tf.where((occluder["kind"] == 1)[:, None, None], pips, tf.where(is_finger, nail, 0.0))
    pip_colour = tf.where(tf.reduce_mean(colour, -1, keepdims=True) > 0.5, 0.05, 0.95)
    mark_colour = tf.where(is_finger, (0.45 * colour + 0.55 * tf.constant(_NAIL)) * shade, pip_colour)
    rgb = (colour * shade) * (1.0 - mark) + mark_colour * mark
    return tf.concat([rgb * alpha[..., None], alpha[..., None]], -1), shadow


def occluded_corners(occluder: dict[str, tf.Tensor], corners: tf.Tensor) -> tf.Tensor:
    """[B, 4] bool: the corner point lies inside the drawn occluder, hand included, shadow not.

    Inside is a negative signed distance: where `render_occluders`' alpha passes 0.5.
    """
    distance = signed_distance(occluder, corners[..., 0], corners[..., 1])
    return occluder["present"][:, None] & (distance < 0.0)
