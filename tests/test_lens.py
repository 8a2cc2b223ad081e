"""Barrel distortion and a binder page's curve: labels follow the pixels, and corners move towards the centre."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import lens, synthesize
from augment_tf.config import Effect, GeometryConfig
from augment_tf.scene import binder

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
    pinhole = dataclasses.replace(geometry, barrel=Effect(0.0, 0.0, 0.0))
    plain = synthesize.synthesize(cards, backgrounds, tf.constant([5, 6]), dataclasses.replace(config, geometry=pinhole))
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


def _curves(bends) -> tf.Tensor:
    """[B, 4] page curves (bend, d_x, d_y, crest) across random directions."""
    rng = np.random.default_rng(1)
    angles = rng.uniform(0, 2 * np.pi, len(bends))
    return tf.constant(np.stack([bends, np.cos(angles), np.sin(angles), rng.uniform(-0.5, 0.5, len(bends))], -1),
                       tf.float32)


def test_image_points_invert_scene_points_through_a_page_curve():
    k, curve = tf.constant([0.0, 0.05, 0.03, 0.0]), _curves([0.02, -0.02, 0.05, 0.0])
    pixels = tf.constant(np.random.default_rng(0).uniform(0, 128, (4, 50, 2)), tf.float32)
    sx, sy = lens.scene_points(k, pixels[..., 0], pixels[..., 1], 128, curve)
    back = lens.image_points(k, tf.stack([sx, sy], -1), 128, curve)
    np.testing.assert_allclose(back.numpy(), pixels.numpy(), atol=1e-3)
    flat_x, flat_y = lens.scene_points(k, pixels[..., 0], pixels[..., 1], 128)
    moved = np.hypot(sx - flat_x, sy - flat_y)                                  # [B, P]
    assert moved[:3].max() > 0.3 and moved[3].max() == 0                      # bend 0 is the flat page


def test_a_page_curve_bows_the_edges_along_it_and_keeps_those_across_straight():
    curve = _curves([0.04])
    _, d_x, d_y, _ = curve.numpy()[0]
    along, across = np.array([d_x, d_y]), np.array([-d_y, d_x])
    steps = np.linspace(-40, 40, 9)[:, None]
    for direction, straight in ((across, True), (along, False)):
        offset = 40 * (along if straight else across)                          # off the centre: not radial
        scene = 64 + offset + steps * direction                                 # [9, 2] a straight scene edge
        drawn = lens.image_points(tf.zeros([1]), tf.constant(scene[None], tf.float32), 128, curve).numpy()[0]
        chord = drawn[-1] - drawn[0]
        off_line = np.abs(np.cross(chord / np.linalg.norm(chord), drawn - drawn[0]))   # distance from the chord
        assert (off_line.max() < 1e-3) if straight else (off_line.max() > 0.3), off_line.round(3)


def test_a_curved_binder_page_keeps_the_corner_marks_under_the_labels(monkeypatch):
    """Every image a binder page with a strong curve (four times the default top): the labels move, and each corner
    mark of the labelled card is still drawn just inside its label (the film's glare is taken off, so the marks show
    their colours)."""
    monkeypatch.setattr(binder, "render_film", lambda page, plane, width, height: tf.zeros(plane.u.shape + [4]))
    scene = dataclasses.replace(SCENE_OFF, neighbor_slots=8, binder=Effect(1.0, 0.1, 0.15),
                                page_curve=Effect(1.0, 0.08, 0.08))
    geometry = GeometryConfig(scale=(0.5, 0.6), centre_p=0.0, letterbox_p=0.0, barrel=Effect(0.0, 0.0, 0.0))
    config = small_config(size=128, scene=scene, photometric=PHOTOMETRIC_OFF, geometry=geometry)
    cards, backgrounds = textures(config, [marked_card()] * 8)
    out = synthesize.synthesize(cards, backgrounds, tf.constant([5, 6]), config)
    flat = synthesize.synthesize(cards, backgrounds, tf.constant([5, 6]), dataclasses.replace(
        config, scene=dataclasses.replace(scene, page_curve=Effect(0.0, 0.08, 0.08))))
    shift = np.linalg.norm(out["corners"].numpy() - flat["corners"].numpy(), axis=-1)
    assert np.median(shift) > 1.0                                               # the curve moved the labels
    checked = 0
    for image, quad, present in zip(out["image"].numpy(), out["corners"].numpy(), out["present"].numpy()):
        if not present:
            continue
        centre = quad.mean(axis=0)
        for mark, corner in zip(MARKS, quad):
            towards_centre = (centre - corner) / np.linalg.norm(centre - corner)
            x, y = (corner + 2.0 * towards_centre).astype(int)
            assert np.abs(image[y, x] * 255 - mark).max() < 80, (corner, image[y, x], mark)
            checked += 1
    assert checked >= 4 * 4


def test_only_binder_pages_curve_along_the_cards_top_edge():
    corners = tf.constant([[[10.0, 10.0], [40.0, 20.0], [30.0, 60.0], [0.0, 50.0]]] * 4)
    curve = lens.sample_page_curve(tf.constant([3, 4]), corners, tf.constant([True, False, True, False]),
                                   Effect(1.0, 0.01, 0.02)).numpy()
    bend, direction, crest = curve[:, 0], curve[:, 1:3], curve[:, 3]
    assert (bend[[1, 3]] == 0).all() and ((np.abs(bend[[0, 2]]) >= 0.01) & (np.abs(bend[[0, 2]]) <= 0.02)).all()
    np.testing.assert_allclose(direction, np.tile([[3.0, 1.0]] / np.sqrt(10.0), [4, 1]), atol=1e-6)
    assert (np.abs(crest) <= 0.5).all()
