"""Every card followed live (`LiveTracker.processCards`) on still frames of labelled photos: recall, and the cost
per extra card (issue 21).

    python benchmarks/live_cards.py --model runs/budget/best.keras --photos realdev \
        [--names brett_01.png brett_02.png brett_05.png brett_06.png esb_01.jpg] [--frames 30] [--settle 3] \
        [--noise 3] [--quantize float16] [--backend wasm] [--out runs/live_cards] [--json FILE]

Each photo is filmed whole by a still camera: one 640 x 480 frame with the photo fitted inside it (aspect kept,
centred, the photo's border colour around it), `--frames` times with fresh sensor noise (`--noise` levels), every
labelled card's corners moved with it (`cards`, or `corners` where a folder has none). Node runs `processCards` on
every frame in order (web/node/live_accuracy.mjs, the model exported by export.py), one fresh tracker a photo.

It prints per photo, over the frames after the first `--settle` (the search and the first crops): the cards
labelled, the median number followed, the share of the labelled cards matched within 5% of their own side
(order-free, one to one, `metrics.score_cards`) and the share of the followed ones that match (recall and
precision), and the median time per frame. Then the time per frame against the number of cards followed, over
every frame without a search: a least-squares line, whose slope is the cost of one more card (one more crop in
the model call) and whose value at one card is the one-card live path's frame. Timings are Node's, on the chosen
backend; `web_latency.py` gives the browser's.
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

import live_accuracy  # noqa: E402
from augment_tf import letterbox  # noqa: E402
from model.evaluation import metrics  # noqa: E402
from web import harness  # noqa: E402

NAMES = ("brett_01.png", "brett_02.png", "brett_05.png", "brett_06.png", "esb_01.jpg")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", type=pathlib.Path, required=True, help="the .keras corner model to export")
    parser.add_argument("--photos", type=pathlib.Path, required=True, help="a folder with annotations.json")
    parser.add_argument("--names", nargs="+", default=list(NAMES), help="the photos to film, by file name")
    parser.add_argument("--frames", type=int, default=30, help="frames filmed of each photo")
    parser.add_argument("--settle", type=int, default=3, help="first frames of each photo left out of the scores")
    parser.add_argument("--noise", type=float, default=3.0, help="sensor noise's sigma, levels of 255")
    parser.add_argument("--quantize", default="float16", choices=("none", "float16", "uint8"),
                        help="the export's weights")
    parser.add_argument("--backend", default="wasm", choices=("cpu", "wasm"), help="TF.js backend in Node")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("runs/live_cards"),
                        help="folder for the export and the scratch files")
    parser.add_argument("--json", type=pathlib.Path, help="also write the scores here")
    args = parser.parse_args(argv)
    if args.frames <= args.settle or args.settle < 1:
        parser.error(f"--frames ({args.frames}) must exceed --settle ({args.settle}), and --settle be at least 1")
    return args


def still_frames(photo: np.ndarray, cards: np.ndarray, count: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """`count` noisy 640 x 480 frames of the whole photo, and its cards' corners in them.

    Returns:
      (frames [N, 480, 640, 3] uint8, cards [K, 4, 2] in frame pixels).
    """
    width, height = live_accuracy.FRAME
    scale = min(width / photo.shape[1], height / photo.shape[0])
    offset = (np.float64([width, height]) - scale * np.float64(photo.shape[1::-1])) / 2
    photo_map = np.array([[scale, 0, offset[0]], [0, scale, offset[1]]])                 # photo -> frame
    image, to_image = live_accuracy.staged_photo(photo, scale)
    image_map = photo_map @ np.linalg.inv(np.concatenate([to_image, [[0, 0, 1]]]))
    frame = live_accuracy.render_frame(image, image_map, live_accuracy.table_colour(photo))
    frames = [live_accuracy.add_noise(frame, noise, np.random.default_rng([7, k])) for k in range(count)]
    return np.stack(frames), live_accuracy.apply_map(photo_map, cards.reshape(-1, 2)).reshape(cards.shape)


def run_cards(web: pathlib.Path, frames: np.ndarray, scratch: pathlib.Path, backend: str) -> list[dict]:
    """`processCards`' answer on every frame in order, one fresh tracker (web/node/live_accuracy.mjs)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        folder = pathlib.Path(folder)
        job = {"card": str(web / "model_card.json"), "model": str(web), "backend": backend,
               "fps": live_accuracy.FPS, "cards": True,
               "video": live_accuracy.write_frames(frames, folder / "frames.rgba")}
        (folder / "job.json").write_text(json.dumps(job))
        harness.run_node("live_accuracy.mjs", folder / "job.json", folder / "out.json", timeout=3600)
        return json.loads((folder / "out.json").read_text())["live"]


def score_photo(answers: list[dict], cards: np.ndarray, settle: int) -> dict:
    """Per photo, over the frames after `settle`: recall, precision, cards followed, time per frame; and every
    frame's (cards followed, milliseconds, searched) for the cost per card."""
    rows = [metrics.score_cards(np.array([card["corners"] for card in answer["cards"]]).reshape(-1, 4, 2),
                                [card["presence"] for card in answer["cards"]], cards, live_accuracy.FRAME,
                                threshold=0.0) for answer in answers[settle:]]
    matched, found = (np.array([row[key] for row in rows]) for key in ("matched_card5", "found"))
    return {"labelled": len(cards), "followed": float(np.median(found)),
            "recall": float(matched.sum() / (len(cards) * len(rows))),
            "precision": float(matched.sum() / max(1, found.sum())),
            "median_ms": float(np.median([answer["milliseconds"] for answer in answers[settle:]])),
            "frames": [(len(answer["cards"]), answer["milliseconds"], answer["searched"]) for answer in answers]}


def cost_per_card(scores: dict[str, dict], settle: int) -> dict:
    """The least-squares line of ms per frame against cards followed, over the frames without a search."""
    points = np.array([(count, ms) for score in scores.values() for count, ms, searched in score["frames"][settle:]
                       if not searched], np.float64)
    slope, intercept = np.polyfit(points[:, 0], points[:, 1], 1)
    return {"ms_per_extra_card": float(slope), "ms_at_one_card": float(intercept + slope), "frames": len(points)}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    records = {record["filename"]: record for record in live_accuracy.select_records(args.photos, args.names)}
    web = live_accuracy.export_model(args.model, args.out, args.quantize)
    scores = {}
    for name, record in records.items():
        photo = letterbox.load_photo(args.photos / name)
        frames, cards = still_frames(photo, metrics.labelled_cards(record), args.frames, args.noise)
        scores[name] = score_photo(run_cards(web, frames, args.out, args.backend), cards, args.settle)
    cost = cost_per_card(scores, args.settle)
    print("\n| photo | cards | followed (median) | recall at 5% of the card | precision | ms per frame (median) |"
          "\n|---|---|---|---|---|---|")
    for name, score in scores.items():
        print(f"| {name} | {score['labelled']} | {score['followed']:.0f} | {score['recall']:.2f} | "
              f"{score['precision']:.2f} | {score['median_ms']:.0f} |")
    print(f"\ntime per frame without a search ({cost['frames']} frames, {args.backend} in Node): "
          f"{cost['ms_at_one_card']:.0f} ms at one card, {cost['ms_per_extra_card']:.1f} ms per extra card")
    if args.json:
        args.json.write_text(json.dumps({"photos": scores, "cost": cost}, indent=1) + "\n")


if __name__ == "__main__":
    main()
