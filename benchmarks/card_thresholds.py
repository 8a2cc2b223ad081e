"""Every-card scores at each card score threshold, on the synthetic set and on the real photos, side by side.

    python benchmarks/card_thresholds.py --run runs/budget --photos realdev [--thresholds 0.2 0.3 0.4 0.5 0.6]

Every card is found once at the lowest threshold, then kept at each one (a
higher threshold only drops answers): on the run's synthetic validation set
(`OUT/val_set.npz`, one view refined, as training validates) and on the
labelled photos (`model.predict`'s views: two passes, four turns). Each row
gives recall, precision and F1 at 5% of each card's side, and the real photos'
recall at 2%. It shows whether the threshold the synthetic set would choose
(its best F1) holds on real photos. Never choose the threshold by the real photos.
"""

import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from augment_tf import annotations, letterbox  # noqa: E402
from model.evaluation import metrics  # noqa: E402
from model.inference.loading import load_model  # noqa: E402
from model.inference.predictor import Predictor  # noqa: E402


def scores_by_threshold(found: list[tuple[np.ndarray, np.ndarray]], labelled: list[np.ndarray],
                        sizes: list[tuple[int, int]], thresholds: list[float]) -> dict[float, dict[str, float]]:
    """`metrics.summarize_cards` of the answers kept at each threshold.

    Args:
      found: per image, the answers' corners [C, 4, 2] and scores [C].
      labelled: per image, the labelled whole cards [L, 4, 2].
      sizes: per image, (width, height) in the answers' pixels.
      thresholds: the scores at or above which an answer is kept.
    """
    table = {}
    for threshold in thresholds:
        rows = [metrics.score_cards(corners[scores >= threshold], scores[scores >= threshold], cards, size,
                                    threshold=0.0)
                for (corners, scores), cards, size in zip(found, labelled, sizes)]
        table[threshold] = metrics.summarize_cards(rows)
    return table


def synthetic_answers(net, run: pathlib.Path, lowest: float) -> tuple[list, list, list]:
    """Every card of the run's synthetic validation set at `lowest`, one view refined; with its labels and sizes."""
    val = np.load(run / "val_set.npz")
    predictor = Predictor(net, refine=True, rotate=False)
    predictor.__dict__["card_threshold"] = lowest           # the cached model threshold, lowered for this search
    found = predictor.predict_input_cards(val["image"])
    size = val["image"].shape[2], val["image"].shape[1]
    return found, [cards[whole] for cards, whole in zip(val["cards"], val["card_whole"])], [size] * len(found)


def photo_answers(net, folder: pathlib.Path, lowest: float) -> tuple[list, list, list]:
    """Every card of the labelled photos at `lowest`, as `model.predict` runs; with their labels and sizes."""
    predictor = Predictor(net, refine=True, rotate=True)
    found, labelled, sizes = [], [], []
    for record in annotations.read_annotations(folder):
        photo = letterbox.load_photo(folder / record["filename"])
        cards = predictor.predict_cards(photo, threshold=lowest)
        found.append((np.float32([card["corners"] for card in cards]).reshape([-1, 4, 2]),
                      np.float32([card["score"] for card in cards])))
        labelled.append(metrics.labelled_cards(record))
        sizes.append(photo.shape[1::-1])
    return found, labelled, sizes


def print_markdown(synthetic: dict, photos: dict) -> None:
    print("| threshold | synthetic recall / precision / F1 at 5% | photos recall / precision / F1 at 5% "
          "| photos recall at 2% |")
    print("|---|---|---|---|")
    for threshold in synthetic:
        s, p = synthetic[threshold], photos[threshold]
        print(f"| {threshold} | {s['recall_card5']:.2f} / {s['precision_card5']:.2f} / {s['f1_card5']:.3f} "
              f"| {p['recall_card5']:.2f} / {p['precision_card5']:.2f} / {p['f1_card5']:.3f} "
              f"| {p['recall_card2']:.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--run", type=pathlib.Path, required=True,
                        help="a run folder of train.py: its best.keras and val_set.npz")
    parser.add_argument("--photos", type=pathlib.Path, required=True, help="a folder with annotations.json (cards)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.2, 0.3, 0.4, 0.5, 0.6],
                        help="the card score thresholds to score")
    args = parser.parse_args(argv)
    for needed in (args.run / "best.keras", args.run / "val_set.npz", args.photos / "annotations.json"):
        if not needed.is_file():
            sys.exit(f"error: {needed} not found")
    net = load_model(args.run / "best.keras")
    lowest = min(args.thresholds)
    synthetic = scores_by_threshold(*synthetic_answers(net, args.run, lowest), args.thresholds)
    photos = scores_by_threshold(*photo_answers(net, args.photos, lowest), args.thresholds)
    print_markdown(synthetic, photos)


if __name__ == "__main__":
    main()
