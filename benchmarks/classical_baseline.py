"""The classical, network-free card finder that card-scanner apps use, as a baseline.

Edges (auto-Canny), contours, 4-gon approximation, then the convex quad nearest
the photo's centre among the large ones: the task asks for the whole card
nearest the centre. Nothing here is tuned to particular photos; the constants
are the textbook ones. `find_card` is called by the real-photo benchmark.
"""

import cv2
import numpy as np

WORK_SIDE = 800           # px: the longer side the search runs at
CANNY_SIGMA = 0.33        # auto-Canny: thresholds at (1 -/+ sigma) * median
APPROX_EPSILON = 0.02     # of the contour's perimeter, for approxPolyDP
MIN_AREA = 0.01           # of the image, for a candidate quad
LARGE_SHARE = 0.3         # of the largest candidate's area, to be among the large ones


def find_card(image: np.ndarray) -> np.ndarray | None:
    """Finds the card nearest the centre of a photo.

    Args:
      image: [H, W, 3] uint8 RGB.

    Returns:
      [4, 2] float32 corners in photo pixels, TL, TR, BR, BL as an upright card
      reads (assuming it is roughly upright in the photo), or None if no convex
      quad of at least 1% of the image is found.
    """
    height, width = image.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    quads = _quads(small)                                                   # [Q, 4, 2] in small pixels
    if not len(quads):
        return None
    areas = np.array([cv2.contourArea(quad) for quad in quads])
    large = quads[areas >= LARGE_SHARE * areas.max()]
    centre = np.array([small.shape[1], small.shape[0]]) / 2
    nearest = large[np.argmin(np.linalg.norm(large.mean(axis=1) - centre, axis=-1))]
    # Pixel centres sit at +0.5 in the continuous convention; scale about the pixel grid, not the centres.
    return (_upright_order(nearest) + 0.5) / [small.shape[1] / width, small.shape[0] / height]


def _quads(image: np.ndarray) -> np.ndarray:
    """[Q, 4, 2] float32: the convex 4-gons of at least MIN_AREA of the image, in pixel-centre coordinates."""
    gray = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    median = float(np.median(gray))
    edges = cv2.Canny(gray, int(max(0, (1 - CANNY_SIGMA) * median)), int(min(255, (1 + CANNY_SIGMA) * median)))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    min_area = MIN_AREA * image.shape[0] * image.shape[1]
    quads = []
    for contour in contours:
        approx = cv2.approxPolyDP(contour, APPROX_EPSILON * cv2.arcLength(contour, True), True)
        if len(approx) == 4 and cv2.isContourConvex(approx) and cv2.contourArea(approx) > min_area:
            quads.append(approx.reshape(4, 2))
    return np.array(quads, np.float32).reshape([-1, 4, 2])


def _upright_order(quad: np.ndarray) -> np.ndarray:
    """[4, 2] corners as TL, TR, BR, BL of a portrait card: clockwise from the smallest x + y."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])   # y down: increasing is clockwise
    clockwise = quad[np.argsort(angles)]
    clockwise = np.roll(clockwise, -int(np.argmin(clockwise.sum(axis=1))), axis=0)
    top = np.linalg.norm(clockwise[1] - clockwise[0]) + np.linalg.norm(clockwise[2] - clockwise[3])
    side = np.linalg.norm(clockwise[3] - clockwise[0]) + np.linalg.norm(clockwise[2] - clockwise[1])
    if top > side:                                                          # landscape: long sides must be left/right
        clockwise = np.roll(clockwise, -1, axis=0)
    return clockwise.astype(np.float32)
