"""The four-way rotation ensemble: its geometry, its median, and the Predictor that runs it."""

import types

import numpy as np
import pytest
import tensorflow as tf

from model.inference import rotations
from model.inference.predictor import Predictor

SIZE = 32
# Face corners TL, TR, BR, BL marked by coloured 2x2 dots: red, green, blue, white.
_COLOURS = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]], np.float32)


@pytest.mark.parametrize("turns", rotations.TURNS)
def test_points_follow_the_pixels_they_mark(turns):
    image = np.zeros([1, SIZE, SIZE, 1], np.float32)
    image[0, 5, 27] = 1.0                                      # the pixel at x = 27, y = 5
    turned = rotations.turn_images(image, turns)
    y, x = np.argwhere(turned[0, ..., 0] == 1.0)[0]
    centre = np.array([[27.5, 5.5]])
    np.testing.assert_allclose(rotations.turn_points(centre, turns, SIZE), [[x + 0.5, y + 0.5]])
    np.testing.assert_allclose(rotations.unturn_points(rotations.turn_points(centre, turns, SIZE), turns, SIZE),
                               centre)


def test_one_wrong_view_is_outvoted():
    right = np.array([[10, 10], [50, 12], [48, 80], [9, 78]], np.float32)
    neighbour = right.copy()
    neighbour[2] = [90, 85]                                    # one channel on a neighbouring card's corner
    turned = np.roll(right, 1, axis=0)                         # the face read a quarter turn off
    for wrong in (neighbour, turned):
        corners, presence = rotations.combine(np.stack([right, wrong, right, right])[None],
                                              np.array([[0.9, 0.2, 0.8, 0.9]]))
        np.testing.assert_allclose(corners[0], right)
        assert presence[0] == pytest.approx(0.85)


class _DotReader:
    """A stand-in network that reads the face corners off coloured dots, and slips on one pose.

    Like the real model it answers in face order whatever the frame's turn; unlike
    it, it is exact, except that it puts TL 10 px off whenever the red dot lies
    in the frame's bottom-right quadrant.
    """

    input = types.SimpleNamespace(shape=(None, SIZE, SIZE, 3))

    def __call__(self, images, training=False):
        match = tf.reduce_all(tf.abs(images[:, :, :, None, :] - _COLOURS) < 1, axis=-1)    # [B, S, S, 4]
        weight = tf.cast(match, tf.float32)
        cells = (tf.range(SIZE, dtype=tf.float32) + 0.5) / SIZE
        total = tf.reduce_sum(weight, axis=[1, 2])                                       # [B, 4]
        x = tf.einsum("bhwc,w->bc", weight, cells) / total
        y = tf.einsum("bhwc,h->bc", weight, cells) / total
        coords = tf.stack([x, y], axis=-1)                                               # [B, 4, 2]
        slips = tf.logical_and(coords[:, 0, 0] > 0.5, coords[:, 0, 1] > 0.5)             # [B]
        slip = tf.where(slips[:, None, None], tf.constant([[[10.0 / SIZE, 0.0]] + [[0.0, 0.0]] * 3]), 0.0)
        return {"coords": coords + slip, "presence": tf.ones(tf.shape(images)[:1])}


def test_predictor_maps_every_view_back_and_outvotes_the_slip():
    # A card upside down: its TL (red) at the bottom right, so the unturned view slips.
    image = np.zeros([1, SIZE, SIZE, 3], np.float32)
    truth = np.array([[25, 25], [9, 25], [9, 9], [25, 9]], np.float32)
    for colour, (x, y) in zip(_COLOURS, truth.astype(int)):
        image[0, y - 1:y + 1, x - 1:x + 1] = colour
    single, _ = Predictor(_DotReader(), refine=False, rotate=False).predict_inputs(image)
    ensemble, presence = Predictor(_DotReader(), refine=False, rotate=True).predict_inputs(image)
    assert np.abs(single[0] - truth).max() == pytest.approx(10, abs=1e-4)
    np.testing.assert_allclose(ensemble[0], truth, atol=1e-4)
    assert presence[0] == pytest.approx(1.0)


def test_a_tied_face_order_follows_the_unturned_view():
    quad = np.array([[10, 10], [50, 12], [48, 80], [9, 78]], np.float32)
    turned = np.roll(quad, 1, axis=0)
    for first in (quad, turned):
        second = turned if first is quad else quad
        corners, _ = rotations.combine(np.stack([first, second, second, first])[None], np.ones([1, 4]))
        np.testing.assert_allclose(corners[0], first)
