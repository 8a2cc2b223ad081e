"""Cards in several planes: a loose or table neighbour tilted against the labelled card's plane.

Real photos of several cards are not all flat on one table: a card leans on a
deck box or lies across another, so its outline is foreshortened and
keystoned against its neighbours'. Each such neighbour is turned by an angle
about an axis in its own plane through its centre (`geometry.tilt_matrix`,
as the labelled card tilts against the camera), lifted until no part of it
dips under the table, and projected onto the table's plane from a camera
straight above it. In the neighbour's texels that is a homography
(`tilt_map`); the neighbour slot's map from its texels to the labelled card's
becomes projective, and every slot is drawn and labelled through it
(`neighbors.draw_neighbors`, `whole_cards`).

Only loose and table-grid neighbours tilt: the cards of a binder page, a fan,
a stack or a spread lie flat on one another or on the table. And only the
first `TILTED_SLOTS` slots may: the division costs every pixel of a slot that
may tilt (on all 8 slots, 20% more synthesis time at 256 px on one core), and
one or two tilted cards make a frame of several planes.

    map = tilt_map(seed, batch_size, width, height, config.tilt, free)    # [B, 3, 3]
"""

import math

import tensorflow as tf

from augment_tf import geometry, homography, seeds
from augment_tf.config import Effect

TILTED_SLOTS = 2     # the first slots, those that may tilt
# The camera's height above the table, in card heights, for the foreshortening of a tilted card.
CAMERA_HEIGHT = (2.5, 5.0)


def tilt_map(seed: tf.Tensor, batch_size, width: int, height: int, tilt: Effect, free: tf.Tensor) -> tf.Tensor:
    """[B, 3, 3] maps from a neighbour's flat texels to where its tilted card lies, seen on the table, in its texels.

    Args:
      seed: [2] int seed (the slot's).
      batch_size: B.
      width, height: the card's texels.
      tilt: `SceneConfig.tilt`: the share of free neighbours that tilt, and the angle in degrees.
      free: [B] bool, the slot is a loose or table-grid neighbour (no page, pile or spread places it).

    Returns:
      The identity where the neighbour lies flat.
    """
    b = [batch_size]
    tilted = seeds.bernoulli(seed, "tilted", b, tilt.p) & free
    angle = seeds.uniform(seed, "tilt", b, tilt.low, tilt.high) * (math.pi / 180.0)
    axis = seeds.uniform(seed, "tilt_axis", b, 0.0, 2 * math.pi)
    camera = seeds.uniform(seed, "camera_height", b, *CAMERA_HEIGHT) * height                    # [B] texels
    rotation = geometry.tilt_matrix(axis, tf.where(tilted, angle, 0.0))                        # [B, 3, 3]
    corners = geometry.texture_corners(width, height, batch_size) - [width / 2, height / 2]     # [B, 4, 2]
    rise = tf.linalg.matvec(corners, rotation[:, 2, :2])                                       # [B, 4] heights
    lift = tf.maximum(-tf.reduce_min(rise, axis=-1), 0.0)                                      # [B]
    zero = tf.zeros(b)
    projection = tf.stack([
        tf.stack([rotation[:, 0, 0], rotation[:, 0, 1], zero], -1),
        tf.stack([rotation[:, 1, 0], rotation[:, 1, 1], zero], -1),
        tf.stack([-rotation[:, 2, 0] / camera, -rotation[:, 2, 1] / camera, 1.0 - lift / camera], -1)], 1)
    centre = tf.tile([[width / 2, height / 2]], [batch_size, 1])
    return homography.compose(homography.translation(centre), projection, homography.translation(-centre))
