"""Test-time rotation ensemble: the model sees its input turned four ways, and the answers vote.

A card lies at any angle, so the network was trained under full rotation, yet its
answers for the same frame turned by 90 degrees are not the same: now and then
one corner channel peaks on a neighbouring card, or the face's order comes out
turned. Those slips rarely repeat in all four turns, so the four answers, mapped
back into the unturned frame, are combined by median and by vote, and a single
wrong one is outvoted. The corners are in the face's order (TL, TR, BR, BL of
the card as it reads upright), which does not depend on how the frame is turned,
so the four answers agree corner by corner where the model is right.

    >>> import numpy as np
    >>> points = np.array([[10.0, 20.0]])
    >>> turned = turn_points(points, 1, size=100)     # where the point lies in np.rot90(frame)
    >>> turned
    array([[20., 90.]])
    >>> unturn_points(turned, 1, size=100)
    array([[10., 20.]])
"""

import numpy as np

# Quarter turns the ensemble looks at: 0, 90, 180 and 270 degrees counter-clockwise (np.rot90's sense); the first
# is the one view used without the ensemble. export.py writes it into model_card.json, where the JavaScript reads it.
TURNS = (0, 1, 2, 3)


def turn_images(images: np.ndarray, turns: int) -> np.ndarray:
    """Square frames [N, S, S, C] turned counter-clockwise by `turns` quarter turns, as a new array."""
    return np.ascontiguousarray(np.rot90(images, turns, axes=(1, 2)))


def turn_points(points: np.ndarray, turns: int, size: float) -> np.ndarray:
    """Points [..., 2] (x, y in pixels of an S x S frame) moved as `turn_images` moves the pixels under them.

    One counter-clockwise quarter turn takes (x, y) to (y, S - x).
    """
    for _ in range(turns % 4):
        points = np.stack([points[..., 1], size - points[..., 0]], axis=-1)
    return points


def unturn_points(points: np.ndarray, turns: int, size: float) -> np.ndarray:
    """The inverse of `turn_points`: from the turned frame back to the original one."""
    return turn_points(points, -turns % 4, size)


def order_free_shift(quads: np.ndarray, others: np.ndarray) -> np.ndarray:
    """The largest corner move from `others` to `quads` (both [..., 4, 2]; returns [...]), under the cyclic
    renaming of `quads`' corners that moves them least: whether two answers are the same card, whichever way up
    each reads its face (the browser's `orderFreeShift`).

    Example:
    >>> card = np.float32([[0, 0], [60, 0], [60, 90], [0, 90]])
    >>> order_free_shift(np.roll(card, 1, axis=0) + [3, 4], card).item()
    5.0
    """
    shifts = [np.linalg.norm(np.roll(quads, turn, axis=-2) - others, axis=-1).max(axis=-1) for turn in range(4)]
    return np.min(shifts, axis=0)


def combine(corners: np.ndarray, presence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One answer from the turned views' answers (already mapped back into the unturned frame).

    The corners and the face's order are voted on apart. Each view's quad is
    first aligned, by the cyclic shift of its corners that fits best, to the
    medoid view (the one nearest all the others), and every coordinate takes the
    median over the views; a view that read the face turned still helps place
    the corners. The order is then the one most views read, ties going to the
    unturned view.

    Args:
      corners: [N, V, 4, 2] every view's corners in face order (V >= 1).
      presence: [N, V] every view's presence probability.

    Returns:
      (corners [N, 4, 2], presence [N]: its median over the views).
    """
    rolled = np.stack([np.roll(corners, shift, axis=2) for shift in range(4)], axis=2)          # [N, V, 4, 4, 2]
    gaps = np.linalg.norm(rolled[:, None] - corners[:, :, None, None], axis=-1).mean(axis=-1)   # [N, V, V, 4]
    medoid = gaps.min(axis=-1).sum(axis=-1).argmin(axis=-1)                                     # [N]
    shifts = gaps[np.arange(len(corners)), medoid].argmin(axis=-1)                             # [N, V]
    aligned = np.take_along_axis(rolled, shifts[:, :, None, None, None], axis=2)[:, :, 0]       # [N, V, 4, 2]
    median = np.median(aligned, axis=1)                                                         # [N, 4, 2]
    votes = (shifts[..., None] == np.arange(4)).sum(axis=1) + 0.5 * (shifts[:, :1] == np.arange(4))   # [N, 4]
    # A view whose corners, shifted by s, match the medoid's reads the face as roll(medoid, -s).
    order = votes.argmax(axis=-1)                                                               # [N]
    answer = np.stack([np.roll(quad, -shift, axis=0) for quad, shift in zip(median, order)])
    return answer, np.median(presence, axis=1)
