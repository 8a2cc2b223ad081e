"""Test photos for web/'s JavaScript (the runners are `web/harness.py`)."""

import pathlib

import numpy as np
from PIL import Image


def ground(size: tuple[int, int], seed: int) -> np.ndarray:
    """[height, width, 3] uint8: a noisy dark table with no card, for a photo of `size` (width, height)."""
    width, height = size
    return np.clip(np.random.default_rng(seed).normal(60, 12, (height, width, 3)), 0, 255).astype(np.uint8)


def card_photo(card: np.ndarray, size: tuple[int, int], box: tuple[int, int, int], seed: int) -> np.ndarray:
    """A photo of `size` (width, height): the `ground` with `card` scaled to side box[2] at box[:2]."""
    x, y, side = box
    photo = ground(size, seed)
    photo[y:y + side, x:x + side] = np.asarray(Image.fromarray(card).resize((side, side), Image.Resampling.BILINEAR))
    return photo


def cards_photo(cards: list[np.ndarray], boxes: list[tuple[int, int, int, int]], size: tuple[int, int],
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A photo of several cards upright on a near-black table (levels 0..11).

    Args:
      cards: [h, w, 4] uint8 RGBA card images (the alpha rounds their corners).
      boxes: (x, y, width, height) in pixels where each card is scaled to.
      size: (width, height) of the photo.
      seed: the table's noise.

    Returns:
      (photo [height, width, 3] uint8, quads [C, 4, 2] each card's TL, TR, BR, BL in photo pixels).
    """
    width, height = size
    photo = np.random.default_rng(seed).integers(0, 12, (height, width, 3)).astype(np.float32)
    for card, (x, y, w, h) in zip(cards, boxes):
        rgba = np.asarray(Image.fromarray(card).resize((w, h), Image.Resampling.LANCZOS), np.float32)
        alpha = rgba[..., 3:] / 255
        photo[y:y + h, x:x + w] = alpha * rgba[..., :3] + (1 - alpha) * photo[y:y + h, x:x + w]
    quads = np.array([[(x, y), (x + w, y), (x + w, y + h), (x, y + h)] for x, y, w, h in boxes], np.float32)
    return np.round(photo).astype(np.uint8), quads


def save_sideways_jpeg(displayed: np.ndarray, path: pathlib.Path) -> None:
    """Saves a photo as a phone does: pixels stored turned a quarter anticlockwise, with EXIF orientation 6."""
    exif = Image.Exif()
    exif[0x0112] = 6                                             # "turn 90 degrees clockwise to display"
    Image.fromarray(displayed).transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif)
