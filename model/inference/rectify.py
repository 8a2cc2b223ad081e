"""Warping a found card upright: the region of interest a card recogniser needs."""

import numpy as np
from PIL import Image

CARD_SIZE = (630, 880)   # width, height of the straightened card (63 x 88 mm at 10 px/mm)


def perspective_coefficients(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 8 coefficients of the homography mapping `target` points onto `source` points.

    PIL's perspective transform wants the map from output pixels back to input
    pixels: x_in = (a x + b y + c) / (g x + h y + 1), likewise for y.

    Args:
      source: [4, 2] points in the input image.
      target: [4, 2] the same points in the output image.
    """
    rows, values = [], []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return np.linalg.solve(np.asarray(rows, np.float64), np.asarray(values, np.float64))


def rectify(photo: np.ndarray, corners: np.ndarray, size: tuple[int, int] = CARD_SIZE) -> np.ndarray:
    """Warps the card with corners TL, TR, BR, BL (photo pixels) upright to `size`, from the full-resolution photo.

    Returns:
      [height, width, 3] uint8.
    """
    width, height = size
    upright = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    coefficients = perspective_coefficients(np.asarray(corners, np.float64), upright)
    card = Image.fromarray(photo).transform(size, Image.Transform.PERSPECTIVE, tuple(coefficients),
                                            Image.Resampling.BICUBIC)
    return np.asarray(card)
