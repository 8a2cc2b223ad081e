"""The physical shape of a Magic card: 63 x 88 mm with 3 mm rounded corners.

Corner points follow one convention across the project: continuous pixel
coordinates in which pixel (row i, column j) covers [j, j+1) x [i, i+1). A card
that fills a W x H image therefore has its corners at (0, 0), (W, 0), (W, H),
(0, H): where the straight edges meet, outside the rounded arc.
"""

import functools

import numpy as np
from PIL import Image, ImageDraw

CARD_WIDTH_MM = 63.0
CARD_HEIGHT_MM = 88.0
CORNER_RADIUS_MM = 3.0

# Scryfall's `png` images are 745 x 1040; procedural cards are rendered at the same size.
CARD_WIDTH_PX = 745
CARD_HEIGHT_PX = 1040


def px_per_mm(width: float) -> float:
    """Returns how many pixels make a millimetre on a card image `width` pixels wide."""
    return width / CARD_WIDTH_MM


def corner_radius_px(width: int) -> float:
    """Returns the corner radius in pixels for a card image `width` pixels wide."""
    return CORNER_RADIUS_MM * px_per_mm(width)


def card_corners(width: int, height: int) -> np.ndarray:
    """Returns the corners of a card that fills a `width` x `height` image.

    Args:
      width: image width in pixels.
      height: image height in pixels.

    Returns:
      float32 array [4, 2] of (x, y): top-left, top-right, bottom-right,
      bottom-left of the printed card.
    """
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)


@functools.lru_cache(maxsize=8)
def rounded_alpha(width: int, height: int, supersample: int = 4) -> np.ndarray:
    """Returns the card's outline as an anti-aliased alpha mask.

    Args:
      width: mask width in pixels.
      height: mask height in pixels.
      supersample: the mask is drawn this many times larger, then reduced, so the
        arcs get soft edges.

    Returns:
      uint8 array [height, width], 255 inside the card and 0 in the cut corners.
      It is cached and read-only: copy it before changing it.
    """
    big = Image.new("L", (width * supersample, height * supersample), 0)
    radius = corner_radius_px(width) * supersample
    ImageDraw.Draw(big).rounded_rectangle(
        (0, 0, width * supersample - 1, height * supersample - 1), radius=radius, fill=255)
    mask = np.array(big.resize((width, height), Image.Resampling.BOX))
    mask.flags.writeable = False
    return mask


def card_rgba(image: Image.Image) -> np.ndarray:
    """Returns a decoded card image as RGBA whose alpha is the card's outline.

    Scryfall's `png` images carry their transparent corners; `large` JPEGs have
    no alpha, so they get the 3 mm rounded outline here.

    Args:
      image: a decoded card image of any mode.

    Returns:
      uint8 array [H, W, 4].
    """
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        return np.array(image.convert("RGBA"))
    rgba = np.array(image.convert("RGBA"))
    rgba[..., 3] = rounded_alpha(image.width, image.height)
    return rgba
