"""Find the cards in photos: corners in the photo's own pixels, presence, and optionally the cards straightened.

    python -m model.predict --model runs/cpu/best.keras --images photo.jpg more/ --out preds.json [--rectify cards/]

Each photo is read as displayed (EXIF orientation applied), letterboxed into
the model's input, predicted, and predicted again on a crop around the first
quad (unless --no_refine). `preds.json` is a list in the seed project's schema
({"filename", "card_name", "corners"}) plus "presence" and "found"; corners are
TL, TR, BR, BL of the card as it reads upright, in pixels of the displayed photo.
"cards" lists every card found (`Predictor.predict_photo`: the card head's
proposals, each refined on its own crop), nearest the centre first, each as
{"corners", "score", "orientation_confidence"}. "corners" is the primary card,
the whole card nearest the photo's centre: the first of "cards", or where none
is listed (or with --no_refine), the corner head's own answer; "presence" is
the probability that the photo holds a whole card, and "found" says whether it
reaches --threshold. With --rectify, each found card is warped
upright to 630 x 880 from the full-resolution photo: the primary card as
NAME.png, and every card of "cards" as NAME_k.png (k from 0, nearest first).
An unreadable image gets one line naming it, and the others are still predicted.
"""

import argparse
import io
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tqdm  # noqa: E402
from PIL import Image  # noqa: E402

from augment_tf import letterbox  # noqa: E402
from model.inference.loading import ModelFileError, load_model  # noqa: E402
from model.inference.predictor import PRESENCE_THRESHOLD, Predictor, add_view_flags, view_options  # noqa: E402
from model.inference.rectify import rectify  # noqa: E402
from mtg_tfds import atomic_files  # noqa: E402

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m model.predict", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", required=True, help="a .keras corner model (best.keras)")
    parser.add_argument("--images", nargs="+", required=True, help="image files, or folders of them")
    parser.add_argument("--out", required=True, help="where to write the predictions (JSON)")
    parser.add_argument("--rectify", metavar="DIR", help="also write each found card, straightened, to DIR")
    parser.add_argument("--threshold", type=float, default=PRESENCE_THRESHOLD,
                        help="presence at or above which the primary card counts as found")
    parser.add_argument("--max_cards", type=int, default=64,
                        help="list at most this many cards per photo in `cards` (those nearest the centre)")
    parser.add_argument("--card_threshold", type=float, default=None,
                        help="card score at or above which an answer of the card head is a card "
                             "(default: the model's own, which it was validated with)")
    add_view_flags(parser)
    return parser.parse_args(argv)


def image_paths(items: list[str]) -> list[pathlib.Path]:
    """The files named, and the images inside folders named, in order."""
    paths = []
    for item in map(pathlib.Path, items):
        if item.is_dir():
            paths += sorted(p for p in item.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            paths.append(item)
    return paths


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.max_cards < 0:
        sys.exit(f"error: --max_cards must be 0 or more. Received: {args.max_cards}")
    if args.card_threshold is not None and not 0.0 < args.card_threshold < 1.0:
        sys.exit(f"error: --card_threshold must be in (0, 1). Received: {args.card_threshold}")
    try:
        predictor = Predictor(load_model(args.model), **view_options(args))
    except ModelFileError as error:
        sys.exit(f"error: {error}")
    rectified = pathlib.Path(args.rectify) if args.rectify else None
    if rectified:
        rectified.mkdir(parents=True, exist_ok=True)
    records, failed = [], 0
    for path in tqdm.tqdm(image_paths(args.images), desc="predicting", unit="photo"):
        try:
            photo = letterbox.load_photo(path)
        except letterbox.PhotoError as error:
            tqdm.tqdm.write(f"error: {error}", file=sys.stderr)
            failed += 1
            continue
        found = predictor.predict_photo(photo, args.max_cards, args.card_threshold)
        is_card, cards = found["presence"] >= args.threshold, found["cards"]
        records.append({"filename": str(path), "card_name": "", "corners": found["corners"].round(2).tolist(),
                        "presence": round(found["presence"], 4), "found": bool(is_card),
                        "cards": [{"corners": card["corners"].round(2).tolist(), "score": round(card["score"], 4),
                                   "orientation_confidence": round(card["orientation_confidence"], 4)}
                                  for card in cards]})
        if rectified:
            straightened = {path.stem: found["corners"]} if is_card else {}
            straightened.update({f"{path.stem}_{k}": card["corners"] for k, card in enumerate(cards)})
            for name, corners in straightened.items():
                write_rectified(photo, corners, rectified / f"{name}.png")
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_files.write_bytes(out, (json.dumps(records, indent=1) + "\n").encode())
    print(f"wrote {len(records)} predictions to {out}" + (f"; {failed} images could not be read" if failed else ""))
    if failed:
        sys.exit(1)


def write_rectified(photo, corners, path: pathlib.Path) -> None:
    """Writes the card at `corners` of `photo`, straightened, as a PNG (atomically)."""
    buffer = io.BytesIO()
    Image.fromarray(rectify(photo, corners)).save(buffer, format="PNG")
    atomic_files.write_bytes(path, buffer.getvalue())


if __name__ == "__main__":
    main()
