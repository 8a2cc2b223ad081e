"""Empty frames (`SceneConfig.empty_p`): no labelled card, or one cut by the frame's edge; `present` says which."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import presence, synthesize
from augment_tf.config import Effect, SceneConfig

from synthesis_helpers import GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, small_config, textures

MAGENTA = (255, 0, 255)
GROUND = (20, 20, 20)


def _flat_card(rgb) -> np.ndarray:
    card = np.zeros((176, 128, 4), np.uint8)
    card[..., :3], card[..., 3] = rgb, 255
    return card


def _outside_by(corners: np.ndarray, box: np.ndarray) -> np.ndarray:
    """[B] how far (pixels) the farthest corner of [B, 4, 2] lies outside the [4] box; <= 0 inside."""
    return np.maximum(box[:2] - corners, corners - box[2:]).max(axis=(1, 2))


def test_empty_frames_hide_the_card_or_cut_it_by_the_edge():
    """With empty_p=1 no frame holds the card whole: about half draw nothing of it (no sleeve nor
    shadow either), the rest show it cut, a corner 3% of the side or more outside the frame."""
    geometry = dataclasses.replace(GEOMETRY_OFF, barrel=Effect(1.0, 0.05, 0.05))     # cut as drawn, through the lens
    scene = dataclasses.replace(SCENE_OFF, empty_p=1.0, sleeve=Effect(1.0, 0.6, 2.0), table_p=1.0,
                                contact_shadow=Effect(1.0, 0.5, 0.5), wear=Effect(1.0, 0.3, 1.0))
    config = small_config(size=96, scene=scene, photometric=PHOTOMETRIC_OFF, geometry=geometry)
    cards, backgrounds = textures(config, [_flat_card(MAGENTA)] * 32, background_rgb=GROUND)
    out = synthesize.synthesize(cards, backgrounds, tf.constant([4, 1]), config)
    assert not out["present"].numpy().any()
    changed = np.abs(out["image"].numpy() * 255 - GROUND).max(-1) > 1.0               # [B, H, W]
    hidden = ~changed.any(axis=(1, 2))
    assert 8 <= hidden.sum() <= 24, hidden.sum()                                      # about half of 32
    outside = _outside_by(out["corners"].numpy(), np.array([0, 0, 96, 96]))
    cut = ~hidden
    assert (outside[cut] >= presence.MIN_CUT * 96 - 0.05).all(), outside[cut]
    assert (changed[cut].sum(axis=(1, 2)) > 50).all()                                 # and still clearly in view
    assert not out["visible"].numpy()[cut].all(axis=-1).any()


def test_no_empty_frames_means_every_card_is_drawn_whole():
    """With empty_p=0 every frame shows its card (pixels: magenta inside the labelled quad) and says so."""
    scene = dataclasses.replace(SCENE_OFF, empty_p=0.0)
    config = small_config(size=64, scene=scene, photometric=PHOTOMETRIC_OFF, geometry=GEOMETRY_OFF)
    cards, backgrounds = textures(config, [_flat_card(MAGENTA)] * 16, background_rgb=GROUND)
    out = synthesize.synthesize(cards, backgrounds, tf.constant([2, 2]), config)
    for image, corners in zip(out["image"].numpy() * 255, out["corners"].numpy()):
        centre = np.floor(corners.mean(axis=0)).astype(int)                 # the quad's centre pixel
        np.testing.assert_allclose(image[centre[1], centre[0]], MAGENTA, atol=2)
        assert (corners >= 0).all() and (corners <= 64).all()
    assert out["present"].numpy().all()


def test_empty_frames_leave_the_other_frames_as_they_were():
    """Presence draws under its own seed names and masks per sample, so the frames that keep
    their card are the same pixels with or without empty frames around them."""
    scene = dataclasses.replace(SceneConfig(), neighbor_slots=3, empty_p=0.0)
    config = small_config(size=64, scene=scene)
    cards, backgrounds = textures(config, [_flat_card(c) for c in np.random.default_rng(0).integers(0, 255, (12, 3))])
    before = synthesize.synthesize(cards, backgrounds, tf.constant([6, 3]), config)
    config = dataclasses.replace(config, scene=dataclasses.replace(scene, empty_p=0.5))
    after = synthesize.synthesize(cards, backgrounds, tf.constant([6, 3]), config)
    present = after["present"].numpy()
    assert 0 < present.sum() < 12
    np.testing.assert_array_equal(after["image"].numpy()[present], before["image"].numpy()[present])
    np.testing.assert_array_equal(after["corners"].numpy()[present], before["corners"].numpy()[present])
