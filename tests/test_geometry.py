"""The random geometry sampler: framing, size, rotation, tilt, shear, visibility, XLA."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import geometry
from augment_tf.config import GeometryConfig

SIZE, TEXTURE = 256, (368, 512)


def _sample(config=GeometryConfig(), batch=512, seed=(1, 2)):
    return {k: v.numpy() for k, v in geometry.sample_card_geometry(
        tf.constant(seed), batch, SIZE, TEXTURE, config).items()}


def test_all_corners_inside_the_frame_by_default():
    corners = _sample()["corners"]
    assert (corners >= 0).all() and (corners <= SIZE).all()


def test_card_extent_follows_the_scale_range():
    corners = _sample()["corners"]
    extent = (corners.max(axis=1) - corners.min(axis=1)).max(axis=-1) / SIZE
    assert extent.min() >= 0.15 - 1e-3 and extent.max() <= 0.85 + 1e-3
    assert extent.min() < 0.2 and extent.max() > 0.8          # the range is covered, not just respected


def test_rotation_covers_the_full_circle():
    corners = _sample()["corners"]
    top_edge = corners[:, 1] - corners[:, 0]
    angles = np.degrees(np.arctan2(top_edge[:, 1], top_edge[:, 0]))
    counts, _ = np.histogram(angles, bins=8, range=(-180, 180))
    assert (counts > 20).all()


def test_tilt_makes_perspective_and_no_tilt_keeps_parallel_edges():
    def parallelism(corners):
        top, bottom = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 3]
        cos = (top * bottom).sum(-1) / np.linalg.norm(top, axis=-1) / np.linalg.norm(bottom, axis=-1)
        return np.degrees(np.arccos(np.clip(cos, -1, 1)))
    flat = dataclasses.replace(GeometryConfig(), max_tilt_deg=0.0, max_shear=0.0)
    assert parallelism(_sample(flat)["corners"]).max() < 0.05
    assert np.percentile(parallelism(_sample()["corners"]), 90) > 5.0


def test_allow_outside_flags_corners_that_leave_the_frame():
    geo = _sample(dataclasses.replace(GeometryConfig(), allow_outside=True))
    outside = (geo["corners"] < 0) | (geo["corners"] > SIZE)
    np.testing.assert_array_equal(geo["visible"], ~outside.any(-1))
    assert (~geo["visible"]).any()


def test_labels_are_the_homography_applied_to_the_texture_corners():
    geo = _sample(batch=8)
    width, height = TEXTURE
    src = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], np.float64)
    for h, corners in zip(geo["homography"], geo["corners"]):
        mapped = src @ h.T.astype(np.float64)
        np.testing.assert_allclose(mapped[:, :2] / mapped[:, 2:], corners, atol=1e-2)


def test_same_seed_same_geometry_and_xla_agrees():
    eager = _sample(batch=16, seed=(5, 6))
    np.testing.assert_array_equal(eager["corners"], _sample(batch=16, seed=(5, 6))["corners"])
    assert not np.allclose(eager["corners"], _sample(batch=16, seed=(5, 7))["corners"])
    compiled = tf.function(lambda s: geometry.sample_card_geometry(s, 16, SIZE, TEXTURE, GeometryConfig()),
                           jit_compile=True)(tf.constant([5, 6]))
    np.testing.assert_allclose(compiled["corners"].numpy(), eager["corners"], atol=1e-2)


def test_image_order_is_clockwise_from_the_top_left_most():
    corners = tf.constant(_sample(batch=64)["corners"])
    ordered = geometry.image_order(corners).numpy()
    assert (np.argmin(ordered.sum(-1), axis=-1) == 0).all()
    edges_a, edges_b = ordered[:, 1] - ordered[:, 0], ordered[:, 2] - ordered[:, 1]
    assert (edges_a[:, 0] * edges_b[:, 1] - edges_a[:, 1] * edges_b[:, 0] > 0).all()   # clockwise with y down
    np.testing.assert_allclose(np.sort(ordered.reshape(64, -1), -1), np.sort(corners.numpy().reshape(64, -1), -1))


def test_image_order_of_an_upright_card_is_the_printed_order():
    upright = tf.constant([[[10.0, 10.0], [60.0, 12.0], [58.0, 90.0], [8.0, 88.0]]])
    np.testing.assert_array_equal(geometry.image_order(upright).numpy(), upright.numpy())
    turned = tf.roll(upright, 2, axis=1)                                         # the card upside down
    np.testing.assert_array_equal(geometry.image_order(turned).numpy(), upright.numpy())
