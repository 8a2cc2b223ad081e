"""Fans and stacks (`scene.piles`): the neighbours lie under the labelled card, a fan's turning a step further each
about one pivot; only the top card is whole; a pile at p = 0 changes nothing; a covered card's strip shows its face."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from augment_tf import geometry, synthesize
from augment_tf.config import Effect, SceneConfig, SynthesisConfig
from augment_tf.scene import binder, neighbors, piles, whole_cards

from synthesis_helpers import (GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, assert_a_new_layer_off_changes_nothing,
                               fixed_barrel, grown_mask, flat_card, small_config, textures)

SIZE = 128
BATCH = 64
_FAN = dataclasses.replace(SCENE_OFF, neighbor_slots=8, fan=Effect(1.0, 6.0, 15.0))
_STACK = dataclasses.replace(SCENE_OFF, neighbor_slots=8, stack=Effect(1.0, 0.01, 0.05))
_GEOMETRY = dataclasses.replace(GEOMETRY_OFF, centre_p=1.0, barrel=fixed_barrel(0.0))
_CONFIG = SynthesisConfig(size=SIZE, card_height=64, geometry=_GEOMETRY, scene=_FAN, photometric=PHOTOMETRIC_OFF)
_TEXTURE = (_CONFIG.card_width, _CONFIG.card_height)


def _geometry(seed) -> dict[str, tf.Tensor]:
    """The labelled card as `synthesize` places it, near the frame's centre, tilted and turned, through no lens."""
    geo = geometry.sample_card_geometry(tf.constant(seed), BATCH, SIZE, _TEXTURE, _GEOMETRY)
    return {**geo, "barrel": tf.zeros([BATCH]), "drawn": tf.ones([BATCH], tf.bool)}


def _piled(scene: SceneConfig, seed) -> tuple[dict, dict, neighbors.Neighbors]:
    """(geometry, pile, neighbour slots) of a batch whose every image is a pile of `scene`'s kind."""
    geo = _geometry(seed)
    pile = piles.sample_piles(tf.constant([seed[0], 7]), geo["drawn"], *_TEXTURE, scene)
    slots = neighbors.sample_neighbors(tf.constant([seed[1], 9]), geo, _TEXTURE, SIZE, scene, pile=pile)
    return geo, pile, slots


def test_a_fans_slots_turn_a_step_further_each_about_one_pivot_near_the_bottom_edge():
    _, _, slots = _piled(_FAN, (1, 2))
    width, height = _TEXTURE
    steps = []
    count = slots.present.numpy().sum(0)                                     # [B]
    assert set(count) == set(range(1, 6))                                   # 2 to 6 cards, the labelled one too
    for b in range(BATCH):
        angles, pivots = [], []
        for to_neighbor in slots.to_neighbor.numpy()[:count[b], b].astype(np.float64):
            to_labelled = np.linalg.inv(to_neighbor)                        # slot texels -> labelled card's
            turn, shift = to_labelled[:2, :2], to_labelled[:2, 2]
            angles.append(np.arctan2(turn[1, 0], turn[0, 0]))
            pivots.append(np.linalg.solve(np.eye(2) - turn, shift))         # the point the slot turns about
        step = angles[0]
        steps.append(step)
        assert np.radians(6.0) - 1e-5 <= abs(step) <= np.radians(15.0) + 1e-5
        np.testing.assert_allclose(angles, step * np.arange(1, count[b] + 1), atol=1e-4)
        np.testing.assert_allclose(pivots, np.tile(pivots[0], [count[b], 1]), atol=0.05)
        assert 0.2 * width - 0.05 <= pivots[0][0] <= 0.8 * width + 0.05
        assert 0.85 * height - 0.05 <= pivots[0][1] <= height + 0.05
    assert np.min(steps) < 0 < np.max(steps)                                # both ways round


@pytest.mark.parametrize("scene", [_FAN, _STACK], ids=["fan", "stack"])
def test_only_the_top_card_of_a_pile_is_whole_and_every_slot_it_counts_is_drawn(scene):
    geo, pile, slots = _piled(scene, (3, 4))
    labels = whole_cards.card_labels(geo, geo["corners"], slots, None, None, _TEXTURE, SIZE, scene.neighbor_slots)
    present, count = slots.present.numpy(), pile["count"].numpy()           # [S, B], [B]
    np.testing.assert_array_equal(present, np.arange(scene.neighbor_slots)[:, None] < count)
    low, high = (piles.FAN_CARDS if scene is _FAN else piles.STACK_CARDS)
    assert set(count + 1) == set(range(low, high + 1))
    whole, hidden = labels["card_whole"].numpy(), labels["card_hidden"].numpy()
    assert whole[:, 0].all() and not whole[:, 1:].any()
    covered = hidden[:, 1:1 + scene.neighbor_slots][present.T]                # the share of each card under another
    assert covered.min() > 0.75


def test_a_page_wins_over_a_pile_and_an_undrawn_card_tops_none():
    scene = dataclasses.replace(_FAN, binder=Effect(0.5, 0.06, 0.15))
    page = binder.sample_binder(tf.constant([1, 1]), BATCH, _TEXTURE[0], scene)
    drawn = tf.constant(np.arange(BATCH) % 3 > 0)
    pile = piles.sample_piles(tf.constant([2, 2]), drawn, *_TEXTURE, scene, page)
    expected = ~page["present"].numpy() & drawn.numpy()
    np.testing.assert_array_equal(pile["present"], expected)
    assert expected.any() and pile["fan"].numpy().all()


def test_fans_and_stacks_are_drawn_exclusively_at_their_shares():
    scene = dataclasses.replace(SCENE_OFF, neighbor_slots=4, fan=Effect(0.3, 6.0, 15.0), stack=Effect(0.2, 0.01, 0.05))
    pile = piles.sample_piles(tf.constant([5, 5]), tf.ones([4000], tf.bool), *_TEXTURE, scene)
    fan, present = pile["fan"].numpy(), pile["present"].numpy()
    assert abs(fan.mean() - 0.3) < 0.03 and abs((present & ~fan).mean() - 0.2) < 0.03
    with pytest.raises(ValueError, match="fan.p \\+ stack.p"):
        dataclasses.replace(scene, stack=Effect(0.8, 0.01, 0.05))


def test_a_pile_at_p_zero_draws_the_recipe_without_it():
    """The layer in the graph at p = 0 (a tensor, as the curriculum's difficulty 0 makes it) draws what the recipe
    without it draws: it takes no other layer's random numbers. (Its slots' edge test is arithmetic of another
    form, so a pixel on a neighbour's edge could round the other way; none does here.) At p = 1 the same seed
    differs."""
    base = small_config(size=64)
    off = dataclasses.replace(base, scene=dataclasses.replace(base.scene, fan=Effect(0.0, 6.0, 15.0),
                                                              stack=Effect(0.0, 0.01, 0.05)))
    zero = dataclasses.replace(base, scene=dataclasses.replace(off.scene, fan=Effect(tf.constant(0.0), 6.0, 15.0),
                                                               stack=Effect(tf.constant(0.0), 0.01, 0.05)))
    every = dataclasses.replace(base, scene=dataclasses.replace(off.scene, fan=Effect(1.0, 6.0, 15.0), empty_p=0.0,
                                                                binder=Effect(0.0, 0.06, 0.15)))
    without, fanned = assert_a_new_layer_off_changes_nothing(base, off, zero, every)
    assert not np.array_equal(fanned["card_hidden"], without["card_hidden"])


@pytest.mark.slow            # traces the synthesis twice: ~20 s on 2 cores
def test_a_recipe_without_piles_leaves_them_out_of_the_graph():
    def scopes(scene):
        config = dataclasses.replace(_CONFIG, scene=scene)
        inputs = textures(config, [flat_card((90, 90, 90), height=config.card_height, width=config.card_width)] * 2)
        graph = synthesize.compile_synthesis(config, jit_compile=False).get_concrete_function(
            *inputs, tf.constant([0, 0])).graph
        return {op.name.split("/")[0] for op in graph.get_operations()}

    assert {"piles", "neighbors"} <= scopes(dataclasses.replace(SCENE_OFF, stack=Effect(0.05, 0.01, 0.05)))
    assert "piles" not in scopes(dataclasses.replace(SCENE_OFF, neighbor=Effect(0.5, 0.0, 0.1)))


def test_a_covered_cards_strip_shows_its_own_face():
    """Flat cards of eight colours in fans: every pixel of a covered card's visible strip (on it, off every card
    above it) shows that card's colour, not the background's or another card's."""
    colours = np.array([(40 + 25 * i, 220 - 25 * i, 40 + 20 * (i % 3)) for i in range(8)])
    config = dataclasses.replace(_CONFIG, geometry=dataclasses.replace(_GEOMETRY, centre_p=0.0, scale=(0.55, 0.65)))
    cards = [flat_card(c, height=config.card_height, width=config.card_width) for c in colours]
    inputs = textures(config, cards, background_rgb=(120, 120, 120))
    out = synthesize.synthesize(*inputs, tf.constant([6, 2]), config)
    image, quads = out["image"].numpy() * 255, out["cards"].numpy()          # [B, S, S, 3], [B, K, 4, 2]
    shown = 0
    for b in range(len(cards)):
        faces = [_face_mask(quad) for quad in quads[b]]                      # [K] of [SIZE, SIZE]
        for k in range(1, len(faces)):
            if not quads[b, k].any():
                continue                                                     # an empty slot
            strip = _shrunk(faces[k]) & ~grown_mask(np.any(faces[:k], axis=0), 1)   # 1 px clear of any edge
            colour = colours[(b + k) % len(cards)]                           # slot k - 1 shows card b + k
            np.testing.assert_allclose(image[b][strip], np.broadcast_to(colour, image[b][strip].shape), atol=3)
            shown += strip.sum()
    assert shown > 2000


def _face_mask(quad: np.ndarray) -> np.ndarray:
    """[SIZE, SIZE] bool: pixels whose centres lie inside the convex quad [4, 2] (any winding)."""
    y, x = np.mgrid[:SIZE, :SIZE] + 0.5
    signs = [np.sign((b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]))
             for a, b in zip(quad, np.roll(quad, -1, 0))]
    return np.abs(np.sum(signs, axis=0)) == 4



def _shrunk(mask: np.ndarray, pixels: int = 1) -> np.ndarray:
    """`mask` [H, W] shrunk by `pixels` in each direction (the frame's edge counts as outside)."""
    padded = np.pad(mask, pixels)
    return ~grown_mask(~padded, pixels)[pixels:-pixels, pixels:-pixels]
