"""Spreads (`scene.spreads`): the neighbours fill the cells of a grid laid out with the labelled card, a pitch
apart and turned a little, touching none; every card of a spread in the frame is whole; a page or a pile wins; a
spread at p = 0 changes nothing; the labelled card stays the whole card nearest the centre."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import geometry, homography, lens, presence, seeds
from augment_tf.config import Effect, GeometryConfig, SceneConfig, SynthesisConfig
from augment_tf.scene import binder, neighbors, piles, spreads, whole_cards

from synthesis_helpers import (GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, assert_a_new_layer_off_changes_nothing,
                               fixed_barrel, small_config)

SIZE = 256
BATCH = 64
_SCENE = dataclasses.replace(SCENE_OFF, neighbor_slots=8, spread=dataclasses.replace(SceneConfig().spread, p=1.0))
_CONFIG = SynthesisConfig(size=SIZE, card_height=64, geometry=GEOMETRY_OFF, scene=_SCENE, photometric=PHOTOMETRIC_OFF)
_TEXTURE = (_CONFIG.card_width, _CONFIG.card_height)


def _centred_card(scale: float) -> dict[str, tf.Tensor]:
    """A flat-on card at the frame's centre, its height `scale` of the side."""
    width, height = _TEXTURE
    s = scale * SIZE / height
    h = tf.constant([[s, 0.0, SIZE / 2 - s * width / 2], [0.0, s, SIZE / 2 - s * height / 2], [0, 0, 1]])
    return {"homography": tf.tile(h[None], [BATCH, 1, 1]), "barrel": tf.zeros([BATCH]),
            "content_box": tf.tile([[0.0, 0.0, SIZE, SIZE]], [BATCH, 1]), "drawn": tf.ones([BATCH], tf.bool)}


def _tilted_card(seed) -> dict[str, tf.Tensor]:
    """The labelled card as `synthesize` places it, small near the frame's centre, tilted and turned, no lens."""
    config = dataclasses.replace(GEOMETRY_OFF, centre_p=1.0, barrel=fixed_barrel(0.0))
    geo = geometry.sample_card_geometry(tf.constant(seed), BATCH, SIZE, _TEXTURE, config)
    return {**geo, "barrel": tf.zeros([BATCH]), "drawn": tf.ones([BATCH], tf.bool)}


def _spread(geo, scene: SceneConfig, seed) -> tuple[dict, neighbors.Neighbors]:
    spread = spreads.sample_spreads(tf.constant([seed, 1]), geo, *_TEXTURE, SIZE, scene)
    slots = neighbors.sample_neighbors(tf.constant([seed, 2]), geo, _TEXTURE, SIZE, scene, spread=spread)
    return spread, slots


def _moves(slots: neighbors.Neighbors) -> tuple[np.ndarray, np.ndarray]:
    """Each slot's move in the labelled card's plane: (centre offsets [S, B, 2] texels, turns [S, B] radians)."""
    width, height = _TEXTURE
    centre = np.array([width / 2, height / 2, 1.0])
    to_labelled = np.linalg.inv(slots.to_neighbor.numpy().astype(np.float64))             # [S, B, 3, 3]
    offsets = (to_labelled @ centre)[..., :2] - centre[:2]
    return offsets, np.arctan2(to_labelled[..., 1, 0], to_labelled[..., 0, 0])


def test_the_slots_fill_the_grids_cells_a_pitch_apart_each_turned_within_the_bound():
    spread, slots = _spread(_tilted_card((1, 2)), _SCENE, 3)
    width, height = _TEXTURE
    offsets, turns = _moves(slots)
    present = slots.present.numpy()                                                      # [S, B]
    gap, grid, at = spread["gap"].numpy(), spread["grid"].numpy(), spread["at"].numpy()
    low, high = _SCENE.spread.low * width, _SCENE.spread.high * width
    assert (gap >= low - 1e-4).all() and (gap <= high + 1e-4).all()
    pitch = np.stack([width + gap, height + gap], -1)                                    # [B, 2]
    cells = np.round(offsets / pitch)                                                     # [S, B, 2]
    slack = gap - spreads.CLEAR * width                                                   # [B]: what cards move in
    assert (np.abs(offsets - cells * pitch) <= spreads.SHIFT * slack[:, None] + 1e-3).all()
    most = np.minimum(np.radians(spreads.MAX_TURN_DEG), 0.35 * slack / (height / 2))
    assert (np.abs(turns) <= most + 1e-5).all() and np.abs(turns).max() > np.radians(2.0)
    for b in range(BATCH):
        taken = cells[present[:, b], b] + at[b]                                          # grid cells, (column, row)
        assert ((taken >= 0) & (taken < grid[b])).all() and (at[b] >= 0).all() and (at[b] < grid[b]).all()
        assert len({tuple(cell) for cell in taken}) == len(taken)                       # one card a cell
        assert present[:, b].sum() <= grid[b].prod() - 1
    assert set(grid[:, 0]) == set(range(spreads.COLUMNS[0], spreads.COLUMNS[1] + 1))
    assert set(grid[:, 1]) == set(range(spreads.ROWS[0], spreads.ROWS[1] + 1))
    assert present.shape[0] == spreads.CELLS - 1                    # the neighbour slots, then the tiled ones
    assert (present.sum(0) == grid.prod(-1) - 1).mean() > 0.5                          # every cell holds a card


def test_every_card_of_a_spread_in_the_frame_is_whole_and_counted():
    """A small card at the frame's centre: every other cell is farther out, so every cell of the grid holds a
    card, and in every spread that lies in the frame each card is whole."""
    geo = _centred_card(0.15)
    spread, slots = _spread(geo, _SCENE, 5)
    corners = homography.apply_homography(geo["homography"], geometry.texture_corners(*_TEXTURE, BATCH))
    labels = whole_cards.card_labels(geo, corners, slots, None, None, _TEXTURE, SIZE, _SCENE.neighbor_slots)
    present, grid = slots.present.numpy(), spread["grid"].numpy()
    np.testing.assert_array_equal(present.sum(0), grid.prod(-1) - 1)
    cards = labels["cards"].numpy()                                                      # [B, K, 4, 2]
    in_frame = ((cards >= 0) & (cards <= SIZE)).all((1, 2, 3))                           # [B]: empty slots hold 0s
    whole = labels["card_whole"].numpy()
    np.testing.assert_array_equal(whole.sum(1)[in_frame], 1 + present.sum(0)[in_frame])
    assert in_frame.mean() > 0.6 and (whole.sum(1)[in_frame] > 1 + _SCENE.neighbor_slots).sum() > 10   # tiled too


def test_cards_of_a_spread_lie_clear_of_each_other_even_sleeved():
    """Each card's bounds (its sleeve's, where sleeved) stay within 45% of the gap's slack of its cell, a
    sleeved card's: two cards lie farther apart than a whole card's corner disc reaches (`whole_cards`)."""
    assert spreads.CLEAR > whole_cards.CORNER_DISC
    scene = dataclasses.replace(_SCENE, sleeve=Effect(0.5, 0.6, 2.0))
    spread, slots = _spread(_tilted_card((4, 4)), scene, 7)
    width, height = _TEXTURE
    margin, top, gap = slots.sleeve["margin"].numpy(), slots.sleeve["top"].numpy(), spread["gap"].numpy()
    low = np.stack([-margin, -margin - top], -1)                                        # [B, 2] a sleeved card's
    high = np.stack([width + margin, height + margin], -1)                              # bounds, unmoved
    pitch = high - low + gap[:, None]
    extent = slots.extent(width, height).numpy()                                        # [S, B, 4]
    to_labelled = np.linalg.inv(slots.to_neighbor.numpy().astype(np.float64))
    offsets, _ = _moves(slots)
    reached = 0.0
    for s, b in zip(*np.nonzero(slots.present.numpy())):
        u0, v0, u1, v1 = extent[s, b]
        bounds = np.array([[u0, v0, 1], [u1, v0, 1], [u1, v1, 1], [u0, v1, 1]]) @ to_labelled[s, b].T
        cell = np.round(offsets[s, b] / pitch[b]) * pitch[b]
        out = np.maximum(low[b] + cell - bounds[:, :2], bounds[:, :2] - high[b] - cell).max()   # texels out
        slack = gap[b] - spreads.CLEAR * width
        assert out <= 0.45 * slack + 1e-3
        assert gap[b] - 2 * out > whole_cards.CORNER_DISC * width
        reached = max(reached, out / slack)
    assert reached > 0.25 and slots.sleeve["present"].numpy().any()


def test_a_page_or_a_pile_wins_over_a_spread_and_an_undrawn_card_has_none():
    scene = dataclasses.replace(_SCENE, spread=Effect(0.6, 0.02, 0.12), binder=Effect(0.3, 0.06, 0.15),
                                fan=Effect(0.3, 6.0, 15.0))
    batch = 4000
    drawn = tf.constant(np.arange(batch) % 4 > 0)
    geo = {"homography": tf.tile(_centred_card(0.2)["homography"][:1], [batch, 1, 1]), "drawn": drawn}
    page = binder.sample_binder(tf.constant([1, 1]), batch, _TEXTURE[0], scene)
    pile = piles.sample_piles(tf.constant([2, 2]), drawn, *_TEXTURE, scene, page)
    spread = spreads.sample_spreads(tf.constant([3, 3]), geo, *_TEXTURE, SIZE, scene, page, pile)
    present, free = spread["present"].numpy(), drawn.numpy() & ~page["present"].numpy() & ~pile["present"].numpy()
    assert not (present & ~free).any()
    assert abs(present[free].mean() - 0.6) < 0.04


def test_a_spread_at_p_zero_draws_the_recipe_without_it():
    """The layer in the graph at p = 0 (a tensor, as the curriculum's difficulty 0 makes it) draws what the recipe
    without it draws, bit for bit: it takes no other layer's random numbers. At p = 1 the same seed differs."""
    base = small_config(size=64)
    off = dataclasses.replace(base, scene=dataclasses.replace(base.scene, spread=Effect(0.0, 0.02, 0.12)))
    zero = dataclasses.replace(base, scene=dataclasses.replace(base.scene,
                                                               spread=Effect(tf.constant(0.0), 0.02, 0.12)))
    every = dataclasses.replace(base, scene=dataclasses.replace(base.scene, spread=Effect(1.0, 0.02, 0.12),
                                                                empty_p=0.0, binder=Effect(0.0, 0.06, 0.15),
                                                                fan=Effect(0.0, 6.0, 15.0),
                                                                stack=Effect(0.0, 0.01, 0.05)))
    without, spread = assert_a_new_layer_off_changes_nothing(base, off, zero, every)
    assert not np.array_equal(spread["cards"], without["cards"])


def test_the_labelled_card_stays_the_whole_card_nearest_the_centre_and_holes_are_rare():
    """The default framing (lens, letterbox, tilt, cards anywhere, empty frames) with every drawn card in a
    spread: where the labelled card is whole, it is the primary card, and whole neighbours are there too.
    Cells the contract empties (a card nearer the centre as drawn) are few."""
    batch = 512
    scene = dataclasses.replace(_SCENE, empty_p=0.1)
    geo_config = GeometryConfig()
    seed = tf.constant([9, 9])
    geo = geometry.sample_card_geometry(seeds.child(seed, "geometry"), batch, SIZE, _TEXTURE, geo_config)
    geo["barrel"] = lens.sample_distortion(seeds.child(seed, "lens"), batch, geo_config.barrel)
    geo = presence.sample_presence(seeds.child(seed, "presence"), geo, SIZE, _TEXTURE, scene)
    corners = lens.image_points(geo["barrel"], geo["corners"], SIZE)
    spread = spreads.sample_spreads(seeds.child(seed, "spreads"), geo, *_TEXTURE, SIZE, scene)
    slots = neighbors.sample_neighbors(seeds.child(seed, "neighbors"), geo, _TEXTURE, SIZE, scene, spread=spread)
    labels = whole_cards.card_labels(geo, corners, slots, None, None, _TEXTURE, SIZE, scene.neighbor_slots)
    whole, primary = labels["card_whole"].numpy(), labels["primary"].numpy()
    assert (primary[whole[:, 0]] == 0).all()
    assert whole[:, 1:].sum() > 200
    # Holes: slots the grid fills that the contract dropped, where the labelled card is whole.
    filled = spread["filled"].numpy().T & spread["present"].numpy()                      # [S, B]
    holes = filled & ~slots.present.numpy() & whole[:, 0]
    assert holes.sum() < 0.03 * filled[:, whole[:, 0]].sum(), (holes.sum(), filled[:, whole[:, 0]].sum())


def test_a_deck_lays_out_tens_of_small_cards_around_a_small_card_near_the_centre():
    """Every image a deck (`SceneConfig.deck`): the labelled card small (its larger extent in the deck's range)
    and near the frame's centre, the grid 3-6 rows by 4-8 columns, every cell holding a card (most of them tiled
    slots), tens of them whole; the labelled card stays the primary card."""
    batch, deck = 256, Effect(1.0, 0.1, 0.2)
    scene = dataclasses.replace(_SCENE, deck=deck, spread=dataclasses.replace(_SCENE.spread, p=0.0))
    seed = tf.constant([4, 2])
    small = (tf.ones([batch], tf.bool), (deck.low, deck.high))
    geo = geometry.sample_card_geometry(seeds.child(seed, "geometry"), batch, SIZE, _TEXTURE, GEOMETRY_OFF, small)
    geo = {**geo, "barrel": tf.zeros([batch]), "drawn": tf.ones([batch], tf.bool)}
    corners = geo["corners"].numpy()
    extent = (corners.max(1) - corners.min(1)).max(-1) / SIZE                           # [B] frame sides
    assert (extent > deck.low - 0.02).all() and (extent < deck.high + 0.02).all()
    centre = (corners.max(1) + corners.min(1)) / 2 / SIZE - 0.5
    assert (np.abs(centre) <= 0.15 * extent[:, None] + 1e-4).all()                     # `geometry._SMALL_JITTER`
    spread = spreads.sample_spreads(seeds.child(seed, "spreads"), geo, *_TEXTURE, SIZE, scene,
                                    deck=small[0])
    slots = neighbors.sample_neighbors(seeds.child(seed, "neighbors"), geo, _TEXTURE, SIZE, scene, spread=spread)
    labels = whole_cards.card_labels(geo, geo["corners"], slots, None, None, _TEXTURE, SIZE, scene.neighbor_slots)
    grid, present = spread["grid"].numpy(), slots.present.numpy()                       # [B, 2], [K - 1, B]
    assert set(grid[:, 0]) == set(range(spreads.DECK_COLUMNS[0], spreads.DECK_COLUMNS[1] + 1))
    assert set(grid[:, 1]) == set(range(spreads.DECK_ROWS[0], spreads.DECK_ROWS[1] + 1))
    assert slots.tiled == spreads.tiled_slots(scene.neighbor_slots) > 30
    filled = spread["filled"].numpy().T                                                 # [K - 1, B]
    assert (present <= filled).all() and (present.sum(0) >= 0.97 * (grid.prod(-1) - 1)).mean() > 0.9
    whole, primary = labels["card_whole"].numpy(), labels["primary"].numpy()
    assert (primary[whole[:, 0]] == 0).all() and whole[:, 0].mean() > 0.9
    assert np.median(whole.sum(1)) >= 12 and (whole.sum(1) >= 30).sum() > 10
    assert whole[:, 1 + scene.neighbor_slots:].sum() > whole[:, 1:1 + scene.neighbor_slots].sum()


def test_a_deck_at_p_zero_draws_the_recipe_without_it():
    """As for spreads: the deck's layer at p = 0 as a tensor draws the recipe without it, bit for bit; at p = 1
    the same seed lays out many more cards."""
    base = small_config(size=64)
    off = dataclasses.replace(base, scene=dataclasses.replace(base.scene, deck=Effect(0.0, 0.1, 0.2)))
    zero = dataclasses.replace(base, scene=dataclasses.replace(base.scene, deck=Effect(tf.constant(0.0), 0.1, 0.2)))
    every = dataclasses.replace(base, scene=dataclasses.replace(base.scene, deck=Effect(1.0, 0.1, 0.2), empty_p=0.0,
                                                                binder=Effect(0.0, 0.06, 0.15),
                                                                fan=Effect(0.0, 6.0, 15.0),
                                                                stack=Effect(0.0, 0.01, 0.05)))
    without, deck = assert_a_new_layer_off_changes_nothing(base, off, zero, every)
    assert deck["card_whole"].numpy().sum() > 2 * without["card_whole"].numpy().sum()
