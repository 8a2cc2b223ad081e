"""The background lies in the card's plane (a card on a table) or faces the camera."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from synthesis_helpers import bordered_card, flat_card, small_config

from augment_tf import composite, geometry, pipeline, texture
from augment_tf.atlas_table import card_groups, load_atlases
from augment_tf.config import Effect, GeometryConfig, SceneConfig
from augment_tf.scene import background

SIZE, WIDTH, HEIGHT = 64, 92, 128


def _coordinates(table_p: float, batch: int = 32, depth_of_field=(0.0, 3.0)):
    card = geometry.sample_card_geometry(tf.constant([4, 2]), batch, SIZE, (WIDTH, HEIGHT), GeometryConfig())
    x, y = composite.pixel_centres(SIZE)
    plane = composite.plane_coords(card["homography"], x, y)
    config = dataclasses.replace(SceneConfig(), table_p=table_p, depth_of_field=depth_of_field)
    bx, by, lod, on_table = background.background_coordinates(tf.constant([1, 1]), card, plane, x, y, SIZE,
                                                              (WIDTH, HEIGHT), config)
    return np.stack([bx, by], -1), on_table.numpy(), plane, np.stack([x[0], y[0]], -1), lod.numpy()


def _affine_residual(source: np.ndarray, target: np.ndarray) -> float:
    """Largest error of the least-squares affine map from [P, 2] source to [P, 2] target points."""
    design = np.concatenate([source, np.ones_like(source[:, :1])], -1).astype(np.float64)
    solution, *_ = np.linalg.lstsq(design, target, rcond=None)
    return np.abs(design @ solution - target).max()


def test_a_table_background_moves_with_the_card_plane_and_a_flat_one_with_the_frame():
    coords, on_table, plane, pixels, _ = _coordinates(table_p=1.0)
    assert on_table.mean() > 0.5                   # most default geometries recede gently enough
    uv = np.stack([plane.u.numpy(), plane.v.numpy()], -1)
    perspective = []
    for b in range(len(coords)):
        if on_table[b]:
            assert _affine_residual(uv[b], coords[b]) < 1e-2
            perspective.append(_affine_residual(pixels, coords[b]))
        else:
            assert _affine_residual(pixels, coords[b]) < 1e-2
    assert max(perspective) > 1.0                  # tilted tables are foreshortened, not affine in the frame
    _, flat, _, _, _ = _coordinates(table_p=0.0)
    assert not flat.any()


def test_a_table_is_only_used_where_it_stays_in_front_and_recedes_gently():
    coords, on_table, plane, _, _ = _coordinates(table_p=1.0, batch=64)
    footprint = plane.texels_per_pixel.numpy()
    for b in np.flatnonzero(on_table):
        assert plane.in_front.numpy()[b].all()
        assert footprint[b].max() / footprint[b].min() < 40
    assert not on_table.all()                      # some frames see the plane too steeply


def test_a_held_cards_background_is_out_of_focus_and_a_tables_follows_its_footprint():
    _, _, _, _, sharp = _coordinates(table_p=0.0, depth_of_field=(0.0, 0.0))
    _, _, _, _, blurred = _coordinates(table_p=0.0, depth_of_field=(3.0, 3.0))
    np.testing.assert_allclose(blurred - sharp, 3.0, atol=1e-5)  # three mip levels coarser, everywhere
    assert np.ptp(sharp, axis=1).max() < 1e-5                    # a flat background: one footprint per image
    _, on_table, plane, _, lod = _coordinates(table_p=1.0)
    table = np.flatnonzero(on_table)
    np.testing.assert_allclose(np.ptp(lod[table], axis=1), np.ptp(plane.lod.numpy()[table], axis=1), atol=1e-4)


def _pairing_inputs(cards: list[np.ndarray], background_rgb):
    config = small_config()
    layout = texture.AtlasLayout(config.card_height, config.card_width, config.mip_levels)
    atlases = tf.stack([texture.card_atlas(card, config.card_height, config.card_width, config.mip_levels)
                        for card in cards])
    photo = np.full((100, 140, 3), background_rgb, np.uint8)
    backgrounds = tf.stack([texture.background_atlas(photo, config.size)] * len(cards))
    return atlases, backgrounds, layout, config.size


def test_a_dark_rimmed_card_gets_a_background_darkened_into_the_target_range_and_others_keep_theirs():
    cards = [bordered_card((14, 13, 15)), bordered_card((238, 236, 230)), flat_card((20, 20, 20))] * 8
    atlases, backgrounds, layout, size = _pairing_inputs(cards, (190, 200, 170))
    rim = background.rim_luminance(atlases, layout).numpy()
    assert rim[0] < 0.1 and rim[1] > 0.8 and rim[2] < 0.1
    luma = background.mean_luminance(backgrounds, size).numpy()
    np.testing.assert_allclose(luma, (0.299 * 190 + 0.587 * 200 + 0.114 * 170) / 255, atol=2e-3)
    scene = dataclasses.replace(SceneConfig(), dark_pairing=Effect(1.0, 0.05, 0.1))
    gain = background.dark_pairing_gain(tf.constant([3, 4]), atlases, backgrounds, layout, size, scene).numpy()
    dark = np.tile([True, False, True], 8)
    assert np.all(gain[~dark] == 1.0)
    assert np.all((0.05 - 1e-4 <= gain[dark] * luma[dark]) & (gain[dark] * luma[dark] <= 0.1 + 1e-4))
    assert np.ptp(gain[dark]) > 0.01                      # a target drawn per image
    half = dataclasses.replace(scene, dark_pairing=Effect(0.5, 0.05, 0.1))
    halved = background.dark_pairing_gain(tf.constant([3, 4]), atlases, backgrounds, layout, size, half).numpy()
    assert 0 < np.mean(halved[dark] < 1.0) < 1           # p: some dark-rimmed cards keep their background


def test_dark_pairing_compiles_with_xla_and_matches_eager():
    atlases, backgrounds, layout, size = _pairing_inputs([bordered_card((14, 13, 15)), flat_card((230,) * 3)] * 2,
                                                         (150, 160, 170))
    scene = dataclasses.replace(SceneConfig(), dark_pairing=Effect(1.0, 0.05, 0.1))
    gain = lambda seed: background.dark_pairing_gain(seed, atlases, backgrounds, layout, size, scene)  # noqa: E731
    compiled = tf.function(gain, jit_compile=True)(tf.constant([2, 9]))
    np.testing.assert_allclose(compiled.numpy(), gain(tf.constant([2, 9])).numpy(), rtol=1e-5)


def test_a_dark_background_is_never_brightened():
    atlases, backgrounds, layout, size = _pairing_inputs([bordered_card((14, 13, 15))] * 4, (10, 12, 9))
    scene = dataclasses.replace(SceneConfig(), dark_pairing=Effect(1.0, 0.05, 0.1))
    gain = background.dark_pairing_gain(tf.constant([0, 1]), atlases, backgrounds, layout, size, scene)
    np.testing.assert_array_equal(gain.numpy(), 1.0)


def test_the_rim_is_read_inside_every_printed_border_and_clear_of_the_corners():
    """The rim texels lie in level 0, within the thinnest border (3.4% of the width) and along the sides'
    middles, away from the rounded corners."""
    layout = texture.AtlasLayout(320, 224, 5)
    index = np.asarray(background.rim_texels(layout))
    row, column = index // (layout.width + 2) - 1, index % (layout.width + 2) - 1   # level 0's ring
    assert index.max() < (layout.width + 2) * (layout.height + 2)
    from_edge = np.minimum.reduce([column, layout.width - 1 - column, row, layout.height - 1 - row])
    assert np.all(from_edge < 0.034 * layout.width)
    along = np.maximum(np.minimum(column, layout.width - 1 - column) / layout.width,
                       np.minimum(row, layout.height - 1 - row) / layout.height)
    assert np.all(along > 0.25)


def test_procedural_black_borders_read_as_dark_rims_and_their_backgrounds_darken(tiny_dataset):
    """On the dataset's own cards: every black-bordered card counts as dark-rimmed, no white, silver or gold
    one does, and with the option on, black-bordered cards lie on darker backgrounds than with it at 0."""
    builder = pipeline.load_builder(tiny_dataset, "procedural_tiny")
    config = small_config()
    cards, backgrounds, names = load_atlases(builder, config, "cards", "backgrounds")
    groups = card_groups(builder, "cards")
    assert list(groups["name"]) == names
    layout = texture.AtlasLayout(config.card_height, config.card_width, config.mip_levels)
    rim = background.rim_luminance(tf.constant(cards), layout).numpy()
    black = groups["border"] == "black"
    light = np.isin(groups["border"], ["white", "silver", "gold"])
    assert np.all(rim[black] < background.DARK_RIM) and np.all(rim[light] > background.DARK_RIM)
    if not black.any():
        pytest.skip("the tiny dataset drew no black-bordered card")
    rows = np.flatnonzero(black)[np.arange(16) % black.sum()]                   # [16] black-bordered cards
    table = tf.gather(cards, rows)
    scenery = tf.constant(backgrounds[np.arange(16) % len(backgrounds)])
    scene = dataclasses.replace(SceneConfig(), dark_pairing=Effect(1.0, 0.04, 0.15))
    gain = background.dark_pairing_gain(tf.constant([5, 6]), table, scenery, layout, config.size, scene)
    luma = background.mean_luminance(scenery, config.size).numpy()
    assert np.mean(gain.numpy() * luma) < np.mean(luma) and np.all(gain.numpy() * luma <= 0.15 + 1e-4)
