"""Warping a found card upright: the region of interest a card recogniser needs."""

import numpy as np
import tensorflow as tf
from PIL import Image

from augment_tf import homography

# Width, height of the straightened card (63 x 88 mm at 10 px/mm). export.py writes it into model_card.json, where
# the JavaScript reads it.
CARD_SIZE = (630, 880)


def perspective_coefficients(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 8 coefficients of the homography mapping `target` points onto `source` points.

    PIL's perspective transform wants the map from output pixels back to input
    pixels: x_in = (a x + b y + c) / (g x + h y + 1), likewise for y, which is
    the synthesis's own solver (`augment_tf.homography`) run in float64, read
    row by row.

    Args:
      source: [4, 2] points in the input image.
      target: [4, 2] the same points in the output image.
    """
    h = homography.homography_from_points(tf.constant(target[None], tf.float64),
                                          tf.constant(source[None], tf.float64))   # [1, 3, 3], H[2, 2] == 1
    return h.numpy().reshape(9)[:8]


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
