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


def save_sideways_jpeg(displayed: np.ndarray, path: pathlib.Path) -> None:
    """Saves a photo as a phone does: pixels stored turned a quarter anticlockwise, with EXIF orientation 6."""
    exif = Image.Exif()
    exif[0x0112] = 6                                             # "turn 90 degrees clockwise to display"
    Image.fromarray(displayed).transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif)
