"""The live path's letterbox (TF.js ops: an integer-factor `avgPool`, then `resizeBilinear`) against the photo
path's (TF's antialiased resize), on crops of labelled cards that shrink by chosen factors (issue 21).

    python benchmarks/live_letterbox.py --model runs/budget/best.keras --photos realdev \
        [--names brett_01.png brett_06.png] [--shrinks 1.55 1.7 1.85 1.98 2.3 2.7] [--out runs/live_letterbox] \
        [--json FILE]

The live path follows a card on a crop of the frame: the card's bounding box plus the crop margin on every side,
square. How much that crop shrinks into the model's input depends on how large the card is in the frame, and the
live letterbox filters differently at each shrink (`web/src/liveLetterbox.js`, `poolFactor`). Each labelled card
of each photo is cut out that way and scaled so that its crop is `--shrinks` times the input's side; Node
letterboxes it with the live path's ops (web/node/live_check.mjs), Python with the photo path's resize. The model
then sees both, one view, in Python, so only the letterboxes differ. Printed per shrink: the pool's factor, how far
the corners from the two inputs differ (largest and median, % of the input's side), and each one's worst corner
against the label (median, and the share within 2% of the card's side).
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))                # live_accuracy, a script beside it

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import live_accuracy  # noqa: E402
from augment_tf import letterbox  # noqa: E402
from model.evaluation import metrics  # noqa: E402
from model.inference.loading import load_model  # noqa: E402
from model.inference.predictor import CROP_MARGIN, Predictor, crop_box  # noqa: E402
from web import harness  # noqa: E402

SHRINKS = (1.55, 1.7, 1.85, 1.98, 2.3, 2.7)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", type=pathlib.Path, required=True, help="the .keras corner model")
    parser.add_argument("--photos", type=pathlib.Path, required=True, help="a folder with annotations.json")
    parser.add_argument("--names", nargs="+", help="the photos to use, by file name (default: all)")
    parser.add_argument("--shrinks", nargs="+", type=float, default=list(SHRINKS),
                        help="how many times each crop's side is the input's")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("runs/live_letterbox"),
                        help="folder for the export and the scratch files")
    parser.add_argument("--json", type=pathlib.Path, help="also write the scores here")
    args = parser.parse_args(argv)
    if min(args.shrinks) <= 0:
        parser.error(f"--shrinks must be positive, got {args.shrinks}")
    return args


def card_crop(photo: np.ndarray, card: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
    """The crop around one card that the second pass and the live path take (`predictor.crop_box`: its bounding
    box plus CROP_MARGIN on every side, square, cut where the photo ends), scaled so that the square is `side`
    pixels: (crop [h, w, 3] uint8, the card's corners [4, 2] in its pixels)."""
    x0, y0, x1, y1 = crop_box(card, photo.shape[1], photo.shape[0])
    scale = side / ((card.max(0) - card.min(0)).max() * (1 + 2 * CROP_MARGIN))
    box = np.float64([x1 - x0, y1 - y0])
    size = np.maximum(np.round(box * scale), 1).astype(int)
    crop = Image.fromarray(photo[y0:y1, x0:x1]).resize(tuple(size), Image.LANCZOS)
    return np.asarray(crop), (card - [x0, y0]) * size / box


def live_inputs(web: pathlib.Path, crops: list[np.ndarray], size: int, scratch: pathlib.Path) -> tuple[list, list]:
    """Node's live letterbox of each whole crop: (inputs [S, S, 3] float32, layouts: the region used and factors)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        folder = pathlib.Path(folder)
        job = {"card": str(web / "model_card.json"),
               "photos": {str(k): harness.write_rgba(crop, folder / f"{k}.rgba") for k, crop in enumerate(crops)},
               "letterbox": [{"photo": str(k), "size": size} for k in range(len(crops))]}
        (folder / "job.json").write_text(json.dumps(job))
        harness.run_node("live_check.mjs", folder / "job.json", folder, timeout=3600)
        layouts = json.loads((folder / "result.json").read_text())["letterbox"]
        inputs = [np.fromfile(folder / f"live_letterbox_{k}.bin", np.float32).reshape(size, size, 3)
                  for k in range(len(crops))]
    return inputs, layouts


def corner_errors(corners: np.ndarray, frames: list, cards: np.ndarray) -> np.ndarray:
    """[N] the worst corner of each answer [N, 4, 2] (input pixels) against its card [N, 4, 2] (region pixels, mapped
    by `frames`), in shares of the card's side."""
    return np.array([np.linalg.norm(frame.to_photo(found) - card, axis=-1).max() / metrics.card_sides(card[None])[0]
                     for found, frame, card in zip(corners, frames, cards)])


def score_shrink(predictor: Predictor, web: pathlib.Path, crops: list, cards: list, scratch: pathlib.Path) -> dict:
    """Both letterboxes of every crop at one shrink, and the model's corners on each."""
    live, layouts = live_inputs(web, crops, predictor.size, scratch)
    python, frames, labels = [], [], []
    for crop, card, layout in zip(crops, cards, layouts):
        x0, y0, x1, y1 = layout["region"]                                # narrowed to whole pooling blocks
        image, frame = letterbox.letterbox(crop[y0:y1, x0:x1], predictor.size)
        python.append(image)
        frames.append(frame)
        labels.append(card - [x0, y0])
    corners = {name: predictor.predict_inputs(np.stack(inputs))[0] for name, inputs in    # [N, 4, 2] each, one view
               (("python", python), ("live", live))}
    apart = np.abs(corners["live"] - corners["python"]).max((1, 2))                       # [N] input pixels
    errors = {name: corner_errors(found, frames, np.stack(labels)) for name, found in corners.items()}
    return {"crops": len(crops), "factors": sorted({tuple(layout["factors"]) for layout in layouts}),
            "apart_max": float(apart.max() / predictor.size), "apart_median": float(np.median(apart) / predictor.size),
            **{f"{name}_median": float(np.median(error)) for name, error in errors.items()},
            **{f"{name}_within2": float(np.mean(error <= 0.02)) for name, error in errors.items()}}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    records = live_accuracy.select_records(args.photos, args.names)
    web = live_accuracy.export_model(args.model, args.out, "none")
    predictor = Predictor(load_model(args.model), refine=False, rotate=False)
    photos = [(letterbox.load_photo(args.photos / record["filename"]), metrics.labelled_cards(record))
              for record in records]
    scores = {}
    for shrink in args.shrinks:
        cut = [card_crop(photo, card, shrink * predictor.size) for photo, cards in photos for card in cards]
        scores[shrink] = score_shrink(predictor, web, [crop for crop, _ in cut], [card for _, card in cut],
                                      args.out)
    print("\n| shrink | crops | pool factors | corners apart, largest / median (% of the input) | worst corner "
          "against the label, median: photo path / live (% of the card) | within 2%: photo path / live |"
          "\n|---|---|---|---|---|---|")
    for shrink, score in scores.items():
        factors = ", ".join("x".join(map(str, pair)) for pair in score["factors"])
        print(f"| {shrink} | {score['crops']} | {factors} | {100 * score['apart_max']:.2f} / "
              f"{100 * score['apart_median']:.2f} | {100 * score['python_median']:.2f} / "
              f"{100 * score['live_median']:.2f} | {score['python_within2']:.2f} / {score['live_within2']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({str(shrink): score for shrink, score in scores.items()}, indent=1) + "\n")


if __name__ == "__main__":
    main()
