"""Every card's labels: where each whole card's corners are (a dot warped onto it lands within 0.1 px), and
which cards are whole (against the rendered pixels: the share of each face that shows its own colour)."""

import dataclasses
import doctest

import numpy as np
import pytest
import tensorflow as tf

from augment_tf import synthesize
from augment_tf.config import Effect, SynthesisConfig
from augment_tf.scene import spreads, whole_cards
from augment_tf.scene.neighbors import Neighbors

from synthesis_helpers import (GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, CardView, centroid, dotted_card,
                               fixed_barrel, flat_card, pixel_centres, textures)

SIZE = 256
# The hidden share is counted on a 14 x 20 grid of points across the face (`whole_cards._FACE_GRID`): a
# sliver along an edge can slip between two of its columns.
_GRID_TOLERANCE = 0.07


def test_docstring_examples_run():
    assert doctest.testmod(whole_cards).failed == 0


_TILTED = Effect(1.0, 10.0, 40.0)       # every loose or grid neighbour in a plane of its own (`scene.planes`)


_DECK = Effect(1.0, 0.22, 0.26)         # every image a deck laid out, its cards magnified at 512 px


@pytest.mark.parametrize("barrel, tilt, gap, deck", [(0.0, None, (0.06, 0.15), None), (0.05, None, (0.06, 0.15), None),
                                                     (0.05, _TILTED, (0.4, 0.6), None), (0.05, None, None, _DECK)],
                         ids=["pinhole", "lens", "tilted", "deck"])
def test_each_dot_of_every_whole_card_is_drawn_where_its_labels_put_it(barrel, tilt, gap, deck):
    """Grid neighbours with a gap never overlap, so every whole card shows all its dots (a tilted card, lifted
    and magnified, needs a wider gap); nor do a deck's cards, most of them tiled slots. The dots are magnified
    (0.5 texels a pixel), as in `test_dot_warp`'s magnified cases."""
    geometry = dataclasses.replace(GEOMETRY_OFF, scale=(0.24, 0.28), max_tilt_deg=10.0 if deck else 25.0,
                                   barrel=fixed_barrel(barrel))          # a deck spans the frame: less foreshortened
    scene = dataclasses.replace(SCENE_OFF, neighbor_slots=8, neighbor=Effect(0.0 if deck else 1.0, *(gap or (0, 0))),
                                loose_neighbor_p=0.0, tilt=tilt or SCENE_OFF.tilt, deck=deck or SCENE_OFF.deck)
    size = 2 * SIZE
    config = SynthesisConfig(size=size, card_height=64, geometry=geometry, scene=scene, photometric=PHOTOMETRIC_OFF)
    width, height = config.card_width, config.card_height
    card, dots = dotted_card(width, height, 2)
    out = synthesize.synthesize(*textures(config, [card] * 6, background_rgb=(0, 0, 0)), tf.constant([5, 6]), config)
    checked = 0
    for image, cards, whole, hidden in zip(out["image"].numpy(), out["cards"].numpy(), out["card_whole"].numpy(),
                                           out["card_hidden"].numpy()):
        intensity = image.mean(-1)
        for corners in cards[whole]:
            view = CardView.from_corners(corners, (width, height), size, barrel)
            assert view.texels_per_pixel(dots).max() < 1.0
            texels = view.to_texels(pixel_centres(size))
            near = [np.abs(texels - centre).max(-1) <= 3.0 for centre in dots]
            error = np.linalg.norm(np.array([centroid(intensity, pixels) for pixels in near])
                                   - view.to_pixels(dots), axis=-1)
            assert error.max() < 0.1, error.round(3)
            checked += 1
        assert (hidden[whole] == 0).all()
    assert checked >= 12 and (out["card_whole"].numpy()[:, 1:].sum() >= 6)   # neighbours are checked, not just one
    if deck:
        assert out["card_whole"].numpy()[:, 1 + scene.neighbor_slots:].sum() >= 10      # tiled slots among them


def _flat_scene(seed, occluder_p: float, tilt: Effect | None = None,
                deck: Effect | None = None) -> tuple[SynthesisConfig, dict, np.ndarray]:
    """Cards of distinct flat colours, overlapping loose and grid neighbours (tilted ones with `tilt`), or every
    image a deck laid out (`deck`, at 2 x `SIZE`), maybe an occluder.

    Returns:
      (config, the synthesis's output, colours [B, 3] in 0..1 of the B textures).
    """
    geometry = dataclasses.replace(GEOMETRY_OFF, scale=(0.3, 0.45), max_tilt_deg=30.0)
    scene = dataclasses.replace(SCENE_OFF, neighbor_slots=8, neighbor=Effect(0.0 if deck else 1.0, -0.2, 0.1),
                                loose_neighbor_p=0.5, occluder=Effect(occluder_p, 0.2, 0.35),
                                tilt=tilt or SCENE_OFF.tilt, deck=deck or SCENE_OFF.deck)
    config = SynthesisConfig(size=SIZE * (2 if deck else 1), card_height=128, geometry=geometry, scene=scene,
                             photometric=PHOTOMETRIC_OFF)
    colours = np.random.default_rng(seed).integers(40, 255, (24, 3)).astype(np.uint8)
    cards = [flat_card(colour, height=config.card_height, width=config.card_width) for colour in colours]
    out = synthesize.synthesize(*textures(config, cards, background_rgb=(0, 0, 0)), tf.constant([seed, 1]), config)
    return config, out, colours / 255.0


def _matches(read: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """[N] bool: which [N, 3] pixels show `colour`, maybe darkened (an occluder's shadow darkens, not hides; a
    brighter shade is something else, such as a skin-toned finger over a brown card)."""
    shade = read @ colour / max(colour @ colour, 1e-9)
    return (shade > 0.4) & (shade < 1.02) & (np.abs(read - shade[:, None] * colour) < 0.02).all(-1)


def _face_shown(image: np.ndarray, corners: np.ndarray, colour: np.ndarray, palette: np.ndarray,
                config: SynthesisConfig) -> tuple[int, float]:
    """(pixels the face spans, share of the face showing the card's own colour).

    The share is of the face, not of its pixels (perspective shrinks the far end): the photo is read at
    a grid of texels three times as fine as `whole_cards`' own, over the same span. Another card, the
    occluder or a blend of them hides a read; the table's black inside a face shows only in the dark
    pixel-wide outline a card drawn over another leaves (its anti-aliasing ring), and is left out.
    """
    width, height, size = config.card_width, config.card_height, config.size
    view = CardView.from_corners(corners, (width, height), size)
    columns, rows = whole_cards._FACE_GRID                      # the same span as the code's grid, 3x as fine
    u, v = np.meshgrid(np.linspace(0.5 / columns, 1 - 0.5 / columns, 3 * columns + 1) * width,
                       np.linspace(0.5 / rows, 1 - 0.5 / rows, 3 * rows + 1) * height)
    pixels = np.floor(view.to_pixels(np.stack([u.ravel(), v.ravel()], -1))).astype(int)
    read = image[np.clip(pixels[:, 1], 0, size - 1), np.clip(pixels[:, 0], 0, size - 1)]      # [N, 3]
    own = _matches(read, colour)
    ring = read.max(-1) < 0.1                                   # the table's black, in the ring: left out
    other = ~own & (np.any([_matches(read, c) for c in palette], axis=0) | ~ring)
    spans = view.to_texels(pixel_centres(size))
    return int(((spans >= 0) & (spans <= [width, height])).all(-1).sum()), own.sum() / max(own.sum() + other.sum(), 1)


@pytest.mark.parametrize("occluder_p, tilt, deck", [(0.0, None, None), (0.6, None, None),
                                                    (0.0, Effect(0.5, 10.0, 40.0), None),
                                                    (0.6, None, Effect(1.0, 0.1, 0.2))],
                         ids=["cards", "cards and occluders", "tilted cards", "decks and occluders"])
def test_whole_flags_agree_with_the_pixels_each_card_shows(occluder_p, tilt, deck):
    config, out, colours = _flat_scene(3, occluder_p, tilt, deck)
    batch = len(colours)
    judged = 0
    for b in range(batch):
        image = out["image"].numpy()[b]
        shows = [(b + slot) % batch for slot in range(out["cards"].shape[1])]   # texture per card: slot k's b + k
        for k, texture_index in enumerate(shows):
            corners, whole = out["cards"].numpy()[b, k], out["card_whole"].numpy()[b, k]
            if not corners.any() or not ((corners >= 0) & (corners <= config.size)).all():
                assert not whole                                    # no card in this slot, or cut by the frame
                continue
            pixels, shown = _face_shown(image, corners, colours[texture_index], colours, config)
            if pixels < 300:
                continue                                            # too few pixels to judge a share
            hidden = out["card_hidden"].numpy()[b, k]
            np.testing.assert_allclose(1.0 - hidden, shown, atol=_GRID_TOLERANCE, err_msg=f"image {b}, card {k}")
            if whole:
                assert shown >= 1.0 - whole_cards.MAX_HIDDEN - _GRID_TOLERANCE, (b, k, shown)
            elif shown >= 1.0 - whole_cards.MAX_HIDDEN + _GRID_TOLERANCE:
                assert hidden <= whole_cards.MAX_HIDDEN, (b, k, shown, hidden)   # clearly shown: a corner's disc
            judged += 1
    assert judged > 60 and out["card_whole"].numpy()[:, 1:].any()
    if deck:
        assert judged > 300 and out["card_whole"].numpy()[:, 1 + config.scene.neighbor_slots:].sum() > 200


def test_the_primary_card_is_the_whole_card_nearest_the_centre_and_the_labelled_one_when_whole():
    config, out, _ = _flat_scene(4, 0.6)
    cards, whole, primary = out["cards"].numpy(), out["card_whole"].numpy(), out["primary"].numpy()
    centres = np.linalg.norm(cards.mean(axis=2) - SIZE / 2, axis=-1)                   # [B, K]
    for b in range(len(cards)):
        if not whole[b].any():
            assert primary[b] == -1
            continue
        assert primary[b] == np.argmin(np.where(whole[b], centres[b], np.inf))
        if whole[b, 0]:
            assert primary[b] == 0               # neighbours are whole only farther out (`neighbors.WHOLE_MARGIN`)
    np.testing.assert_array_equal(cards[:, 0], out["corners"].numpy())
    assert whole[:, 1:].any() and (primary == 0).any()


def test_an_opaque_sleeve_hides_what_lies_under_its_margin_and_a_clear_one_does_not():
    config = SynthesisConfig(size=SIZE, card_height=128, geometry=GEOMETRY_OFF, scene=SCENE_OFF,
                             photometric=PHOTOMETRIC_OFF)
    width, height = config.card_width, config.card_height
    geo = {"homography": tf.constant([[[1.0, 0.0, 60.0], [0.0, 1.0, 40.0], [0.0, 0.0, 1.0]]]),   # a flat-on card
           "barrel": tf.zeros([1]), "content_box": tf.constant([[0.0, 0.0, SIZE, SIZE]]), "drawn": tf.constant([True])}
    corners = tf.constant([[[60.0, 40.0], [60.0 + width, 40.0], [60.0 + width, 40.0 + height], [60.0, 40.0 + height]]])
    # A neighbour right of the card whose left corners lie 4 texels from it (its corner discs clear it):
    # under a 6-texel sleeve margin.
    to_neighbor = tf.constant([[[[1, 0, -(width + 4.0)], [0, 1, 0], [0, 0, 1]]]], tf.float32)
    slots = Neighbors(to_neighbor, tf.constant([[True]]), tf.constant([[0]]))
    sleeve = {"present": tf.constant([True]), "margin": tf.constant([6.0]), "top": tf.constant([0.0]),
              "radius": tf.constant([1.0]), "back_alpha": tf.constant([1.0])}
    labels = lambda sleeve: whole_cards.card_labels(geo, corners, slots, sleeve, None,  # noqa: E731
                                                    (width, height), SIZE, 1)
    assert labels(None)["card_whole"].numpy()[0, :2].tolist() == [True, True]
    assert labels(sleeve)["card_whole"].numpy()[0, :2].tolist() == [True, False]
    clear = {**sleeve, "back_alpha": tf.constant([0.2])}
    assert labels(clear)["card_whole"].numpy()[0, :2].tolist() == [True, True]


def test_a_sleeved_neighbour_hides_the_card_below_it_within_its_sleeve():
    """Slot 0 lies over slot 1, whose left corners lie 4 texels right of slot 0's card: clear of the card, but
    under a 6-texel sleeve, which is drawn as one piece with its card (`neighbors.draw_neighbors`)."""
    config = SynthesisConfig(size=SIZE, card_height=128, geometry=GEOMETRY_OFF, scene=SCENE_OFF,
                             photometric=PHOTOMETRIC_OFF)
    width, height = config.card_width, config.card_height
    geo = {"homography": tf.constant([[[1.0, 0.0, 10.0], [0.0, 1.0, 10.0], [0.0, 0.0, 1.0]]]),
           "barrel": tf.zeros([1]), "content_box": tf.constant([[0.0, 0.0, SIZE, SIZE]]), "drawn": tf.constant([False])}
    corners = tf.zeros([1, 4, 2])
    to_neighbor = tf.constant([[[[1, 0, 0], [0, 1, 0], [0, 0, 1]]],             # where the (undrawn) labelled card is
                               [[[1, 0, -(width + 4.0)], [0, 1, 0], [0, 0, 1]]]], tf.float32)
    sleeve = {"margin": tf.constant([6.0]), "top": tf.constant([0.0]), "radius": tf.constant([1.0]),
              "back_alpha": tf.constant([0.2])}

    def whole(sleeved: list[bool]) -> list[bool]:
        slots = Neighbors(to_neighbor, tf.constant([[True], [True]]), tf.constant([[0], [0]]),
                          {**sleeve, "present": tf.constant([[sleeved[0]], [sleeved[1]]])})
        labels = whole_cards.card_labels(geo, corners, slots, None, None, (width, height), SIZE, 2)
        return labels["card_whole"].numpy()[0, 1:3].tolist()

    assert whole([False, False]) == [True, True]
    assert whole([True, False]) == [True, False]              # even a clear sleeve: it is drawn with its card
    assert whole([False, True]) == [True, True]               # a card's own sleeve hides nothing of it


def test_k_holds_every_slot_of_a_recipe():
    """K holds a whole deck's grid: the labelled card, the neighbour slots and the tiled ones."""
    assert whole_cards.card_slots(8) == whole_cards.CARD_SLOTS >= 40
    assert whole_cards.card_slots(60) == 61
    for slots in (0, 8, 16, 60):
        assert 1 + slots + spreads.tiled_slots(slots) <= whole_cards.card_slots(slots)
