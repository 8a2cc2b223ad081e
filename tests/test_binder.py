"""Binder pages: the neighbours fill the page's pockets (3 x 3 or 2 x 2), every filled pocket's card is whole when
the page is in the frame, and the page's backing and film lie where its pockets are."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from augment_tf import composite, geometry, homography, lens, synthesize
from augment_tf.config import Effect, SynthesisConfig
from augment_tf.scene import binder, neighbors, whole_cards

from synthesis_helpers import GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, flat_card, grown_mask, textures

SIZE = 256
BATCH = 64
_SCENE = dataclasses.replace(SCENE_OFF, neighbor_slots=8, binder=Effect(1.0, 0.06, 0.15))
_CONFIG = SynthesisConfig(size=SIZE, card_height=64, geometry=GEOMETRY_OFF, scene=_SCENE, photometric=PHOTOMETRIC_OFF)


def _centred_card(scale: float = 0.2) -> dict[str, tf.Tensor]:
    """A flat-on card at the frame's centre, its height `scale` of the side: a 3 x 3 page around it fits."""
    width, height = _CONFIG.card_width, _CONFIG.card_height
    s = scale * SIZE / height
    homography = tf.constant([[s, 0.0, SIZE / 2 - s * width / 2], [0.0, s, SIZE / 2 - s * height / 2], [0, 0, 1]])
    return {"homography": tf.tile(homography[None], [BATCH, 1, 1]), "barrel": tf.zeros([BATCH]),
            "content_box": tf.tile([[0.0, 0.0, SIZE, SIZE]], [BATCH, 1]), "drawn": tf.ones([BATCH], tf.bool)}


def _page(seed) -> dict[str, tf.Tensor]:
    return binder.sample_binder(tf.constant(seed), BATCH, _CONFIG.card_width, _SCENE)


def test_neighbours_fill_the_pockets_of_the_page_and_no_other_spot(monkeypatch):
    monkeypatch.setattr(binder, "EMPTY_POCKET_P", 0.0)
    page, geo = _page([1, 2]), _centred_card()
    slots = neighbors.sample_neighbors(tf.constant([3, 4]), geo, (_CONFIG.card_width, _CONFIG.card_height), SIZE,
                                       _SCENE, page)
    low, high = page["low"].numpy(), page["high"].numpy()
    for slot, present in enumerate(slots.present.numpy()):
        direction = np.array(neighbors._DIRECTIONS[slot])
        np.testing.assert_array_equal(present, ((direction >= low) & (direction <= high)).all(-1))
    counts = slots.present.numpy().sum(0)
    assert set(counts) == {3, 8}                                        # 2 x 2 and 3 x 3 pages, both drawn
    # Each neighbour lies in its pocket, a whole pitch (card plus the page's gap) from the labelled card's pocket,
    # anywhere in the pocket's slack.
    centre = np.array([_CONFIG.card_width / 2, _CONFIG.card_height / 2, 1.0])
    gap = page["gap"].numpy()[:, None]                                                            # [B, 1]
    pitch = np.array([_CONFIG.card_width, _CONFIG.card_height]) + gap                             # [B, 2]
    for slot, to_neighbor in enumerate(slots.to_neighbor.numpy()):
        offsets = np.stack([(np.linalg.inv(m) @ centre)[:2] - centre[:2] for m in to_neighbor])    # [B, 2]
        in_pocket = offsets - (np.array(neighbors._DIRECTIONS[slot]) * pitch + page["shift"].numpy())
        assert (np.abs(in_pocket) <= binder.POCKET_SLACK * gap + 0.01 * _CONFIG.card_width).all()   # 0.5-degree turn


def test_cards_lie_anywhere_in_their_pockets_slack_clear_of_the_seams():
    """The labelled card sits off its pocket's centre as often as on it, but never on a seam: the seams' distance
    from the card's left and right edges differs by up to the slack, and both stay clear of the seam's width."""
    page = _page([4, 1])
    width, height = _CONFIG.card_width, _CONFIG.card_height
    u = tf.constant([[0.0, width]] * BATCH)                             # [B, 2] the card's left and right edges
    plane = composite.PlaneCoords(u, tf.fill([BATCH, 2], height / 2), tf.ones_like(u), tf.ones_like(u, tf.bool))
    _, to_seam = binder._pockets(page, plane, width, height)
    to_seam, gap = to_seam.numpy(), page["gap"].numpy()
    assert (to_seam > page["seam_width"].numpy()[:, None]).all()
    lopsided = np.abs(to_seam[:, 0] - to_seam[:, 1]) / gap             # 0 for a centred card
    assert lopsided.max() <= 2 * binder.POCKET_SLACK + 1e-4
    assert (lopsided > binder.POCKET_SLACK).mean() > 0.3


@pytest.mark.parametrize("bend", [0.0, 0.03], ids=["flat", "curved"])
def test_every_filled_pocket_of_a_page_in_the_frame_holds_a_whole_card(monkeypatch, bend):
    """A page's curve (`lens.sample_page_curve`) moves every card's labels with it: still every pocket's card."""
    monkeypatch.setattr(binder, "EMPTY_POCKET_P", 0.25)
    page, geo = _page([5, 6]), _centred_card()
    texture_size = (_CONFIG.card_width, _CONFIG.card_height)
    corners = homography.apply_homography(geo["homography"], geometry.texture_corners(*texture_size, BATCH))
    if bend:
        geo["page_curve"] = lens.sample_page_curve(tf.constant([9, 9]), corners, page["present"],
                                                   Effect(1.0, bend, bend))
        corners = lens.image_points(geo["barrel"], corners, SIZE, geo["page_curve"])
    slots = neighbors.sample_neighbors(tf.constant([7, 8]), geo, texture_size, SIZE, _SCENE, page)
    labels = whole_cards.card_labels(geo, corners, slots, None, None, texture_size, SIZE, _SCENE.neighbor_slots)
    whole = labels["card_whole"].numpy()
    np.testing.assert_array_equal(whole.sum(1), 1 + slots.present.numpy().sum(0))
    assert (whole.sum(1) < 4).any() and (whole.sum(1) == 9).any()      # empty pockets, and full 3 x 3 pages


def test_the_backing_lies_under_the_pockets_and_the_film_is_brightest_at_the_seams():
    page = {**_page([2, 9]), "sheen": tf.zeros([BATCH])}                # no glare: the seams alone
    width, height = _CONFIG.card_width, _CONFIG.card_height
    gap = page["gap"].numpy()
    # Texel points of the labelled card's plane: its centre, the seam right of it, and far off the page.
    seam = width + gap / 2 + page["shift"].numpy()[:, 0]
    u = tf.constant(np.stack([np.full(BATCH, width / 2), seam, np.full(BATCH, 10.0 * width)], 1),
                    tf.float32)                                         # [B, 3]
    v = tf.fill([BATCH, 3], height / 2)
    plane = composite.PlaneCoords(u, v, tf.ones_like(u), tf.ones_like(u, tf.bool))
    backing = binder.render_backing(page, plane, width, height).numpy()[..., 3]
    film = binder.render_film(page, plane, width, height).numpy()[..., 3]
    present = page["present"].numpy()
    np.testing.assert_array_equal(backing[:, :2], np.where(present[:, None], 1.0, 0.0).repeat(2, 1))
    np.testing.assert_array_equal(backing[:, 2], 0.0)
    np.testing.assert_array_equal(film[:, 2], 0.0)
    assert (film[present, 1] > film[present, 0] + 0.1).all()          # the seam, over the haze alone


@pytest.mark.parametrize("treatment", ["wear", "foil", "sleeve"])
def test_neighbours_take_each_card_treatment(treatment):
    """A page of dark cards drawn with and without the treatment: the neighbours' faces change too, not just the
    labelled card's."""
    scene = dataclasses.replace(_SCENE, **{treatment: dataclasses.replace(getattr(_SCENE, treatment), p=1.0)})
    config = dataclasses.replace(_CONFIG, geometry=dataclasses.replace(GEOMETRY_OFF, centre_p=1.0, scale=(0.2, 0.25)))
    cards = [flat_card((30 + 10 * i, 30, 40), height=config.card_height, width=config.card_width) for i in range(4)]
    inputs = textures(config, cards, background_rgb=(120, 120, 120))
    plain = synthesize.synthesize(*inputs, tf.constant([3, 3]), config)
    treated = synthesize.synthesize(*inputs, tf.constant([3, 3]), dataclasses.replace(config, scene=scene))
    changed = np.abs(treated["image"].numpy() - plain["image"].numpy()).max(-1) > 0.02      # [B, H, W]
    cards, whole = plain["cards"].numpy(), plain["card_whole"].numpy()
    neighbour_faces = np.any([_face_mask(cards[:, k]) & whole[:, k, None, None] for k in range(1, 9)], axis=0)
    neighbour_faces &= ~grown_mask(_face_mask(cards[:, 0]), 6)              # away from the labelled card and its sleeve
    assert neighbour_faces.sum() > 5000
    assert changed[neighbour_faces].mean() > (0.01 if treatment == "wear" else 0.3)


def _face_mask(corners: np.ndarray) -> np.ndarray:
    """[B, SIZE, SIZE] bool: pixels whose centres lie inside each image's quad [B, 4, 2] (convex, any winding)."""
    y, x = np.mgrid[:SIZE, :SIZE] + 0.5
    inside = []
    for quad in corners:
        signs = [np.sign((b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]))
                 for a, b in zip(quad, np.roll(quad, -1, axis=0))]
        inside.append((np.abs(np.sum(signs, axis=0)) == 4) & quad.any())
    return np.array(inside)

