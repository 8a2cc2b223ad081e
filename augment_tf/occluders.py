"""Things on top of the card: dice, counters and fingertips, each hiding at most one corner.

Occluders are analytic shapes in output pixels (signed distance functions), so
they cost no texture reads. Each sits near one corner of the labelled card and
is shrunk until it stays clear of the other three; the corner labels stay
where the card's corners are, hidden or not. Each casts a soft shadow.
"""

import math

import tensorflow as tf

from augment_tf import seeds
from augment_tf.config import SceneConfig

KINDS = ("counter", "die", "finger")
_SKIN = [[1.0, 0.86, 0.75], [0.92, 0.72, 0.55], [0.78, 0.55, 0.38], [0.55, 0.36, 0.22], [0.36, 0.23, 0.16]]
_SHADOW = [0.35, 0.5]  # shadow offset as a fraction of the occluder's radius (x, y)


def _distance_to_skeleton(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tf.Tensor:
    """Distance from points to the shape's centre point (counter, die) or centre segment (finger)."""
    cx, cy = occluder["centre"][:, 0:1], occluder["centre"][:, 1:2]
    dx, dy = occluder["direction"][:, 0:1], occluder["direction"][:, 1:2]
    along = (px - cx) * dx + (py - cy) * dy
    length = tf.where(occluder["kind"] == 2, occluder["length"], 0.0)[:, None]
    t = tf.clip_by_value(along, 0.0, length)
    return tf.sqrt((px - cx - t * dx) ** 2 + (py - cy - t * dy) ** 2)


def _die_frame(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Points [B, N] in the die's own axes (pixels, origin at its centre)."""
    cos, sin = occluder["turn"][:, 0:1], occluder["turn"][:, 1:2]
    dx, dy = px - occluder["centre"][:, 0:1], py - occluder["centre"][:, 1:2]
    return dx * cos + dy * sin, -dx * sin + dy * cos


def signed_distance(occluder: dict[str, tf.Tensor], px: tf.Tensor, py: tf.Tensor) -> tf.Tensor:
    """[B, N] signed distance in pixels from points [B, N] to each image's occluder."""
    radius = occluder["radius"][:, None]
    round_shapes = _distance_to_skeleton(occluder, px, py) - radius
    lx, ly = _die_frame(occluder, px, py)
    corner = 0.25 * radius
    qx, qy = tf.abs(lx) - (0.75 * radius - corner), tf.abs(ly) - (0.75 * radius - corner)
    box = tf.sqrt(tf.maximum(qx, 0.0) ** 2 + tf.maximum(qy, 0.0) ** 2) + tf.minimum(tf.maximum(qx, qy), 0.0) - corner
    return tf.where((occluder["kind"] == 1)[:, None], box, round_shapes)


def sample_occluders(seed: tf.Tensor, corners: tf.Tensor, size: int, config: SceneConfig) -> dict[str, tf.Tensor]:
    """Places at most one occluder per image next to one corner of the labelled card.

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
    target = tf.gather(corners, which, batch_dims=1)                                    # [B, 2]
    centre_of_card = tf.reduce_mean(corners, axis=1)
    edges = tf.norm(corners - tf.roll(corners, -1, axis=1), axis=-1)                     # [B, 4]
    short_side = tf.reduce_min(edges, axis=-1)
    radius = 0.5 * short_side * seeds.uniform(seed, "size", b, config.occluder.low, config.occluder.high)
    inward = seeds.uniform(seed, "inward", b, -0.1, 0.25)[:, None]
    centre = target + inward * (centre_of_card - target) + seeds.normal(seed, "jitter", [batch_size, 2]) * 0.3 * radius[:, None]
    outward = centre - centre_of_card
    angle = seeds.uniform(seed, "angle", b, 0.0, math.pi / 2)                           # a die's turn
    heading = tf.atan2(outward[:, 1], outward[:, 0]) + seeds.uniform(seed, "heading", b, -0.6, 0.6)
    occluder = {
        "present": seeds.bernoulli(seed, "present", b, config.occluder.p),
        "kind": seeds.integers(seed, "kind", b, 0, len(KINDS)),
        "centre": centre, "direction": tf.stack([tf.cos(heading), tf.sin(heading)], -1),
        "length": tf.fill(b, 3.0 * size), "turn": tf.stack([tf.cos(angle), tf.sin(angle)], -1),
        "radius": radius, "pips": seeds.integers(seed, "pips", b, 1, 7),
        "colour": _colours(seed, batch_size),
    }
    # Keep the three other corners clear: shrink the radius below their distance to the skeleton.
    others = tf.not_equal(tf.range(4)[None], which[:, None])                             # [B, 4]
    clearance = _distance_to_skeleton(occluder, corners[..., 0], corners[..., 1])         # [B, 4]
    nearest = tf.reduce_min(tf.where(others, clearance, 1e9), axis=-1)
    occluder["radius"] = tf.minimum(radius, 0.7 * nearest)                                # box reach is 0.75 * sqrt(2) < 1.07
    return occluder


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
    # Which of the 9 cells a face of 1..6 pips uses (row-major, centre = 4).
    faces = tf.constant([[0, 0, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1],
                         [1, 0, 1, 0, 0, 0, 1, 0, 1], [1, 0, 1, 0, 1, 0, 1, 0, 1], [1, 0, 1, 1, 0, 1, 1, 0, 1]],
                        tf.float32)
    cell = tf.cast(tf.clip_by_value(cell_y + 1, 0, 2) * 3 + tf.clip_by_value(cell_x + 1, 0, 2), tf.int32)
    used = tf.gather(tf.gather(faces, occluder["pips"] - 1), cell, batch_dims=1)       # [B, P]
    return tf.cast(near & in_grid, tf.float32) * used


def render_occluders(occluder: dict[str, tf.Tensor], x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Draws each image's occluder and its shadow.

    Args:
      occluder: from `sample_occluders`.
      x: [1, P] output pixel centres x.
      y: [1, P] output pixel centres y.

    Returns:
      (layer [B, P, 4] premultiplied RGBA, shadow [B, P] darkening in 0..1).
    """
    present = tf.cast(occluder["present"], tf.float32)[:, None]
    radius = occluder["radius"][:, None]
    distance = signed_distance(occluder, x, y)
    alpha = tf.clip_by_value(0.5 - distance, 0.0, 1.0) * present                        # [B, P]
    # The shadow is the round outline (cheaper than the die's box, and soft anyway).
    shadow_distance = _distance_to_skeleton(occluder, x - _SHADOW[0] * radius, y - _SHADOW[1] * radius) - radius
    shadow = tf.clip_by_value(0.5 - shadow_distance / (0.35 * radius), 0.0, 1.0) * 0.45 * present
    depth = tf.sqrt(tf.clip_by_value(-distance / radius, 0.0, 1.0))                    # rounded, lit from above
    is_finger = (occluder["kind"] == 2)[:, None, None]
    colour = tf.where(is_finger, occluder["colour"][:, 0][:, None], occluder["colour"][:, 1][:, None])  # [B, 1, 3]
    shade = (0.55 + 0.45 * depth)[..., None]
    pips = tf.where((occluder["kind"] == 1)[:, None], _pip_mask(occluder, x, y), 0.0)[..., None]
    pip_colour = tf.where(tf.reduce_mean(colour, -1, keepdims=True) > 0.5, 0.05, 0.95)
    rgb = (colour * shade) * (1.0 - pips) + pip_colour * pips
    return tf.concat([rgb * alpha[..., None], alpha[..., None]], -1), shadow


def occluded_corners(occluder: dict[str, tf.Tensor], corners: tf.Tensor) -> tf.Tensor:
    """[B, 4] bool: the occluder covers the corner (its centre is more than half covered)."""
    distance = signed_distance(occluder, corners[..., 0], corners[..., 1])
    return occluder["present"][:, None] & (distance < 0.0)
