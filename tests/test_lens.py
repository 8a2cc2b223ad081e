"""Barrel distortion: labels follow the pixels, and corners move towards the centre."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import lens, synthesize
from augment_tf.config import Effect, GeometryConfig

from synthesis_helpers import MARKS, PHOTOMETRIC_OFF, SCENE_OFF, marked_card, small_config, textures


def test_image_points_invert_scene_points():
    k = tf.constant([0.0, 0.03, 0.05])
    pixels = tf.constant(np.random.default_rng(0).uniform(0, 128, (3, 50, 2)), tf.float32)
    sx, sy = lens.scene_points(k, pixels[..., 0], pixels[..., 1], 128)
    back = lens.image_points(k, tf.stack([sx, sy], -1), 128)
    np.testing.assert_allclose(back.numpy(), pixels.numpy(), atol=1e-3)
    moved_out = np.linalg.norm(np.stack([sx, sy], -1) - 64, axis=-1) >= np.linalg.norm(pixels.numpy() - 64, axis=-1)
    assert moved_out.all()                        # pixels show scene points from further out


def test_corner_marks_stay_under_the_labels_through_a_strong_lens():
    geometry = GeometryConfig(scale=(0.7, 0.85), barrel=Effect(1.0, 0.12, 0.12))   # twice the default top
    config = small_config(size=128, scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF, geometry=geometry)
    cards, backgrounds = textures(config, [marked_card()] * 8)
    out = synthesize.synthesize(cards, backgrounds, tf.constant([5, 6]), config)
    plain = synthesize.synthesize(cards, backgrounds, tf.constant([5, 6]),
                                  dataclasses.replace(config, geometry=dataclasses.replace(geometry, barrel=Effect(0.0, 0.0, 0.0))))
    shift = np.linalg.norm(out["corners"].numpy() - plain["corners"].numpy(), axis=-1)
    assert np.median(shift) > 2.5                 # the lens moved the labels by several pixels...
    for image, quad in zip(out["image"].numpy(), out["corners"].numpy()):
        centre = quad.mean(axis=0)
        for mark, corner in zip(MARKS, quad):
            towards_centre = (centre - corner) / np.linalg.norm(centre - corner)
            x, y = (corner + 2.0 * towards_centre).astype(int)
            assert np.abs(image[y, x] * 255 - mark).max() < 80, (corner, image[y, x], mark)   # ...the pixels too:
            x, y = (corner - 2.0 * towards_centre).astype(int)                              # card 2 px inside,
            if 0 <= x < 128 and 0 <= y < 128:
                assert np.abs(image[y, x] * 255 - 20).max() < 80, (corner, image[y, x])     # background 2 px out
