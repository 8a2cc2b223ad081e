"""The classical, network-free card finder that card-scanner apps use, as a baseline.

Edges (auto-Canny), contours, 4-gon approximation, then the convex quad nearest
the photo's centre among the large ones: the task asks for the whole card
nearest the centre. `find_cards` answers every card instead (issue 20): the
convex quads of a card's shape, each card once, nearest the centre first, each
with a score. Nothing here is tuned to particular photos; the constants are the
textbook ones. Both are called by the real-photo benchmark.
"""

import cv2
import numpy as np

WORK_SIDE = 800           # px: the longer side the search runs at
CANNY_SIGMA = 0.33        # auto-Canny: thresholds at (1 -/+ sigma) * median
APPROX_EPSILON = 0.02     # of the contour's perimeter, for approxPolyDP
MIN_AREA = 0.01           # of the image, for a candidate quad
LARGE_SHARE = 0.3         # of the largest candidate's area, to be among the large ones
CARD_ASPECT = 63 / 88     # a card's short side over its long side
ASPECT_SLACK = 0.75       # ~cos 40 deg: how much a tilt from face-on may shorten one side against the other
SAME_CARD_SHARE = 0.5     # of the smaller quad's area: quads overlapping more are one card (its two edge contours,
                          # its inner frame or art box), and the larger is kept
SUPPORT_SAMPLES = 64      # points per side, for the edge support that scores a card
SUPPORT_PX = 3            # px at WORK_SIDE: a straight side fitted to a contour strays this far from it (a slightly
                          # bent edge, the rounded corners, the dilated band's width)


def find_card(image: np.ndarray) -> np.ndarray | None:
    """Finds the card nearest the centre of a photo.

    Args:
      image: [H, W, 3] uint8 RGB.

    Returns:
      [4, 2] float32 corners in photo pixels, TL, TR, BR, BL as an upright card
      reads (assuming it is roughly upright in the photo), or None if no convex
      quad of at least 1% of the image is found.
    """
    small = _working_copy(image)
    quads = _quads(_edges(small))                                           # [Q, 4, 2] in small pixels
    if not len(quads):
        return None
    areas = np.array([cv2.contourArea(quad) for quad in quads])
    large = quads[areas >= LARGE_SHARE * areas.max()]
    nearest = large[np.argsort(_centre_distances(large, small))[0]]
    return _to_photo(_upright_order(nearest), small, image)


def find_cards(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finds every card in a photo: the convex quads of a card's shape, each card once.

    A quad is a card when it covers at least MIN_AREA of the image and its
    sides' ratio is within ASPECT_SLACK of 63:88 either way. A quad holding two
    separate card-shaped quads is a group of cards (a binder page, a 3 x 3 grid
    has a card's shape too) and is dropped; of quads that overlap by more than
    SAME_CARD_SHARE, only the largest is kept.

    Args:
      image: [H, W, 3] uint8 RGB.

    Returns:
      ([C, 4, 2] float32 corners in photo pixels, TL, TR, BR, BL as `find_card`
       orders them, nearest the photo's centre first; [C] float32 scores in
       0..1, the share of each quad's outline that lies on an edge).
    """
    small = _working_copy(image)
    edges = _edges(small)
    quads = [quad for quad in _quads(edges) if _card_shaped(quad)]        # each [4, 2] in small pixels
    quads = _one_per_card(quads)
    quads = np.array(quads, np.float32).reshape([-1, 4, 2])[np.argsort(_centre_distances(quads, small))]
    near = cv2.dilate(edges, np.ones((2 * SUPPORT_PX - 1,) * 2, np.uint8))   # edges are already 1 px wider
    scores = np.array([_edge_support(quad, near) for quad in quads], np.float32).reshape([-1])
    cards = [_to_photo(_upright_order(quad), small, image) for quad in quads]
    return np.array(cards, np.float32).reshape([-1, 4, 2]), scores


def _working_copy(image: np.ndarray) -> np.ndarray:
    """The photo scaled down to WORK_SIDE on its longer side (never up)."""
    height, width = image.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def _to_photo(quad: np.ndarray, small: np.ndarray, image: np.ndarray) -> np.ndarray:
    """[4, 2] pixel-centre coordinates of the working copy to the photo's continuous pixels."""
    # Pixel centres sit at +0.5 in the continuous convention; scale about the pixel grid, not the centres.
    return (quad + 0.5) / [small.shape[1] / image.shape[1], small.shape[0] / image.shape[0]]


def _centre_distances(quads, image: np.ndarray) -> np.ndarray:
    """[Q] distance of each quad's mean corner from the image's centre."""
    centre = np.array([image.shape[1], image.shape[0]]) / 2
    return np.linalg.norm(np.asarray(quads, np.float32).reshape([-1, 4, 2]).mean(axis=1) - centre, axis=-1)


def _edges(image: np.ndarray) -> np.ndarray:
    """[H, W] uint8 auto-Canny edges of the blurred grey image, dilated by a pixel."""
    gray = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    median = float(np.median(gray))
    edges = cv2.Canny(gray, int(max(0, (1 - CANNY_SIGMA) * median)), int(min(255, (1 + CANNY_SIGMA) * median)))
    return cv2.dilate(edges, np.ones((3, 3), np.uint8))


def _quads(edges: np.ndarray) -> np.ndarray:
    """[Q, 4, 2] float32: the convex 4-gons of at least MIN_AREA of the image, in pixel-centre coordinates."""
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    min_area = MIN_AREA * edges.shape[0] * edges.shape[1]
    quads = []
    for contour in contours:
        approx = cv2.approxPolyDP(contour, APPROX_EPSILON * cv2.arcLength(contour, True), True)
        if len(approx) == 4 and cv2.isContourConvex(approx) and cv2.contourArea(approx) > min_area:
            quads.append(approx.reshape(4, 2))
    return np.array(quads, np.float32).reshape([-1, 4, 2])


def _card_shaped(quad: np.ndarray) -> bool:
    """Whether a [4, 2] quad's mean short side over its mean long side is within ASPECT_SLACK of 63:88."""
    sides = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=-1)     # [4]: 0-1, 1-2, 2-3, 3-0
    one, other = sides[0] + sides[2], sides[1] + sides[3]
    ratio = min(one, other) / max(one, other)
    return CARD_ASPECT * ASPECT_SLACK <= ratio <= min(1.0, CARD_ASPECT / ASPECT_SLACK)


def _one_per_card(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Drops groups of cards, then keeps the largest of each set of quads overlapping by SAME_CARD_SHARE."""
    quads = sorted(quads, key=cv2.contourArea, reverse=True)
    share = np.array([[_overlap_share(a, b) for b in quads] for a in quads])   # [Q, Q] of the smaller's area
    same = share > SAME_CARD_SHARE
    kept = []
    for i in range(len(quads)):
        inside = [j for j in range(i + 1, len(quads)) if same[i, j]]       # smaller quads within this one
        group = any(not same[j, k] for j in inside for k in inside if j < k)
        if not group and not any(same[i, k] for k in kept):
            kept.append(i)
    return [quads[i] for i in kept]


def _overlap_share(a: np.ndarray, b: np.ndarray) -> float:
    """The area two convex [4, 2] quads share, as a share of the smaller one's area."""
    shared, _ = cv2.intersectConvexConvex(np.float32(a), np.float32(b))
    return shared / max(1e-6, min(cv2.contourArea(np.float32(a)), cv2.contourArea(np.float32(b))))


def _edge_support(quad: np.ndarray, near: np.ndarray) -> float:
    """The share of points along the quad's four sides on `near`: the edges widened to SUPPORT_PX."""
    steps = np.linspace(0, 1, SUPPORT_SAMPLES, endpoint=False)[:, None]    # [S, 1]
    points = np.concatenate([a + steps * (b - a) for a, b in zip(quad, np.roll(quad, -1, axis=0))])   # [4S, 2]
    columns = np.clip(np.round(points[:, 0]).astype(int), 0, near.shape[1] - 1)
    rows = np.clip(np.round(points[:, 1]).astype(int), 0, near.shape[0] - 1)
    return float(np.mean(near[rows, columns] > 0))


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
