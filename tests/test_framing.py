"""Letterboxed frames (black bars around a phone photo's aspect) and cards placed near the centre."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import geometry, seeds, synthesize
from augment_tf.config import GeometryConfig, SceneConfig

from synthesis_helpers import GEOMETRY_OFF, marked_card, small_config, textures


def _content_boxes(config, seed: tf.Tensor, batch: int) -> np.ndarray:
    """[B, 4] the content boxes `synthesize` draws for `seed` (its geometry is the same draw)."""
    texture_size = (config.card_width, config.card_height)
    return geometry.sample_card_geometry(seeds.child(seed, "geometry"), batch, config.size, texture_size,
                                         config.geometry)["content_box"].numpy()


def test_content_boxes_letterbox_like_a_predictor():
    """Longer side fills the frame, the shorter is rounded and centred at a whole pixel."""
    boxes = dict(zip(geometry.ASPECTS, geometry.content_boxes(64)))
    assert boxes[(3, 4)] == [8.0, 0.0, 56.0, 64.0]
    assert boxes[(16, 9)] == [0.0, 14.0, 64.0, 50.0]
    assert boxes[(2, 3)] == [10.0, 0.0, 53.0, 64.0]          # 42.67 rounds to 43 px, offset (64 - 43) // 2


def test_letterbox_bars_are_black_and_the_card_lies_in_the_content():
    """Every effect on (the photometric ones too), then the bars are exactly 0 and the corners in the box."""
    config = small_config(size=64, geometry=dataclasses.replace(GeometryConfig(), letterbox_p=1.0),
                          scene=dataclasses.replace(SceneConfig(), empty_p=0.0))
    cards, backgrounds = textures(config, [marked_card()] * 16, background_rgb=(150, 160, 170))
    seed = tf.constant([9, 2])
    out = synthesize.synthesize(cards, backgrounds, seed, config)
    boxes = _content_boxes(config, seed, 16)
    assert {tuple(box) for box in boxes} <= {tuple(box) for box in geometry.content_boxes(64)}
    assert len({tuple(box) for box in boxes}) >= 3
    for image, corners, box in zip(out["image"].numpy(), out["corners"].numpy(), boxes):
        x0, y0, x1, y1 = box.astype(int)
        inside = np.zeros(image.shape[:2], bool)
        inside[y0:y1, x0:x1] = True
        assert (image[~inside] == 0).all()
        assert (image[inside].max(-1) > 0).mean() > 0.95
        assert (corners >= box[:2]).all() and (corners <= box[2:]).all()


def test_a_corner_in_the_bars_is_not_visible():
    config = small_config(size=64, geometry=dataclasses.replace(GEOMETRY_OFF, letterbox_p=1.0, allow_outside=True),
                          scene=dataclasses.replace(SceneConfig(), empty_p=0.0, neighbor_slots=0))
    cards, backgrounds = textures(config, [marked_card()] * 32)
    seed = tf.constant([3, 3])
    out = synthesize.synthesize(cards, backgrounds, seed, config)
    boxes = _content_boxes(config, seed, 32)
    corners, visible = out["corners"].numpy(), out["visible"].numpy()
    in_box = ((corners >= boxes[:, None, :2]) & (corners <= boxes[:, None, 2:])).all(-1)
    in_frame = ((corners >= 0) & (corners <= 64)).all(-1)
    np.testing.assert_array_equal(visible, in_box)
    assert (in_frame & ~in_box).any()                                  # some corners are in the bars
    np.testing.assert_array_equal(out["present"].numpy(), in_box.all(-1))


def test_centred_cards_sit_near_the_centre_and_are_small():
    config = dataclasses.replace(GEOMETRY_OFF, centre_p=1.0)
    corners = geometry.sample_card_geometry(tf.constant([1, 2]), 256, 256, (368, 512), config)["corners"].numpy()
    low, high = corners.min(axis=1), corners.max(axis=1)
    assert (np.abs((low + high) / 2 - 128) <= 0.1 * 256 + 1e-3).all()
    extent = (high - low).max(-1) / 256
    low, high = config.scale
    assert extent.min() >= low - 1e-3 and extent.max() <= low + 0.4 * (high - low) + 1e-3      # the smaller cards
    assert extent.max() > low + 0.35 * (high - low)
    assert ((corners >= 0) & (corners <= 256)).all()
