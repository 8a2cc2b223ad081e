"""Each photometric effect, switched on alone, changes the image the way it should, and an image that
does not draw it keeps its pixels."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from augment_tf import photometric
from augment_tf.config import Effect, PhotometricConfig

from synthesis_helpers import PHOTOMETRIC_OFF

SIZE = 64
SEED = tf.constant([1, 2])


def _only(name: str, low: float, high: float, p: float = 1.0) -> PhotometricConfig:
    return dataclasses.replace(PHOTOMETRIC_OFF, **{name: Effect(p, low, high)})


def _scene(batch=4):
    """A mid-grey image with a bright card-like square in the middle and fine detail."""
    image = np.full((batch, SIZE, SIZE, 3), 0.45, np.float32)
    image[:, 20:44, 24:40] = [0.8, 0.6, 0.3]
    image[:, ::2, ::2] += 0.1
    cover = np.zeros((batch, SIZE, SIZE), np.float32)
    cover[:, 20:44, 24:40] = 1.0
    return tf.constant(image), tf.constant(np.tile([[0.5, 0.5]], (batch, 1)).astype(np.float32)), tf.constant(cover)


def _apply(config, batch=4):
    image, centre, cover = _scene(batch)
    return image.numpy(), photometric.apply(SEED, image, centre, cover, config).numpy()


def _change(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """[B] the largest change an effect made to each image."""
    return np.abs(after - before).max(axis=(1, 2, 3))


def test_every_effect_belongs_to_one_stage():
    """`apply` skips a stage whose `STAGE_EFFECTS` all have p == 0: an effect in no stage would never be
    drawn while the rest of its stage is off, and one in two stages would keep the wrong stage on."""
    listed = [effect for effects in photometric.STAGE_EFFECTS.values() for effect in effects]
    assert sorted(listed) == sorted(field.name for field in dataclasses.fields(PhotometricConfig))


EFFECTS = [
    ("brightness", 0.2, 0.2, lambda b, a: a.mean() > b.mean() + 0.15),
    ("contrast", 0.5, 0.5, lambda b, a: a.std() < 0.6 * b.std()),
    ("saturation", 0.0, 0.0, lambda b, a: np.abs(a - a.mean(-1, keepdims=True)).max() < 0.02),
    ("gamma", 1.5, 1.5, lambda b, a: a.mean() < b.mean() - 0.05),
    ("white_balance", 0.2, 0.2, lambda b, a: a[..., 0].mean() - a[..., 2].mean() > b[..., 0].mean() - b[..., 2].mean() + 0.1),
    ("hue", 0.3, 0.3, lambda b, a: np.abs(a[:, 32, 32] - b[:, 32, 32]).max() > 0.1),
    ("noise", 0.05, 0.05, lambda b, a: (a - b).std() > 0.03),
    ("defocus", 0.02, 0.02, lambda b, a: np.abs(np.diff(a, axis=2)).mean() < 0.5 * np.abs(np.diff(b, axis=2)).mean()),
    ("motion_blur", 0.05, 0.05, lambda b, a: np.abs(np.diff(a, axis=1)).mean() + np.abs(np.diff(a, axis=2)).mean()
                                          < 0.8 * (np.abs(np.diff(b, axis=1)).mean() + np.abs(np.diff(b, axis=2)).mean())),
    ("vignette", 0.45, 0.45, lambda b, a: a[:, :4, :4].mean() < b[:, :4, :4].mean() - 0.1),
    ("lamp", 1.5, 1.5, lambda b, a: ((a / b).std(axis=(1, 2)) > 0.05).all()         # uneven in every image
                                  and np.abs(a[:, 31:33, 31:33] / b[:, 31:33, 31:33] - 1).max() < 0.05),  # but not at the centre
    ("shadow", 0.6, 0.6, lambda b, a: a.mean() < b.mean() - 0.02),
    ("glare", 1.0, 1.0, lambda b, a: a[:, 20:44, 24:40].mean() > b[:, 20:44, 24:40].mean() + 0.05),
    ("jpeg", 5.0, 5.0, lambda b, a: np.abs(a - b).mean() > 0.01),
]


@pytest.mark.parametrize("name, low, high, check", EFFECTS)
def test_effect_changes_every_image_as_expected(name, low, high, check):
    before, after = _apply(_only(name, low, high))
    assert check(before, after)
    assert (_change(before, after) > 0.05).all()                   # p == 1: every image gets it


@pytest.mark.parametrize("name, low, high", [effect[:3] for effect in EFFECTS])
def test_an_image_that_does_not_draw_an_effect_keeps_its_pixels(name, low, high):
    """At p = 0.5 the effect's stage runs for the whole batch; the images that do not draw the effect get
    its neutral strength, which leaves them as they were (JPEG's, quality 100, still rounds: ~1/255)."""
    before, after = _apply(_only(name, low, high, p=0.5), batch=16)
    change = _change(before, after)
    kept, changed = change < 0.005, change > 0.05
    assert (kept | changed).all(), change
    assert kept.any() and changed.any(), change


def test_jpeg_like_error_lives_in_8x8_blocks():
    """Quantisation error is largest at coefficients, so flat blocks differ block by block."""
    rng = np.random.default_rng(0)
    image = tf.constant(rng.uniform(0.3, 0.7, (2, SIZE, SIZE, 3)).astype(np.float32))
    out = photometric.jpeg_like(SEED, image, _only("jpeg", 5.0, 5.0)).numpy()
    luma = out.mean(-1)
    inside = np.abs(np.diff(luma, axis=2))[:, :, [i for i in range(SIZE - 1) if i % 8 != 7]].mean()
    across = np.abs(np.diff(luma, axis=2))[:, :, 7::8].mean()
    assert across > inside          # block edges are where low-quality JPEG shows steps


def test_sharpening_leaves_a_halo_on_each_side_of_an_edge_and_flat_areas_alone():
    """A phone's unsharp mask overshoots: darker than the dark side and brighter than the bright side."""
    size = 256                                      # the mask is 0.5-1.5 px wide here, as at training size
    image = np.full((3, size, size, 3), 0.3, np.float32)
    image[:, :, size // 2:] = 0.7                   # a vertical edge
    row = photometric.blur(SEED, tf.constant(image), _only("sharpen", 1.0, 1.0)).numpy()[:, size // 2, :, 0]
    assert (row[:, size // 2 - 2:size // 2].min(axis=1) < 0.3 - 0.03).all()
    assert (row[:, size // 2:size // 2 + 2].max(axis=1) > 0.7 + 0.03).all()
    np.testing.assert_allclose(row[:, :size // 2 - 12], 0.3, atol=1e-4)
    np.testing.assert_allclose(row[:, size // 2 + 12:], 0.7, atol=1e-4)
