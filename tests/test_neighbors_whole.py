"""Neighbours may be whole only farther from the frame's centre than the labelled card; grids fill their 8 spots."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import geometry, presence, seeds
from augment_tf.config import Effect, SceneConfig
from augment_tf.scene import neighbors

from synthesis_helpers import GEOMETRY_OFF, small_config

SIZE = 128
MARGIN = 0.02          # the spec: a whole neighbour's centre is this frame side farther from the centre


def _scene_geometry(config, batch: int, seed, empty_p: float = 0.0) -> dict[str, tf.Tensor]:
    """The labelled card's geometry as `synthesize` builds it (no lens), with empty frames if asked."""
    texture_size = (config.card_width, config.card_height)
    geo = geometry.sample_card_geometry(tf.constant(seed), batch, SIZE, texture_size, config.geometry)
    geo["barrel"] = tf.zeros([batch])
    if empty_p:
        return presence.sample_presence(seeds.child(tf.constant(seed), "presence"), geo, SIZE, texture_size,
                                        dataclasses.replace(config.scene, empty_p=empty_p))
    return {**geo, "drawn": tf.ones([batch], tf.bool)}


def _project(h: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, bool]:
    """[N, 2] texel points through a [3, 3] homography: (output pixels, all in front of the camera)."""
    projected = np.concatenate([points, np.ones_like(points[:, :1])], -1) @ h.T
    return projected[:, :2] / np.where(projected[:, 2:] > 0, projected[:, 2:], 1.0), (projected[:, 2] > 0).all()


def _check_neighbours(config, geo, slots) -> tuple[int, int]:
    """Asserts the rule on every present neighbour (in numpy, apart from the code under test).

    Returns:
      (whole neighbours seen, present neighbours seen).
    """
    w, h = config.card_width, config.card_height
    texels = np.array([[0, 0], [w, 0], [w, h], [0, h], [w / 2, h / 2]], np.float64)
    homographies, boxes = geo["homography"].numpy().astype(np.float64), geo["content_box"].numpy()
    drawn = geo["drawn"].numpy()
    whole_seen = present_seen = 0
    for to_neighbor, present in zip(slots.to_neighbor.numpy().astype(np.float64), slots.present.numpy()):
        for b in np.flatnonzero(present):
            present_seen += 1
            to_target = np.linalg.inv(to_neighbor[b])
            target, _ = _project(homographies[b], texels)
            points, in_front = _project(homographies[b] @ to_target, texels)
            box = boxes[b]
            in_box = lambda p: ((p >= box[:2] - 1e-3) & (p <= box[2:] + 1e-3)).all()  # noqa: E731
            on_target = (np.concatenate([texels[:4], np.ones([4, 1])], -1) @ to_target.T)[:, :2]
            under = drawn[b] and ((on_target >= 0) & (on_target <= [w, h])).all(-1).any()
            if not (in_front and in_box(points[:4])) or under:
                continue                                                         # partly hidden
            whole_seen += 1
            assert drawn[b] and in_box(target[:4]), "a whole neighbour in a frame with no whole labelled card"
            centre = SIZE / 2
            farther = np.linalg.norm(points[4] - centre) - np.linalg.norm(target[4] - centre)
            assert farther >= MARGIN * SIZE - 1e-2, farther
    return whole_seen, present_seen


def test_whole_neighbours_lie_farther_from_the_centre_than_the_labelled_card():
    geometry_config = dataclasses.replace(GEOMETRY_OFF, centre_p=0.6, letterbox_p=0.5)
    scene = dataclasses.replace(SceneConfig(), neighbor_slots=8, neighbor=Effect(1.0, -0.04, 0.25))
    config = small_config(size=SIZE, geometry=geometry_config, scene=scene)
    geo = _scene_geometry(config, 256, (2, 3))
    slots = neighbors.sample_neighbors(tf.constant([4, 5]), geo, (config.card_width, config.card_height), SIZE, scene)
    whole, present = _check_neighbours(config, geo, slots)
    assert whole > 50 and present > whole                  # the rule is exercised, both ways
    assert not slots.present.numpy().all()                 # and refuses some


def test_empty_frames_have_no_whole_neighbours():
    geometry_config = dataclasses.replace(GEOMETRY_OFF, centre_p=1.0)
    scene = dataclasses.replace(SceneConfig(), neighbor_slots=8, neighbor=Effect(1.0, -0.04, 0.25))
    config = small_config(size=SIZE, geometry=geometry_config, scene=scene)
    geo = _scene_geometry(config, 256, (7, 3), empty_p=1.0)
    slots = neighbors.sample_neighbors(tf.constant([1, 5]), geo, (config.card_width, config.card_height), SIZE, scene)
    whole, present = _check_neighbours(config, geo, slots)
    assert whole == 0 and present > 100


def test_grid_slots_take_the_eight_directions_in_turn():
    scene = dataclasses.replace(SceneConfig(), neighbor_slots=8, neighbor=Effect(1.0, 0.0, 0.1), loose_neighbor_p=0.0)
    config = small_config(size=SIZE, geometry=GEOMETRY_OFF, scene=scene)
    w, h = config.card_width, config.card_height
    geo = _scene_geometry(config, 8, (1, 1))
    slots = neighbors.sample_neighbors(tf.constant([3, 3]), geo, (w, h), SIZE, scene)
    centre = np.array([w / 2, h / 2, 1.0])
    for slot, to_neighbor in enumerate(slots.to_neighbor.numpy()):
        offsets = np.stack([(np.linalg.inv(m) @ centre)[:2] - centre[:2] for m in to_neighbor])   # [B, 2] texels
        np.testing.assert_array_equal(np.round(offsets / [w, h]),
                                      np.tile(neighbors._DIRECTIONS[slot], [len(offsets), 1]))
