"""Scores a corner model and the classical baseline on the same labelled real photos.

    python benchmarks/realdev.py --model runs/budget/best.keras --photos realdev [--json report.json]
    python benchmarks/realdev.py --photos realdev          # the classical baseline alone, without a model

`--photos` is a folder with `annotations.json` (labels in displayed pixels, with
ties in `cards`/`equally_near`), such as `../shared/realdev/` once its photos are
extracted (`python ../shared/realdev/extract.py realdev --repos ROOT`). For each
photo it prints the worst corner's error as a share of the photo's longer side,
order-aware and order-free, for the model's first pass, the model with its
cropped second pass, the same with every pass turned four ways (`model.inference.rotations`,
what `model.predict` does by default), and the classical baseline
(`classical_baseline.find_card`); then the share within 3% and the median of each,
and how many photos each method "read turned": the primary card within 3%
order-free but not order-aware, its corners found but named from another side
(`metrics.read_turned`). For "model, one pass", the one-view model, that is the
share its orientation reading misses; the four turns vote on it.

Then every card (issue 20): each method's cards are matched to every labelled
card (`cards`, or `corners` where a photo has no `cards`) by
`model.evaluation.metrics.score_cards`. The model answers
`Predictor.predict_photo` in each method's views: its primary card (the listed
card nearest the centre where the method refines, the corner head's answer in
the one-pass view) and its `cards` (the card head's proposals at its own
threshold, refined where the method refines; a model saved before the card head
answers its primary card alone); the classical baseline answers
`classical_baseline.find_cards` (edge support >= 0.5). Per
photo: cards labelled, found, missed and false at 5% of the card's longer side;
then recall, precision and F1 at 5% and 2% of the card's side and 3% of the
photo's, and the photos found exactly, by scene kind. Without `--model` only the
baseline runs. Never train or tune on these photos.
"""

import argparse
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import classical_baseline  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from augment_tf import annotations, letterbox  # noqa: E402
from model.evaluation import metrics  # noqa: E402
from model.inference.loading import load_model  # noqa: E402
from model.inference.predictor import Predictor  # noqa: E402


_CLASSICAL_THRESHOLD = 0.5     # the edge support at or above which the baseline's quad is a card


def score_methods(model_path: pathlib.Path | None, folder: pathlib.Path) -> tuple[list[str], np.ndarray, dict]:
    """Runs every method on every photo; without `model_path`, the classical baseline alone.

    Returns:
      (file names, photo sizes [N, 2] (width, height as displayed),
       {method: {"corners": [N, 4, 2], "seconds": [N], "presence": [N],
                 "cards": N arrays [C, 4, 2], "card_scores": N arrays [C], "card_threshold": the score a card
                 must reach}}); "seconds" times the whole answer, the primary card and every card.
    """
    records = annotations.read_annotations(folder)
    methods = {"classical": None}
    if model_path is not None:
        net = load_model(model_path)
        methods = {"model, one pass": Predictor(net, refine=False, rotate=False),
                   "model, refined": Predictor(net, refine=True, rotate=False),
                   "model, refined, 4 turns": Predictor(net, refine=True, rotate=True), **methods}
    results = {name: {"corners": [], "seconds": [], "presence": [], "cards": [], "card_scores": [],
                      "card_threshold": 0.0 if predictor else _CLASSICAL_THRESHOLD}
               for name, predictor in methods.items()}
    sizes = []
    for record in records:
        photo = letterbox.load_photo(folder / record["filename"])
        sizes.append(photo.shape[1::-1])
        for name, predictor in methods.items():
            start = time.perf_counter()
            answer = _classical(photo) if predictor is None else _model_answer(predictor, photo)
            results[name]["seconds"].append(time.perf_counter() - start)
            for key in ("corners", "presence", "cards", "card_scores"):
                results[name][key].append(answer[key])
    arrays = ("corners", "seconds", "presence")
    return [r["filename"] for r in records], np.asarray(sizes, np.float32), {
        name: {key: np.asarray(value) if key in arrays else value for key, value in result.items()}
        for name, result in results.items()}


def _classical(photo: np.ndarray) -> dict:
    """The baseline's card nearest the centre (`find_card`), presence 1, or 0 where it finds none; and its every
    card (`find_cards`): [C, 4, 2] corners and [C] scores."""
    found = classical_baseline.find_card(photo)
    corners, presence = (np.zeros([4, 2], np.float32), 0.0) if found is None else (found, 1.0)
    cards, scores = classical_baseline.find_cards(photo)
    return {"corners": corners, "presence": presence, "cards": cards, "card_scores": scores}


def _model_answer(predictor: Predictor, photo: np.ndarray) -> dict:
    """The model's primary card and presence, and its every card (already at its threshold): [C, 4, 2] corners
    and [C] scores (`Predictor.predict_photo`)."""
    found = predictor.predict_photo(photo)
    return {"corners": found["corners"], "presence": found["presence"],
            "cards": np.float32([card["corners"] for card in found["cards"]]).reshape([-1, 4, 2]),
            "card_scores": np.float32([card["score"] for card in found["cards"]])}


def report(folder: pathlib.Path, names: list[str], sizes: np.ndarray, results: dict[str, dict]) -> dict:
    """Per-photo worst-corner shares and the summary of each method; under "cards", its every-card scores."""
    records = annotations.read_annotations(folder)
    targets = [metrics.candidates(record) for record in records]
    table = {}
    for method, result in results.items():
        worst = metrics.per_image(result["corners"], targets, sizes)
        rows = [metrics.score_cards(cards, scores, metrics.labelled_cards(record), size,
                                    threshold=result["card_threshold"])
                for cards, scores, record, size in zip(result["cards"], result["card_scores"], records, sizes)]
        found = np.float64([row["found"] for row in rows])
        table[method] = {
            "per_photo": {name: {key: round(float(value[i]), 5) for key, value in worst.items()}
                          for i, name in enumerate(names)},
            "within3_aware": float(np.mean(worst["worst_frac_aware"] <= metrics.WITHIN_FRACTION)),
            "within3_free": float(np.mean(worst["worst_frac_free"] <= metrics.WITHIN_FRACTION)),
            "median_aware": float(np.median(worst["worst_frac_aware"])),
            "median_free": float(np.median(worst["worst_frac_free"])),
            "read_turned": int(np.sum(metrics.read_turned(worst))),
            "read_turned_share": float(np.mean(metrics.read_turned(worst))),
            "presence_found": float(np.mean(result["presence"] >= 0.5)),
            "ms_per_photo": float(1000 * np.median(result["seconds"])),
            "cards": {"per_photo": dict(zip(names, rows)), "summary": metrics.summarize_cards(rows),
                      "ms_per_card": _ms_per_card(found, result["seconds"])}}
    return table


def _ms_per_card(found: np.ndarray, seconds: np.ndarray) -> float:
    """The slope of the every-card answer's milliseconds against the cards it kept (least squares; NaN if flat)."""
    if np.ptp(found) == 0:
        return float("nan")
    return float(1000 * np.polyfit(found, seconds, 1)[0])


def contact_sheet(folder: pathlib.Path, names: list[str], results: dict[str, dict], path: pathlib.Path,
                  tile: int = 320) -> None:
    """Thumbnails of every photo: the label green, the model as predict runs it red, the baseline blue (TL ringed)."""
    records = {record["filename"]: record for record in annotations.read_annotations(folder)}
    columns = 6
    sheet = Image.new("RGB", (columns * tile, -(-len(names) // columns) * tile))
    quads = [quad for quad in (("label", None, (40, 220, 40)), ("model", "model, refined, 4 turns", (240, 40, 40)),
                               ("classical", "classical", (60, 120, 255))) if quad[1] is None or quad[1] in results]
    for index, name in enumerate(names):
        photo = Image.fromarray(letterbox.load_photo(folder / name))
        scale = tile / max(photo.size)
        picture = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.BILINEAR)
        draw = ImageDraw.Draw(picture)
        for _, method, colour in quads:
            corners = records[name]["corners"] if method is None else results[method]["corners"][index]
            points = [tuple(point) for point in np.asarray(corners) * scale]
            draw.polygon(points, outline=colour, width=2)
            draw.ellipse((points[0][0] - 5, points[0][1] - 5, points[0][0] + 5, points[0][1] + 5), outline=colour,
                         width=2)
        draw.text((4, 4), name, fill=(255, 255, 0))
        sheet.paste(picture, ((index % columns) * tile, (index // columns) * tile))
    sheet.save(path)


def print_markdown(names: list[str], table: dict) -> None:
    methods = list(table)
    print("| photo | " + " | ".join(f"{m} (aware / free)" for m in methods) + " |")
    print("|---|" + "---|" * len(methods))
    for name in names:
        cells = [f"{100 * table[m]['per_photo'][name]['worst_frac_aware']:.1f}% / "
                 f"{100 * table[m]['per_photo'][name]['worst_frac_free']:.1f}%" for m in methods]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for label, key in (("within 3%", "within3"), ("median", "median")):
        cells = []
        for m in methods:
            aware, free = table[m][f"{key}_aware"], table[m][f"{key}_free"]
            cells.append(f"**{100 * aware:.1f}% / {100 * free:.1f}%**")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("| read turned (within 3% free, not aware) | "
          + " | ".join(f"{table[m]['read_turned']} of {len(names)}" for m in methods) + " |")
    print("| ms per photo (median) | " + " | ".join(f"{table[m]['ms_per_photo']:.0f}" for m in methods) + " |")


def print_cards_markdown(names: list[str], table: dict) -> None:
    """Every card: per photo, labelled and each method's found (matched) / missed / false at 5% of the card's side;
    then the summary."""
    methods = list(table)
    print("\n| photo | kind | cards | " + " | ".join(f"{m}: found / missed / false" for m in methods) + " |")
    print("|---|---|---|" + "---|" * len(methods))
    for name in names:
        first = table[methods[0]]["cards"]["per_photo"][name]
        cells = []
        for m in methods:
            row = table[m]["cards"]["per_photo"][name]
            matched = row["matched_card5"]
            cells.append(f"{matched} / {row['labelled'] - matched} / {row['found'] - matched}")   # found: kept
        print(f"| {name} | {first['kind']} | {first['labelled']} | " + " | ".join(cells) + " |")
    print("\n| every card | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    summaries = [table[m]["cards"]["summary"] for m in methods]
    for label, tolerance in (("5% of the card", "card5"), ("2% of the card", "card2"), ("3% of the photo", "photo3")):
        cells = [f"{s[f'recall_{tolerance}']:.2f} / {s[f'precision_{tolerance}']:.2f} / {s[f'f1_{tolerance}']:.2f}"
                 for s in summaries]
        print(f"| recall / precision / F1 at {label} | " + " | ".join(cells) + " |")
    print("| matches also in order, at 5% | " + " | ".join(f"{s['ordered_card5']:.2f}" for s in summaries) + " |")
    print("| photos exact at 5% (all) | " + " | ".join(_exact_cell(s, "") for s in summaries) + " |")
    for kind in metrics.SCENE_KINDS:
        print(f"| photos exact at 5%, {kind} | " + " | ".join(_exact_cell(s, kind) for s in summaries) + " |")
    print("| ms per card found (the slope of ms per photo) | " + " | ".join(
        f"{table[m]['cards']['ms_per_card']:.0f}" for m in methods) + " |")
    print_nearest_markdown(names, table, next((m for m in methods if m.endswith("4 turns")), methods[0]))


def print_nearest_markdown(names: list[str], table: dict, method: str) -> None:
    """Each labelled card's error in one method's answers, where a miss's reason starts: the worst corner of the
    answer nearest the card (order-free), in % of the card's side; "-" where the photo has no answer."""
    print(f"\n| photo | {method}: each card's nearest answer, worst corner in % of the card's side "
          "(the labels' order: nearest the centre first; * over 2%) |")
    print("|---|---|")
    for name in names:
        errors = table[method]["cards"]["per_photo"][name]["nearest"]
        cells = ["-" if error is None else f"{100 * error:.1f}" + ("*" if error > 0.02 else "") for error in errors]
        print(f"| {name} | " + " ".join(cells) + " |")


def _exact_cell(summary: dict, kind: str) -> str:
    """"found of photos" for the photos of one scene kind ("" for all) found exactly at 5% of the card's side."""
    photos = summary[f"photos_{kind}" if kind else "photos"]
    share = summary[f"exact_card5_{kind}" if kind else "exact_card5"]
    return f"{round(share * photos) if photos else 0} of {photos:.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=pathlib.Path, help="a .keras corner model; without it, the classical "
                                                            "baseline alone")
    parser.add_argument("--photos", required=True, type=pathlib.Path, help="folder with annotations.json")
    parser.add_argument("--json", type=pathlib.Path, help="also write the full report here")
    parser.add_argument("--sheet", type=pathlib.Path, help="also draw every photo with the label (green), the "
                                                           "model (red) and the baseline (blue) to this PNG")
    args = parser.parse_args(argv)
    names, sizes, results = score_methods(args.model, args.photos)
    table = report(args.photos, names, sizes, results)
    print_markdown(names, table)
    print_cards_markdown(names, table)
    if args.json:
        args.json.write_text(json.dumps(table, indent=1))
    if args.sheet:
        contact_sheet(args.photos, names, results, args.sheet)


if __name__ == "__main__":
    main()
