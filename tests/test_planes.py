"""Cards in several planes (`scene.planes`): a tilted neighbour is the perspective image of its card turned out
of the table's plane, touching the table with its lowest corner; only loose and grid neighbours tilt; a tilt at
p = 0 changes nothing. Its labels and whole flags against the pixels are in test_whole_cards.py ("tilted")."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf.config import Effect, SceneConfig, SynthesisConfig
from augment_tf.scene import neighbors, planes

from synthesis_helpers import GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, assert_a_new_layer_off_changes_nothing

WIDTH, HEIGHT, BATCH = 63.0, 88.0, 256
_TILT = Effect(1.0, 10.0, 40.0)


def _maps(tilt: Effect, free) -> np.ndarray:
    """[B, 3, 3] float64 tilt maps of one seed, scaled so that a point on the table keeps w = 1."""
    maps = planes.tilt_map(tf.constant([4, 2]), BATCH, int(WIDTH), int(HEIGHT), tilt, tf.constant(free)).numpy()
    return maps.astype(np.float64)


def _corners() -> np.ndarray:
    return np.array([[0, 0], [WIDTH, 0], [WIDTH, HEIGHT], [0, HEIGHT]], np.float64)


def test_a_tilted_card_rests_on_the_table_and_its_raised_edge_comes_nearer_the_camera():
    """w is the card's distance from the camera over the table's: exactly 1 at the lowest corner (it rests on
    the table), below 1 at the others (raised, nearer the camera, so drawn larger)."""
    maps = _maps(_TILT, np.ones(BATCH, bool))
    homogeneous = np.concatenate([_corners(), np.ones((4, 1))], -1)                     # [4, 3]
    w = homogeneous @ maps[:, 2].T                                                      # [4, B]
    np.testing.assert_allclose(w.max(0), 1.0, atol=1e-5)
    raised = (1.0 - w.min(0)) * np.mean(planes.CAMERA_HEIGHT) * HEIGHT                  # about the top edge's height
    assert (raised > np.sin(np.radians(_TILT.low)) * WIDTH * 0.5).all()
    drawn = (homogeneous @ maps.transpose(0, 2, 1))                                     # [B, 4, 3]
    drawn = drawn[..., :2] / drawn[..., 2:]
    sides = np.linalg.norm(np.roll(drawn, -1, axis=1) - drawn, axis=-1)                 # [B, 4]
    keystone = np.abs(sides[:, 0] - sides[:, 2]) + np.abs(sides[:, 1] - sides[:, 3])    # 0 for a parallelogram
    assert np.median(keystone) > 1.0 and (sides.max(-1) > HEIGHT).mean() > 0.5       # raised edges drawn longer


def test_only_free_neighbours_tilt_and_the_angle_is_the_recipes():
    free = np.arange(BATCH) % 2 == 0                                                   # the others in a page or pile
    maps = _maps(_TILT, free)
    np.testing.assert_allclose(maps[~free], np.tile(np.eye(3), (int((~free).sum()), 1, 1)), atol=1e-6)
    # About the card's centre, the map's 2 x 2 linear part is the turn's in-plane part: its singular values are 1
    # (along the axis) and cos(tilt) (the foreshortening across it), before the perspective.
    centre = np.array([[1, 0, WIDTH / 2], [0, 1, HEIGHT / 2], [0, 0, 1]])
    about_centre = np.linalg.inv(centre) @ maps[free] @ centre
    large, small = np.linalg.svd(about_centre[:, :2, :2], compute_uv=False).T
    np.testing.assert_allclose(large, 1.0, atol=1e-5)
    tilt = np.degrees(np.arccos(np.clip(small, -1, 1)))
    assert (tilt >= _TILT.low - 0.1).all() and (tilt <= _TILT.high + 0.1).all()
    assert tilt.max() - tilt.min() > 0.8 * (_TILT.high - _TILT.low)


def test_only_the_first_slots_tilt():
    """The division costs every pixel of a slot that may tilt, so only the first `TILTED_SLOTS` do."""
    size, batch = 256, 32
    scene = dataclasses.replace(SCENE_OFF, neighbor_slots=6, neighbor=Effect(1.0, 0.05, 0.2), tilt=_TILT)
    flat_on = tf.constant([[1.0, 0.0, 100.0], [0.0, 1.0, 80.0], [0.0, 0.0, 1.0]])
    geo = {"homography": tf.tile(flat_on[None], [batch, 1, 1]), "barrel": tf.zeros([batch]),
           "content_box": tf.tile([[0.0, 0.0, size, size]], [batch, 1]), "drawn": tf.ones([batch], tf.bool)}
    slots = neighbors.sample_neighbors(tf.constant([3, 3]), geo, (int(WIDTH), int(HEIGHT)), size, scene)
    bottom = slots.to_neighbor.numpy()[:, :, 2, :2]                                     # [S, B, 2]: 0 when affine
    assert slots.projective == planes.TILTED_SLOTS
    assert (np.abs(bottom[:planes.TILTED_SLOTS]).max(-1) > 1e-5).all()
    np.testing.assert_array_equal(bottom[planes.TILTED_SLOTS:], 0.0)


def test_tilt_at_p_zero_changes_nothing():
    base = SynthesisConfig(size=64, card_height=64, geometry=GEOMETRY_OFF, photometric=PHOTOMETRIC_OFF,
                           scene=dataclasses.replace(SCENE_OFF, neighbor_slots=4, neighbor=Effect(1.0, 0.05, 0.2)))
    zero = dataclasses.replace(base, scene=dataclasses.replace(base.scene, tilt=Effect(tf.constant(0.0), 10, 40)))
    every = dataclasses.replace(base, scene=dataclasses.replace(base.scene, tilt=_TILT))
    without, tilted = assert_a_new_layer_off_changes_nothing(base, base, zero, every)
    assert not np.array_equal(tilted["cards"], without["cards"])
    assert SceneConfig().tilt.used
