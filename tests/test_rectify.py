"""Rectification warps a card seen in perspective back to an upright 630 x 880 image."""

import numpy as np
from PIL import Image

from model.inference.rectify import CARD_SIZE, perspective_coefficients, rectify


def test_rectify_undoes_a_perspective_warp():
    rng = np.random.default_rng(0)
    card = np.kron(rng.integers(0, 255, (11, 8, 3)), np.ones((80, 80, 1)))[:880, :630].astype(np.uint8)  # blocks
    corners = np.array([[310, 120], [780, 180], [740, 900], [260, 820]], np.float64)   # TL, TR, BR, BL in the photo
    upright = np.array([[0, 0], [630, 0], [630, 880], [0, 880]], np.float64)
    # Paint the card into a 1000 x 1000 photo: each photo pixel reads the card through the inverse map.
    coefficients = perspective_coefficients(upright, corners)
    photo = np.asarray(Image.fromarray(card).transform((1000, 1000), Image.Transform.PERSPECTIVE,
                                                      tuple(coefficients), Image.Resampling.BILINEAR))
    straightened = rectify(photo, corners)
    assert straightened.shape == (CARD_SIZE[1], CARD_SIZE[0], 3)
    inner = (slice(20, -20), slice(20, -20))
    difference = np.abs(straightened[inner].astype(float) - card[inner].astype(float))
    assert np.median(difference) < 3 and difference.mean() < 12
    turned = rectify(photo, np.roll(corners, 1, axis=0))          # wrong order: a different, turned image
    assert np.abs(turned[inner].astype(float) - card[inner].astype(float)).mean() > 40
