"""Corner math against OpenCV, the test-only oracle."""

import doctest

import cv2
import numpy as np
import tensorflow as tf

from augment_tf import homography


def _random_quads(rng, count):
    """Convex-ish quads around a square, as projected cards look."""
    square = np.array([[100, 100], [400, 100], [400, 400], [100, 400]], np.float32)
    return (square + rng.normal(0, 40, (count, 4, 2))).astype(np.float32)


def test_homography_from_points_matches_opencv():
    rng = np.random.default_rng(0)
    src = np.tile(np.array([[0, 0], [368, 0], [368, 512], [0, 512]], np.float32), (32, 1, 1))
    dst = _random_quads(rng, 32)
    ours = homography.homography_from_points(tf.constant(src), tf.constant(dst)).numpy()
    for mine, s, d in zip(ours, src, dst):
        theirs = cv2.getPerspectiveTransform(s, d)
        np.testing.assert_allclose(mine / mine[2, 2], theirs / theirs[2, 2], rtol=1e-4, atol=1e-6)


def test_strong_perspective_far_from_the_origin_matches_opencv():
    """Trapezoids as a 60-degree tilt makes them, placed where 1024-px frames put them."""
    src = np.tile(np.array([[0, 0], [745, 0], [745, 1040], [0, 1040]], np.float32), (3, 1, 1))
    dst = np.array([[[900, 100], [960, 100], [1020, 400], [840, 400]],      # far edge 1/3 of the near one
                    [[10, 10], [1010, 30], [600, 80], [400, 70]],           # a thin sliver
                    [[500, 500], [520, 480], [700, 900], [480, 1000]]], np.float32)
    ours = homography.homography_from_points(tf.constant(src), tf.constant(dst))
    for mine, s, d in zip(ours.numpy(), src, dst):
        theirs = cv2.getPerspectiveTransform(s, d)
        np.testing.assert_allclose(mine / mine[2, 2], theirs / theirs[2, 2], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(homography.apply_homography(ours, tf.constant(src)).numpy(), dst, atol=2e-3)


def test_apply_homography_matches_opencv():
    rng = np.random.default_rng(1)
    h = homography.homography_from_points(tf.constant(_random_quads(rng, 8)), tf.constant(_random_quads(rng, 8)))
    points = rng.uniform(0, 500, (8, 20, 2)).astype(np.float32)
    ours = homography.apply_homography(h, tf.constant(points)).numpy()
    for mine, matrix, p in zip(ours, h.numpy(), points):
        theirs = cv2.perspectiveTransform(p[None].astype(np.float64), matrix.astype(np.float64))[0]
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=2e-3)


def test_source_corners_land_exactly_on_targets():
    rng = np.random.default_rng(2)
    src, dst = _random_quads(rng, 16), _random_quads(rng, 16)
    h = homography.homography_from_points(tf.constant(src), tf.constant(dst))
    np.testing.assert_allclose(homography.apply_homography(h, tf.constant(src)).numpy(), dst, atol=2e-3)


def test_invert_and_compose_round_trip():
    rng = np.random.default_rng(3)
    h = homography.homography_from_points(tf.constant(_random_quads(rng, 8)), tf.constant(_random_quads(rng, 8)))
    points = tf.constant(rng.uniform(0, 500, (8, 10, 2)).astype(np.float32))
    there = homography.apply_homography(h, points)
    back = homography.apply_homography(homography.invert(h), there)
    np.testing.assert_allclose(back.numpy(), points.numpy(), atol=5e-3)
    both = homography.compose(homography.invert(h), h)
    np.testing.assert_allclose(homography.normalize(both).numpy(), np.tile(np.eye(3), (8, 1, 1)), atol=1e-4)


def test_translation_and_rotation_helpers():
    offset = tf.constant([[3.0, -2.0]])
    moved = homography.apply_homography(homography.translation(offset), tf.constant([[[1.0, 1.0]]]))
    np.testing.assert_allclose(moved.numpy(), [[[4.0, -1.0]]])
    turned = homography.apply_homography(homography.rotation(tf.constant([np.pi / 2])), tf.constant([[[1.0, 0.0]]]))
    np.testing.assert_allclose(turned.numpy(), [[[0.0, 1.0]]], atol=1e-6)


def test_solve_compiles_with_xla():
    rng = np.random.default_rng(4)
    src, dst = tf.constant(_random_quads(rng, 4)), tf.constant(_random_quads(rng, 4))
    compiled = tf.function(homography.homography_from_points, jit_compile=True)(src, dst)
    np.testing.assert_allclose(compiled.numpy(), homography.homography_from_points(src, dst).numpy(), rtol=1e-3, atol=1e-5)


def test_docstring_examples_run():
    failures, tried = doctest.testmod(homography, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0
