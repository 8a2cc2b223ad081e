"""Other cards in the frame: binder and table neighbours of the labelled card.

Neighbours lie in the labelled card's plane, so they share its perspective: each
is an in-plane move (rotation + translation, in texels) of the labelled card.
They lie under it and may touch or overlap it slightly. The labelled card is
the answer to "the whole card nearest the frame's centre", so a neighbour may
be whole (all 4 corners in the content box, as drawn) only where its centre is
farther from the frame's centre than the labelled card's by `WHOLE_MARGIN` of
the side, and only in frames where the labelled card is drawn and whole
(`presence`); otherwise it is partly hidden (out of frame, behind the camera, or
under the drawn labelled card) and no larger than the labelled card. In a grid,
slot k lies in direction k mod 8, so a binder page fills up around the card.
All slots are drawn in one texture pass: each pixel reads the first slot that
covers it, so a slot costs per-pixel coordinate math, not a texture read.
"""

import dataclasses
import math

import tensorflow as tf

from augment_tf import fusion, homography, lens, seeds, texture
from augment_tf.composite import PlaneCoords
from augment_tf.config import SceneConfig
from augment_tf.geometry import inside_box, quad_area, texture_corners

# Binder/table grid directions: right, left, below, above, then the diagonals.
_DIRECTIONS = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]]
WHOLE_MARGIN = 0.02   # a whole neighbour's centre is at least this frame side farther from the centre


@dataclasses.dataclass(frozen=True)
class Neighbors:
    """K neighbour slots of a batch.

    Attributes:
      to_neighbor: [K, B, 3, 3] affine maps from labelled-card texels to each neighbour's texels.
      present: [K, B] bool.
      card: [K, B] int32 index of the card texture each neighbour shows.
    """
    to_neighbor: tf.Tensor
    present: tf.Tensor
    card: tf.Tensor


def _placement(seed: tf.Tensor, slot: int, batch_size, width: int, height: int, config: SceneConfig) -> tf.Tensor:
    """Returns [B, 3, 3] maps from slot `slot`'s neighbour texels to the labelled card's texels."""
    b = [batch_size]
    direction = tf.constant(_DIRECTIONS[slot % len(_DIRECTIONS)], tf.float32)     # [2]: each slot its own spot
    gap = seeds.uniform(seed, "gap", b, config.neighbor.low, config.neighbor.high) * width
    grid = direction * tf.stack([width + gap, height + gap], -1) + seeds.normal(seed, "jitter", [batch_size, 2]) * 0.015 * width
    grid_angle = seeds.normal(seed, "grid_angle", b) * math.radians(2.0)
    loose = seeds.bernoulli(seed, "loose", b, config.loose_neighbor_p)
    radius = seeds.uniform(seed, "radius", b, 0.75, 1.3) * height
    bearing = seeds.uniform(seed, "bearing", b, 0.0, 2 * math.pi)
    loose_offset = tf.stack([radius * tf.cos(bearing), radius * tf.sin(bearing)], -1)
    offset = tf.where(loose[:, None], loose_offset, grid)
    angle = tf.where(loose, seeds.uniform(seed, "loose_angle", b, -math.pi, math.pi), grid_angle)
    centre = tf.tile(tf.constant([[width / 2, height / 2]], tf.float32), [batch_size, 1])
    return homography.compose(homography.translation(centre + offset), homography.rotation(angle),
                              homography.translation(-centre))


def _as_drawn(card_to_image: tf.Tensor, geo: dict[str, tf.Tensor], width: int, height: int,
              size: int) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Where a card's texture corners and centre are drawn (through the lens).

    Returns:
      (points [B, 5, 2]: TL, TR, BR, BL, centre in output pixels; in_front [B]
      bool, all in front of the camera; scene corners [B, 4, 2], before the lens).
    """
    batch_size = tf.shape(card_to_image)[0]
    corners = texture_corners(width, height, batch_size)
    points = tf.concat([corners, tf.tile([[[width / 2, height / 2]]], [batch_size, 1, 1])], 1)   # [B, 5, 2]
    projected = tf.linalg.matmul(tf.concat([points, tf.ones_like(points[..., :1])], -1), card_to_image,
                                 transpose_b=True)                                            # [B, 5, 3]
    in_front = tf.reduce_all(projected[..., 2] > 0, axis=-1)
    scene = projected[..., :2] / tf.where(projected[..., 2:] > 0, projected[..., 2:], 1.0)
    return lens.image_points(geo["barrel"], scene, size), in_front, scene[:, :4]


def _distance_from_centre(point: tf.Tensor, size: int) -> tf.Tensor:
    """[B] distance of [B, 2] points from the frame's centre, in pixels."""
    return tf.norm(point - size / 2.0, axis=-1)


def _allowed(geo: dict[str, tf.Tensor], to_target: tf.Tensor, width: int, height: int, size: int) -> tf.Tensor:
    """[B] bool: the neighbour may be drawn.

    Either it is partly hidden (out of the content box or behind the camera as
    drawn, or under the drawn labelled card) and not larger than the labelled
    card, or it is whole, the labelled card is drawn and whole, and the
    neighbour's centre is farther from the frame's centre by `WHOLE_MARGIN`.
    """
    card_to_image, box, drawn = geo["homography"], geo["content_box"], geo["drawn"]
    points, in_front, scene = _as_drawn(homography.compose(card_to_image, to_target), geo, width, height, size)
    target, _, target_scene = _as_drawn(card_to_image, geo, width, height, size)
    whole = in_front & tf.reduce_all(inside_box(points[:, :4], box), axis=-1)
    on_target = homography.apply_homography(to_target, texture_corners(width, height, tf.shape(to_target)[0]))
    under_target = drawn & tf.reduce_any(tf.reduce_all((on_target >= 0) & (on_target <= [width, height]), -1), -1)
    larger = in_front & (quad_area(scene) > quad_area(target_scene))
    target_whole = drawn & tf.reduce_all(inside_box(target[:, :4], box), axis=-1)
    farther = (_distance_from_centre(points[:, 4], size)
               >= _distance_from_centre(target[:, 4], size) + WHOLE_MARGIN * size)
    return ((~whole | under_target) & ~larger) | (whole & ~under_target & target_whole & farther)


def sample_neighbors(seed: tf.Tensor, geo: dict[str, tf.Tensor], texture_size: tuple[int, int], size: int,
                     config: SceneConfig) -> Neighbors:
    """Samples `config.neighbor_slots` neighbour slots per image.

    Args:
      seed: [2] int seed.
      geo: the labelled card's `homography` [B, 3, 3] (texels to scene pixels),
        `content_box` [B, 4], `barrel` [B] and `drawn` [B] bool
        (`geometry.sample_card_geometry`, `lens`, `presence`).
      texture_size: (width, height) of card textures.
      size: output side in pixels.
      config: scene settings.

    Returns:
      `Neighbors`; slot k of image b shows card (b + k + 1) mod B.
    """
    width, height = texture_size
    batch_size = tf.shape(geo["homography"])[0]
    maps, present, cards = [], [], []
    for slot in range(config.neighbor_slots):
        slot_seed = seeds.child(seed, f"slot{slot}")
        to_target = _placement(slot_seed, slot, batch_size, width, height, config)
        wanted = seeds.bernoulli(slot_seed, "present", [batch_size], config.neighbor.p)
        maps.append(homography.invert(to_target))
        present.append(wanted & _allowed(geo, to_target, width, height, size))
        cards.append((tf.range(batch_size) + slot + 1) % batch_size)
    if not maps:
        return Neighbors(tf.zeros([0, batch_size, 3, 3]), tf.zeros([0, batch_size], tf.bool),
                         tf.zeros([0, batch_size], tf.int32))
    stored = fusion.materialize_all({"maps": tf.stack(maps), "present": tf.stack(present), "cards": tf.stack(cards)})
    return Neighbors(stored["maps"], stored["present"], stored["cards"])


def render_neighbors(atlases: tf.Tensor, layout: texture.AtlasLayout, neighbors: Neighbors,
                     plane: PlaneCoords) -> tf.Tensor:
    """Draws all neighbour slots in one texture pass.

    Args:
      atlases: [B, N] int32 card pyramids.
      layout: their layout.
      neighbors: from `sample_neighbors`.
      plane: the labelled card's plane coordinates of every output pixel.

    Returns:
      [B, P, 4] premultiplied RGBA.
    """
    margin = plane.texels_per_pixel                          # the anti-aliased ring around each card
    u = tf.fill(tf.shape(plane.u), -1e4)                     # far outside any card: reads transparent
    v, card = u, tf.zeros(tf.shape(plane.u), tf.int32)
    for slot in reversed(range(neighbors.present.shape[0])):
        m = neighbors.to_neighbor[slot]
        us = m[:, 0, 0:1] * plane.u + m[:, 0, 1:2] * plane.v + m[:, 0, 2:3]
        vs = m[:, 1, 0:1] * plane.u + m[:, 1, 1:2] * plane.v + m[:, 1, 2:3]
        covers = (neighbors.present[slot][:, None] & plane.in_front
                  & (us > -margin) & (us < layout.width + margin) & (vs > -margin) & (vs < layout.height + margin))
        u, v = tf.where(covers, us, u), tf.where(covers, vs, v)
        card = tf.where(covers, neighbors.card[slot][:, None], card)
    return texture.sample_atlas(atlases, layout, card, u, v, plane.lod)
