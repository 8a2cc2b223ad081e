"""Occluder shapes: dice show their pips, fingertips widen towards the hand and carry a nail."""

import numpy as np
import pytest
import tensorflow as tf

from augment_tf import occluders

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
