"""Scores a corner model and the classical baseline on the same labelled real photos.

    python benchmarks/realdev.py --model runs/budget/best.keras --photos realdev [--json report.json]

`--photos` is a folder with `annotations.json` (labels in displayed pixels, with
ties in `cards`/`equally_near`), such as `../shared/realdev/` once its photos are
extracted (`python ../shared/realdev/extract.py realdev --repos ROOT`). For each
photo it prints the worst corner's error as a share of the photo's longer side,
order-aware and order-free, for the model's first pass, the model with its
cropped second pass, the same with every pass turned four ways (`model.inference.rotations`,
what `model.predict` does by default), and the classical baseline
(`classical_baseline.find_card`); then the share within 3% and the median of each. Never train or tune on these photos.
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


def score_methods(model_path: pathlib.Path, folder: pathlib.Path) -> tuple[list[str], np.ndarray, dict[str, dict]]:
    """Runs every method on every photo.

    Returns:
      (file names, photo sizes [N, 2] (width, height as displayed),
       {method: {"corners": [N, 4, 2], "seconds": [N], "presence": [N]}}).
    """
    records = annotations.read_annotations(folder)
    net = load_model(model_path)
    methods = {"model, one pass": Predictor(net, refine=False, rotate=False),
               "model, refined": Predictor(net, refine=True, rotate=False),
               "model, refined, 4 turns": Predictor(net, refine=True, rotate=True), "classical": None}
    results = {name: {"corners": [], "seconds": [], "presence": []} for name in methods}
    sizes = []
    for record in records:
        photo = letterbox.load_photo(folder / record["filename"])
        sizes.append(photo.shape[1::-1])
        for name, predictor in methods.items():
            start = time.perf_counter()
            if predictor is None:
                found = classical_baseline.find_card(photo)
                corners, presence = (np.zeros([4, 2], np.float32), 0.0) if found is None else (found, 1.0)
            else:
                answer = predictor.predict_photo(photo)
                corners, presence = answer["corners"], answer["presence"]
            results[name]["seconds"].append(time.perf_counter() - start)
            results[name]["corners"].append(corners)
            results[name]["presence"].append(presence)
    return [r["filename"] for r in records], np.asarray(sizes, np.float32), {
        name: {key: np.asarray(value) for key, value in result.items()} for name, result in results.items()}


def report(folder: pathlib.Path, names: list[str], sizes: np.ndarray, results: dict[str, dict]) -> dict:
    """Per-photo worst-corner shares and the summary of each method."""
    targets = [metrics.candidates(record) for record in annotations.read_annotations(folder)]
    table = {}
    for method, result in results.items():
        worst = metrics.per_image(result["corners"], targets, sizes)
        table[method] = {
            "per_photo": {name: {key: round(float(value[i]), 5) for key, value in worst.items()}
                          for i, name in enumerate(names)},
            "within3_aware": float(np.mean(worst["worst_frac_aware"] <= metrics.WITHIN_FRACTION)),
            "within3_free": float(np.mean(worst["worst_frac_free"] <= metrics.WITHIN_FRACTION)),
            "median_aware": float(np.median(worst["worst_frac_aware"])),
            "median_free": float(np.median(worst["worst_frac_free"])),
            "presence_found": float(np.mean(result["presence"] >= 0.5)),
            "ms_per_photo": float(1000 * np.median(result["seconds"]))}
    return table


def contact_sheet(folder: pathlib.Path, names: list[str], results: dict[str, dict], path: pathlib.Path,
                  tile: int = 320) -> None:
    """Thumbnails of every photo: the label green, the model as predict runs it red, the baseline blue (TL ringed)."""
    records = {record["filename"]: record for record in annotations.read_annotations(folder)}
    columns = 6
    sheet = Image.new("RGB", (columns * tile, -(-len(names) // columns) * tile))
    quads = (("label", None, (40, 220, 40)), ("model", "model, refined, 4 turns", (240, 40, 40)),
             ("classical", "classical", (60, 120, 255)))
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
    print("| ms per photo (median) | " + " | ".join(f"{table[m]['ms_per_photo']:.0f}" for m in methods) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=pathlib.Path, help="a .keras corner model")
    parser.add_argument("--photos", required=True, type=pathlib.Path, help="folder with annotations.json")
    parser.add_argument("--json", type=pathlib.Path, help="also write the full report here")
    parser.add_argument("--sheet", type=pathlib.Path, help="also draw every photo with the label (green), the "
                                                           "model (red) and the baseline (blue) to this PNG")
    args = parser.parse_args(argv)
    names, sizes, results = score_methods(args.model, args.photos)
    table = report(args.photos, names, sizes, results)
    print_markdown(names, table)
    if args.json:
        args.json.write_text(json.dumps(table, indent=1))
    if args.sheet:
        contact_sheet(args.photos, names, results, args.sheet)


if __name__ == "__main__":
    main()
