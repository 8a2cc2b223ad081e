"""Where a model fails on the synthetic validation set: error by card size, and orientation mistakes.

    python benchmarks/synthetic_errors.py --run runs/budget [--model M.keras] [--no_rotations]

Reads the run's cached validation set (`val_set.npz`) and scores the model per
image, with the four-way rotation ensemble of `model.evaluate` unless told not
to: the mean corner error as a share of the side, order-aware and order-free,
bucketed by the card's apparent size (the square root of its quad's area as a
share of the frame); how much of the error the outliers (images over
10% mean error) hold. Order-free errors far below order-aware ones
mean the corners are found but the face's orientation is not. For a model with
a card head and a set with every card's labels, every whole card's recall by
the same size buckets: found within 5% of its side and within 3% of the frame
(`Predictor.predict_input_cards`, refined, in the same views).
"""

import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from model.evaluation import metrics  # noqa: E402
from model.inference.loading import load_model  # noqa: E402
from model.inference.predictor import Predictor, add_view_flags  # noqa: E402

_BUCKETS = (0.0, 0.1, 0.15, 0.25, 0.35, 0.5, 1.0)     # sqrt(card area / frame area); a deck's cards under 0.15


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, type=pathlib.Path, help="a train.py run folder (val_set.npz)")
    parser.add_argument("--model", type=pathlib.Path, help="the model to score; the run's best.keras by default")
    add_view_flags(parser, refine=False)
    args = parser.parse_args(argv)
    with np.load(args.run / "val_set.npz") as stored:
        images, corners, present = stored["image"], stored["corners"], stored["present"]
        labels = (stored["cards"], stored["card_whole"]) if "cards" in stored else None
    predictor = Predictor(load_model(args.model or args.run / "best.keras"), refine=False,
                          rotate=not args.no_rotations)
    predicted, presence = predictor.predict_inputs(images[present].astype(np.float32))
    truth, size = corners[present], images.shape[1]
    aware = metrics.corner_errors(predicted, truth, order_free=False).mean(axis=1) / size
    free_corners = metrics.corner_errors(predicted, truth, order_free=True) / size               # [N, 4]
    free = free_corners.mean(axis=1)
    side = apparent_side(truth, size)
    print("| card side (sqrt area / frame) | images | mean error aware | mean error free | worst within 3% (free) |")
    print("|---|---|---|---|---|")
    worst_free = free_corners.max(axis=1)
    for low, high in zip(_BUCKETS, _BUCKETS[1:]):
        chosen = (side >= low) & (side < high)
        if chosen.any():
            print(f"| {low:.2f}-{high:.2f} | {chosen.sum()} | {100 * aware[chosen].mean():.1f}% | "
                  f"{100 * free[chosen].mean():.1f}% | {100 * np.mean(worst_free[chosen] <= 0.03):.0f}% |")
    print(f"| all | {len(side)} | {100 * aware.mean():.1f}% | {100 * free.mean():.1f}% | "
          f"{100 * np.mean(worst_free <= 0.03):.0f}% |")
    outliers = free > 0.10
    print(f"\nmedian corner (order-free): {100 * np.median(free_corners):.2f}% of the side; images over 10% "
          f"mean error: {100 * outliers.mean():.0f}%, holding {100 * free[outliers].sum() / free.sum():.0f}% "
          f"of the total error; mean without them: {100 * free[~outliers].mean():.1f}%")
    turned = (aware > 2 * free) & (aware > 0.05)
    print(f"\nwrong orientation (aware error > 2x order-free and > 5%): {100 * turned.mean():.0f}% of images")
    if (~present).any():
        empty = predictor.predict_inputs(images[~present].astype(np.float32))[1]                   # [N] presence
        print(f"presence on frames without a card: {np.mean(empty < 0.5):.2f} correct; "
              f"with one: {np.mean(presence >= 0.5):.2f}")
    else:
        print()
    if labels is not None and predictor.card_threshold is not None:
        print_cards_by_size(Predictor(predictor.model, rotate=not args.no_rotations), images, *labels)


def apparent_side(quads: np.ndarray, size: int) -> np.ndarray:
    """[N] the square root of each quad's [N, 4, 2] area, as a share of the frame's side."""
    x, y = quads[..., 0], quads[..., 1]
    area = 0.5 * np.abs((x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y).sum(axis=1))
    return np.sqrt(area) / size


def print_cards_by_size(predictor: Predictor, images: np.ndarray, cards: np.ndarray, whole: np.ndarray) -> None:
    """Every whole card's recall, by its apparent size: matched within 5% of its side and within 3% of the frame."""
    size, found = images.shape[1], predictor.predict_input_cards(images)
    rows = []                                                   # (apparent side, at 5% of the card, at 3% of the frame)
    for (pred, scores), labelled in zip(found, (cards[i][whole[i]] for i in range(len(images)))):
        tolerances = (0.05 * metrics.card_sides(labelled), np.full(len(labelled), 0.03 * size))
        matched = [set(metrics.match_cards(pred, scores, labelled, tolerance)[:, 1]) for tolerance in tolerances]
        rows += [(side, k in matched[0], k in matched[1]) for k, side in enumerate(apparent_side(labelled, size))]
    side, card5, photo3 = (np.array(column, float) for column in zip(*rows))
    print("\n| card side (sqrt area / frame) | whole cards | found within 5% of its side | within 3% of the frame |")
    print("|---|---|---|---|")
    for low, high in zip(_BUCKETS, _BUCKETS[1:]):
        chosen = (side >= low) & (side < high)
        if chosen.any():
            print(f"| {low:.2f}-{high:.2f} | {chosen.sum()} | {100 * card5[chosen].mean():.0f}% | "
                  f"{100 * photo3[chosen].mean():.0f}% |")


if __name__ == "__main__":
    main()
