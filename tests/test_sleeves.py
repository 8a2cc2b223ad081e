"""Sleeves: film a margin wider than the card all round (longer at the open end), which the labels ignore."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import synthesize
from augment_tf.config import Effect, SceneConfig, SynthesisConfig
from mtg_tfds.card_shape import CARD_WIDTH_MM, rounded_alpha

from synthesis_helpers import (GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, CardView, fixed_barrel, flat_card,
                               pixel_centres, small_config, textures)

OPEN_END_MM = 2.0       # the sleeve's open end (the card's top) may reach this much further


def _cards_on_black(sleeve: Effect, size: int, batch: int, card_visible: bool = False) -> tuple[dict, SynthesisConfig]:
    """Synthesises cards on black with sleeves as `sleeve` draws them, every other layer off.

    Args:
      sleeve: the sleeve effect (margin in mm).
      size: output side.
      batch: images.
      card_visible: a magenta card with 3 mm rounded corners; else a see-through one, so that only the
        sleeve shows.

    Returns:
      (`synthesize`'s output, the config). The seed is fixed: the same cards land in the same places.
    """
    geometry = dataclasses.replace(GEOMETRY_OFF, scale=(0.7, 0.8), max_tilt_deg=30.0, barrel=fixed_barrel(0.0))
    config = small_config(size=size, scene=dataclasses.replace(SCENE_OFF, sleeve=sleeve), geometry=geometry,
                          photometric=PHOTOMETRIC_OFF)
    width, height = config.card_width, config.card_height
    alpha = rounded_alpha(width, height) if card_visible else 0
    card = flat_card((255, 0, 255), alpha=alpha, height=height, width=width)
    return synthesize.synthesize(*textures(config, [card] * batch, background_rgb=(0, 0, 0)), tf.constant([1, 2]),
                                 config), config


def test_a_sleeve_reaches_its_margin_beyond_the_card_and_the_labels_stay_the_cards():
    """A 2 mm sleeve around a see-through card: measured from the corner labels (`CardView`), the film
    reaches 2 mm out on the left, right and bottom and 2-4 mm at the top, to within a pixel (its edge is
    anti-aliased over one); the labels are where they are without the sleeve. (Were they the sleeve's
    corners, the film would reach 0 mm beyond them.)"""
    margin = 2.0
    sleeved, config = _cards_on_black(Effect(1.0, margin, margin), size=512, batch=4)       # ~0.25 mm a pixel
    bare, _ = _cards_on_black(SCENE_OFF.sleeve, size=512, batch=4)
    np.testing.assert_array_equal(sleeved["corners"].numpy(), bare["corners"].numpy())
    width, height = config.card_width, config.card_height
    texels_per_mm = width / CARD_WIDTH_MM
    for image, corners in zip(sleeved["image"].numpy(), sleeved["corners"].numpy()):
        view = CardView.from_corners(corners, (width, height), config.size)
        u, v = view.to_texels(pixel_centres(config.size)).T
        film = image.max(-1).ravel() > 0                                      # black, but for the sleeve
        across_middle = (v > height / 3) & (v < 2 * height / 3)               # away from the rounded corners
        along_middle = (u > width / 3) & (u < 2 * width / 3)
        reach = {"left": -u[film & across_middle].min(), "right": u[film & across_middle].max() - width,
                 "top": -v[film & along_middle].min(), "bottom": v[film & along_middle].max() - height}
        edge_middles = np.array([[0, height / 2], [width, height / 2], [width / 2, 0], [width / 2, height]])
        pixel_mm = view.texels_per_pixel(edge_middles).max() / texels_per_mm              # at most
        reach_mm = {side: texels / texels_per_mm for side, texels in reach.items()}
        for side in ("left", "right", "bottom"):
            assert abs(reach_mm[side] - margin) <= pixel_mm, (reach_mm, pixel_mm)
        assert margin - pixel_mm <= reach_mm["top"] <= margin + OPEN_END_MM + pixel_mm, (reach_mm, pixel_mm)


def test_a_card_stays_inside_its_sleeve():
    """Sleeves as the default recipe draws them (margins, corner radii, colours), around cards with
    3 mm rounded corners: every pixel the card changes is a pixel of the sleeve."""
    sleeve = dataclasses.replace(SceneConfig().sleeve, p=1.0)
    with_card, _ = _cards_on_black(sleeve, size=128, batch=24, card_visible=True)
    sleeve_only, _ = _cards_on_black(sleeve, size=128, batch=24)
    card_pixels = np.abs(with_card["image"].numpy() - sleeve_only["image"].numpy()).max(-1) > 0.01
    sleeve_pixels = sleeve_only["image"].numpy().max(-1) > 0
    assert card_pixels.any(axis=(1, 2)).all()
    assert not (card_pixels & ~sleeve_pixels).any()
