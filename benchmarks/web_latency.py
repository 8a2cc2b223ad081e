"""The TF.js export per quantisation (size, parity with Keras) and the page's latency in Chromium per backend.

    python benchmarks/web_latency.py --model runs/budget/best.keras --photos realdev/tyler_01.jpg ... \
        [--repeat 5] [--out runs/web_bench] [--backends wasm] [--baseline ../clone_of_main] \
        [--screenshot realdev/tyler_03.jpg --screenshot_out docs/harness.jpg]

1. Exports the model with each quantisation (`export.py`) and reports the
   weights' size and the largest corner difference from Keras, in % of the
   input side, on the photos' letterboxed inputs (TF.js CPU backend in Node).
2. Serves the page (web/index.html) with the float16 export and opens it in
   headless Chromium once per backend (WebGL on SwiftShader, WASM, CPU). Each
   photo is analysed `--repeat` times; it reports the photo path's median time
   to the corners (`findCard`: letterbox, both passes) and to the outlines and
   straightened cards drawn (the warps run when the page reads the crops), and
   the largest corner difference from `model.predict` in % of the photo's
   longer side, and where the time went (`SPLIT`: the image read, the
   letterboxes, the model calls, the decoding, the warps, the drawing). In the same
   run the page's webcam plays `--live_frames` 640 x 480 frames made from the
   first photo (panning across it) on Chromium's fake camera, and it reports
   the live path's median and 95th-percentile time per frame (one view of the
   tracked crop, letterboxed with TF.js ops, no warp), the first
   `LIVE_WARMUP` frames left out; then once more on WASM with the live path
   in a dedicated Worker (`?worker=1`).
3. With --baseline, runs another checkout's page (its web/ page and src/, on
   this run's export, photos and video) just before this code's on each
   backend, and prints both and their ratio.
4. With --screenshot, saves a screenshot of the page on that photo (WASM).
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from augment_tf import letterbox  # noqa: E402
from model.inference.loading import load_model  # noqa: E402
from model.inference.predictor import Predictor  # noqa: E402
from web import harness  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
QUANTIZE = ("none", "float16", "uint8")
BACKENDS = ("webgl", "wasm", "cpu")
LIVE_FRAME = (640, 480)       # the live path's frames, a webcam's (width, height)
SPLIT = ("read", "letterbox", "model", "decode", "warp", "draw")   # the photo path's stages (the page's `timings`)
LIVE_WARMUP = 3               # live frames left out of the figures: the camera starting


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", required=True, help="the .keras corner model to export and time")
    parser.add_argument("--photos", nargs="+", required=True, help="photos to run (any size; EXIF is applied)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each photo per backend")
    parser.add_argument("--live_frames", type=int, default=60, help="640 x 480 webcam frames timed per backend")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS),
                        help="TF.js backends to time the page on")
    parser.add_argument("--baseline", type=pathlib.Path,
                        help="another checkout of this repository (say a clone at an earlier commit) whose page "
                             "(web/'s page and src/) runs on each backend just before this code's, on the same "
                             "export, photos and video; both are printed with their ratio")
    parser.add_argument("--out", default="runs/web_bench", help="folder for the exports and the runs' files")
    parser.add_argument("--screenshot", help="a photo to show in a screenshot of the page")
    parser.add_argument("--screenshot_out", default="docs/harness.jpg", help="where to save the screenshot")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.baseline and not (args.baseline / "web" / "page.js").is_file():
        parser.error(f"--baseline {args.baseline}: no web/page.js there, not a checkout of this repository")
    return args


def export(model: str, out: pathlib.Path, quantize: str) -> dict:
    """Exports with export.py; returns its model card."""
    folder = out / f"web_{quantize}"
    subprocess.run([sys.executable, str(ROOT / "export.py"), "--model", model, "--out", str(folder),
                    "--quantize", quantize, "--overwrite"], check=True, capture_output=True)
    return json.loads((folder / "model_card.json").read_text())


def export_parity(net, photos: list[np.ndarray], out: pathlib.Path, quantize: str) -> float:
    """Largest |TF.js - Keras| corner coordinate on the letterboxed photos, in % of the input side."""
    size = int(net.input.shape[1])
    inputs = np.stack([letterbox.letterbox(photo, size)[0] for photo in photos])       # [N, S, S, 3]
    tfjs = harness.tfjs_outputs(out / f"web_{quantize}", inputs, out)["coords"]
    return 100 * float(np.abs(tfjs - np.asarray(net(inputs, training=False)["coords"])).max())


def live_video(photo: np.ndarray, count: int, path: pathlib.Path) -> pathlib.Path:
    """Writes `count` 640 x 480 frames panning across the photo (a hand-held camera's drift) as a Y4M video."""
    width, height = LIVE_FRAME
    scale = 1.25 * max(width / photo.shape[1], height / photo.shape[0])         # room to pan
    big = np.asarray(Image.fromarray(photo).resize((round(photo.shape[1] * scale), round(photo.shape[0] * scale)),
                                                   Image.Resampling.BILINEAR))
    spare = np.array(big.shape[1::-1]) - LIVE_FRAME                            # [x, y] pixels to pan over
    frames = []
    for k in range(count):
        x, y = (spare * (0.5 + 0.5 * np.sin([2 * np.pi * k / count, 4 * np.pi * k / count]))).astype(int)
        frames.append(big[y:y + height, x:x + width])
    harness.write_y4m(np.stack(frames), path)
    return path


def page_run(site: pathlib.Path, out: pathlib.Path, backend: str, photos: list[str], repeat: int,
             screenshot: str | None = None, video: pathlib.Path | None = None, live_frames: int = 0,
             worker: bool = False) -> dict:
    with harness.serve(site) as url:
        return harness.run_page({"url": f"{url}index.html?backend={backend}{'&worker=1' if worker else ''}",
                                  "swiftshader": backend == "webgl",
                                  "photos": photos, "repeat": repeat,
                                  **({"webcam": {"video": str(video), "frames": live_frames}} if video else {}),
                                  **({"screenshot": screenshot} if screenshot else {})}, out, backend)


def split(run: dict, paths: list[str]) -> dict[str, float]:
    """The median milliseconds of each stage of the photo path over every photo and run of a page run (the page's
    `timings`: `findCard`'s read, letterbox, model and decode, then the warps and the drawing)."""
    timings = [timing for path in paths for timing in run["photos"][pathlib.Path(path).name]["timings"]]
    return {stage: float(np.median([timing[stage] for timing in timings])) for stage in SPLIT}


def print_split(pages: dict[str, dict]) -> None:
    """Prints where each backend's photo path spent its time, stage by stage (`split`)."""
    print(f"\n| backend: photo path, median ms | {' | '.join(SPLIT)} |\n|---|{'---|' * len(SPLIT)}")
    for backend, page in pages.items():
        cells = " | ".join(f"{page['split_median_ms'][stage]:.0f}" for stage in SPLIT)
        print(f"| {backend} | {cells} |")


def page_figures(run: dict, paths: list[str], photos: list[np.ndarray], keras: list[np.ndarray]) -> dict:
    """One page run's figures: the photo path's median times, split and largest corner difference from
    `model.predict` (% of the photo's longer side), and the live path's median and p95 per frame."""
    milliseconds, shown = ([value for path in paths for value in run["photos"][pathlib.Path(path).name][key]]
                           for key in ("milliseconds", "shownMilliseconds"))
    differences = [np.abs(np.array(run["photos"][pathlib.Path(path).name]["last"]["corners"]) - expected).max()
                   / max(photo.shape[:2]) for path, photo, expected in zip(paths, photos, keras)]
    live = run["webcam"]["milliseconds"][LIVE_WARMUP:]
    return {"ran": run["backend"], "median_ms": float(np.median(milliseconds)),
            "shown_median_ms": float(np.median(shown)), "split_median_ms": split(run, paths),
            "max_corner_percent": 100 * float(max(differences)), "live_median_ms": float(np.median(live)),
            "live_p95_ms": float(np.percentile(live, 95)), "live_frames": len(live)}


def print_against_baseline(pages: dict[str, dict], baselines: dict[str, dict]) -> None:
    """Prints each backend's figures beside the baseline's, measured in the same run, and their ratio."""
    compared = ("median_ms", "letterbox", "model", "live_median_ms", "live_p95_ms")   # a page's key or a stage
    print("\n| backend: median ms, baseline / this code (ratio) | photo path to the corners | letterbox | model | "
          "live path | live p95 |\n|---|---|---|---|---|---|")
    for backend, base in baselines.items():
        figures = [tuple(page["split_median_ms"][key] if key in SPLIT else page[key] for page in (base, pages[backend]))
                   for key in compared]
        cells = " | ".join(f"{before:.0f} / {after:.0f} ({after / max(before, 1e-9):.2f})" for before, after in figures)
        print(f"| {backend} | {cells} |")


def main(argv=None) -> None:
    args = parse_args(argv)
    out = pathlib.Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    net = load_model(args.model)
    photos = [letterbox.load_photo(path) for path in args.photos]
    report = {"exports": {}, "page": {}, "baseline": {}}

    print("| quantisation | weights | max corner difference from Keras (% of input side) |\n|---|---|---|")
    for quantize in QUANTIZE:
        card = export(args.model, out, quantize)
        difference = export_parity(net, photos, out, quantize)
        report["exports"][quantize] = {"weights_bytes": card["weights_bytes"], "max_coords_percent": difference}
        print(f"| {quantize} | {card['weights_bytes'] / 1e6:.2f} MB | {difference:.4f} |")

    site = out / "site"
    if not site.exists():
        harness.page_site(site, out / "web_float16")
    if args.baseline:
        base_site = out / "baseline_site"
        shutil.rmtree(base_site, ignore_errors=True)
        harness.page_site(base_site, out / "web_float16", args.baseline / "web")
    keras = [Predictor(net).predict_photo(photo)["corners"] for photo in photos]
    paths = [str(pathlib.Path(path).resolve()) for path in args.photos]
    video = live_video(photos[0], args.live_frames, out / "live.y4m")
    live_frames = LIVE_WARMUP + args.live_frames
    print("\n| backend (page, float16 weights) | photo path: median ms to the corners | with the straightened cards "
          "drawn | max corner difference from model.predict (% of photo side) | live path (640 x 480): median ms "
          "per frame | live: p95 ms |\n|---|---|---|---|---|---|")
    for backend in args.backends:
        if args.baseline:
            report["baseline"][backend] = page_figures(page_run(base_site, out, backend, paths, args.repeat,
                                                                video=video, live_frames=live_frames),
                                                       paths, photos, keras)
        page = report["page"][backend] = page_figures(page_run(site, out, backend, paths, args.repeat, video=video,
                                                               live_frames=live_frames), paths, photos, keras)
        name = backend if page["ran"] == backend else f"{backend} (fell back to {page['ran']})"
        print(f"| {name} | {page['median_ms']:.0f} | {page['shown_median_ms']:.0f} | "
              f"{page['max_corner_percent']:.3f} | {page['live_median_ms']:.0f} | {page['live_p95_ms']:.0f} |")
    if "wasm" in args.backends:
        run = page_run(site, out, "wasm", [], 0, video=video, live_frames=live_frames, worker=True)
        live = run["webcam"]["milliseconds"][LIVE_WARMUP:]
        report["page"]["wasm_worker"] = {"ran": run["backend"], "live_median_ms": float(np.median(live)),
                                         "live_p95_ms": float(np.percentile(live, 95)), "live_frames": len(live)}
        print(f"| {run['backend']}, the live path in a Worker (`?worker=1`) | | | | {np.median(live):.0f} | "
              f"{np.percentile(live, 95):.0f} |")
    print_split({backend: page for backend, page in report["page"].items() if "split_median_ms" in page})
    if args.baseline:
        print(f"\nbaseline: {args.baseline.resolve()}")
        print_against_baseline(report["page"], report["baseline"])

    if args.screenshot:
        shot = pathlib.Path(args.screenshot_out).resolve()
        shot.parent.mkdir(parents=True, exist_ok=True)
        page_run(site, out, "wasm", [str(pathlib.Path(args.screenshot).resolve())], 1, str(shot))
        print(f"\nscreenshot of the page on {args.screenshot}: {shot}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
