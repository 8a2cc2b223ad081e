"""`benchmarks/classical_baseline.py`: the network-free card finder finds a drawn card, and nothing on a flat image."""

import cv2
import numpy as np

from synthesis_helpers import benchmark_script


def _photo_with_card(corners: np.ndarray, height: int = 900, width: int = 1200) -> np.ndarray:
    """A noisy, textured dark table with a light card (dark border, art box) drawn at `corners` (TL, TR, BR, BL)."""
    rng = np.random.default_rng(4)
    table = cv2.GaussianBlur(rng.normal(70, 25, [height, width]).astype(np.float32), (0, 0), 3)
    table += rng.normal(0, 6, [height, width])                              # fine grain
    image = np.repeat(table[..., None], 3, axis=-1) * [0.8, 0.6, 0.45]     # brown
    card = np.full([880, 630, 3], 215.0)
    card[:28], card[-28:], card[:, :28], card[:, -28:] = 25, 25, 25, 25   # black border
    card[90:480, 60:570] = [120, 150, 90]                                   # art box
    flat = np.float32([[0, 0], [630, 0], [630, 880], [0, 880]])
    warp = cv2.getPerspectiveTransform(flat, np.float32(corners))
    drawn = cv2.warpPerspective(card, warp, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones([880, 630], np.float32), warp, (width, height), flags=cv2.INTER_LINEAR)
    image = image * (1 - mask[..., None]) + drawn * mask[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def test_a_drawn_card_is_found_in_reading_order():
    bench = benchmark_script("classical_baseline")
    corners = np.array([[470, 170], [790, 205], [755, 730], [400, 680]], np.float64)   # tilted, foreshortened
    found = bench.find_card(_photo_with_card(corners))
    assert found is not None and found.shape == (4, 2)
    assert np.linalg.norm(found - corners, axis=-1).max() < 0.02 * 1200


def test_a_flat_image_has_no_card():
    bench = benchmark_script("classical_baseline")
    flat = np.full([600, 800, 3], 128, np.uint8)
    flat += np.random.default_rng(0).integers(0, 3, flat.shape, dtype=np.uint8)
    assert bench.find_card(flat) is None


def test_a_card_lying_sideways_is_ordered_as_a_portrait_card():
    bench = benchmark_script("classical_baseline")
    corners = np.array([[300, 250], [900, 260], [890, 680], [310, 670]], np.float64)   # landscape quad
    found = bench.find_card(_photo_with_card(corners))
    assert found is not None
    left, right = np.linalg.norm(found[3] - found[0]), np.linalg.norm(found[2] - found[1])
    top, bottom = np.linalg.norm(found[1] - found[0]), np.linalg.norm(found[2] - found[3])
    assert min(left, right) > 1.3 * max(top, bottom)                        # the long sides are left and right
