"""Occluder shapes: dice show their pips, fingertips carry a nail and widen into a hand, and
every occluder shrinks to keep all corners but one clear."""

import numpy as np
import pytest
import tensorflow as tf

from augment_tf.scene import occluders

RADIUS = 12.0


def _occluder(kind: int, colour, face: int = 1) -> dict[str, tf.Tensor]:
    """One occluder at (64, 64), unturned, a finger pointing its hand along +x."""
    return {"present": tf.constant([True]), "kind": tf.constant([kind]),
            "centre": tf.constant([[64.0, 64.0]]), "direction": tf.constant([[1.0, 0.0]]),
            "length": tf.constant([400.0]), "turn": tf.constant([[1.0, 0.0]]),
            "radius": tf.constant([RADIUS]), "pip_cells": tf.constant([occluders._FACES[face - 1]]),
            "colour": tf.constant([[colour, colour]], tf.float32)}


def _rgb_at(occluder, points):
    """Rendered premultiplied RGB and alpha of the occluder at [N, 2] points."""
    x, y = tf.constant(points, tf.float32)[None, :, 0], tf.constant(points, tf.float32)[None, :, 1]
    layer, _ = occluders.render_occluders(occluder, x, y)
    return layer.numpy()[0, :, :3], layer.numpy()[0, :, 3]


@pytest.mark.parametrize("face", range(1, 7))
def test_a_die_shows_as_many_pips_as_its_face(face):
    cells = [(64 + 0.4 * RADIUS * i, 64 + 0.4 * RADIUS * j) for j in (-1, 0, 1) for i in (-1, 0, 1)]
    rgb, alpha = _rgb_at(_occluder(1, [0.9, 0.9, 0.9], face), cells)
    assert (alpha == 1).all()
    assert (rgb.mean(-1) < 0.2).sum() == face               # dark pips on a light die


def test_a_fingertip_widens_towards_the_hand_and_has_a_lighter_nail():
    finger = _occluder(2, [0.4, 0.25, 0.15])
    near_tip = [[64 + 0.5 * RADIUS, 64 + 1.2 * RADIUS]]
    further_back = [[64 + 5 * RADIUS, 64 + 1.2 * RADIUS]]
    assert occluders.signed_distance(finger, *np.array(near_tip, np.float32).T[:, None]).numpy()[0, 0] > 0
    assert occluders.signed_distance(finger, *np.array(further_back, np.float32).T[:, None]).numpy()[0, 0] < 0
    rgb, _ = _rgb_at(finger, [[64 + 0.1 * RADIUS, 64.0], [64 + 1.4 * RADIUS, 64.0]])  # on the nail, behind it
    assert rgb[0].mean() > rgb[1].mean() + 0.1


def test_a_finger_widens_into_a_hand_far_behind_its_tip():
    finger = _occluder(2, [0.8, 0.6, 0.5])
    beside = lambda back: occluders.signed_distance(finger, tf.constant([[64 + back * RADIUS]]),  # noqa: E731
                                                    tf.constant([[64 + 2.5 * RADIUS]])).numpy()[0, 0]
    assert beside(3.0) > 0 > beside(12.0)     # 2.5 radii off the axis: beside the thumb, inside the hand


def test_occluders_shrink_until_the_other_corners_are_clear():
    corners = tf.constant([[[40.0, 40.0], [90.0, 40.0], [90.0, 110.0], [40.0, 110.0]]])
    big_die = {**_occluder(1, [0.9, 0.9, 0.9]), "centre": tf.constant([[45.0, 45.0]]),
               "radius": tf.constant([60.0])}
    fitted = occluders._clear_other_corners(big_die, corners, tf.constant([0]))
    distance = occluders.signed_distance(fitted, corners[..., 0], corners[..., 1]).numpy()[0]
    assert fitted["present"].numpy()[0] and fitted["radius"].numpy()[0] < 60
    assert (distance[1:] > 0.5 * fitted["radius"].numpy()[0]).all()
    on_another = {**big_die, "centre": tf.constant([[88.0, 42.0]])}       # no size clears the top-right corner
    assert not occluders._clear_other_corners(on_another, corners, tf.constant([0]))["present"].numpy()[0]
