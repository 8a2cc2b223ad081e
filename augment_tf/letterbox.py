"""The one image contract: how a photo becomes the model's square input, and back.

Training on static sets, evaluation, prediction and the JavaScript port all read
a photo the same way: `load_photo` (EXIF orientation applied, so pixels are as
displayed, where the labels live), then `letterbox` (scaled to fit a size x size
square, aspect kept, centred on black). `Letterbox` maps points between the two
in the project's continuous convention: pixel (row i, column j) covers
[j, j + 1) x [i, i + 1), so the photo's far corner (width, height) lands exactly
on the far corner of the content box.
"""

import dataclasses
import math
import pathlib

import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps

# Value of the padding around the photo, in 0..255, every channel. export.py writes it into model_card.json
# (input.letterbox.fill), where the JavaScript reads it.
FILL = 0


class PhotoError(ValueError):
    """A photo cannot be read; the one-line message names the file."""


def load_photo(path: str | pathlib.Path) -> np.ndarray:
    """Reads a photo as displayed: EXIF orientation applied, converted to RGB.

    PIL's `Image.open` and `tf.io.decode_jpeg` both ignore EXIF orientation, so a
    phone photo stored sideways would be read sideways and its labels (given in
    displayed pixels) would not match.

    Args:
      path: an image file PIL can read.

    Returns:
      [H, W, 3] uint8 RGB, H and W as displayed.

    Raises:
      PhotoError: the file is missing, unreadable or corrupt.
    """
    try:
        with Image.open(path) as image:
            image.load()
            shown = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, Image.DecompressionBombError, ValueError, SyntaxError) as error:   # OSError: missing, corrupt
        reason = " ".join(str(error).split()) or type(error).__name__
        raise PhotoError(f"{path}: cannot read image ({reason})") from None
    return np.asarray(shown, np.uint8)


@dataclasses.dataclass(frozen=True)
class Letterbox:
    """The map between photo pixels and the model's square input.

    The photo is scaled by size / max(width, height), rounded half up to whole
    pixels (inner_w, inner_h), and placed at the integer offset (ox, oy) that centres it.
    Because of the rounding, x and y have their own exact factors sx, sy.

    Args:
      width: photo width as displayed.
      height: photo height as displayed.
      size: side of the model's square input.
    """

    width: int
    height: int
    size: int

    def __post_init__(self):
        if min(self.width, self.height, self.size) < 1:
            raise ValueError(f"Letterbox needs positive sides. Received: width={self.width}, "
                             f"height={self.height}, size={self.size}")

    @property
    def inner_w(self) -> int:
        return _round_half_up(self.width * self.size / max(self.width, self.height))

    @property
    def inner_h(self) -> int:
        return _round_half_up(self.height * self.size / max(self.width, self.height))

    @property
    def ox(self) -> int:
        return (self.size - self.inner_w) // 2

    @property
    def oy(self) -> int:
        return (self.size - self.inner_h) // 2

    @property
    def sx(self) -> float:
        return self.inner_w / self.width

    @property
    def sy(self) -> float:
        return self.inner_h / self.height

    @property
    def content_box(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the photo inside the input; the rest is FILL."""
        return self.ox, self.oy, self.ox + self.inner_w, self.oy + self.inner_h

    def to_input(self, points: np.ndarray) -> np.ndarray:
        """[..., 2] photo pixels (x, y) -> [..., 2] input pixels."""
        points = np.asarray(points, np.float64)
        return points * [self.sx, self.sy] + [self.ox, self.oy]

    def to_photo(self, points: np.ndarray) -> np.ndarray:
        """[..., 2] input pixels (x, y) -> [..., 2] photo pixels; the inverse of `to_input`."""
        points = np.asarray(points, np.float64)
        return (points - [self.ox, self.oy]) / [self.sx, self.sy]


def _round_half_up(value: float) -> int:
    """Rounds as JavaScript's Math.round does (Python's `round` goes to even at .5), at least 1."""
    return max(1, math.floor(value + 0.5))


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
    """Scales a photo to fit a size x size square, aspect kept, centred on FILL.

    This function defines the resampling (bilinear, antialiased when shrinking);
    the JavaScript port mirrors it.

    Args:
      image: [H, W, 3] uint8 RGB, as from `load_photo`.
      size: side of the output square.

    Returns:
      ([size, size, 3] float32 in 0..255, the `Letterbox` that maps points).
    """
    height, width = image.shape[:2]
    box = Letterbox(width, height, size)
    resized = tf.image.resize(tf.cast(image, tf.float32), [box.inner_h, box.inner_w],
                              method="bilinear", antialias=True).numpy()    # [inner_h, inner_w, 3]
    canvas = np.full([size, size, 3], FILL, np.float32)
    canvas[box.oy:box.oy + box.inner_h, box.ox:box.ox + box.inner_w] = np.clip(resized, 0.0, 255.0)
    return canvas, box
