"""The live path's accuracy, jitter and re-acquisition on a labelled video, beside the photo path (issue 21).

    python benchmarks/live_accuracy.py --model runs/budget30_binder/best.keras --photos realdev \
        --names brett_01.png brett_04.png tyler_01.jpg [--quantize float16] [--backend wasm] [--photo_every 4] \
        [--still 20] [--move 12] [--absent 6] [--back 15] [--noise 3] [--chromium 200] [--out runs/live_accuracy] \
        [--tuning beta=9 minCutoff=1.5] [--json FILE]
    python benchmarks/live_accuracy.py --web runs/live_accuracy/web_float16 --photos DUMP_FOLDER   # an export

A video per photo. `--photos` is a folder with annotations.json (the real photos, or a folder `augment_tf.dump`
wrote); the primary card of each photo (its `corners`) is filmed by a scripted camera: 640 x 480 frames, each an
affine map of the photo, the card's labelled corners moved by the same map (so every frame's label is exact), plus
Gaussian sensor noise drawn anew for every frame (so a still card is not trivially still). The script, from a view
with the card centred at `--card_fraction` of the frame's height: the card still (`--still` frames); a slow shift,
a turn, a zoom in, a zoom out and the way back to the first view (`--move` frames each, eased); the card gone
(`--absent` frames of the bare table, the photo's border colour: the camera moved off it); then the card back in the
first view (`--back` frames).

Node runs web/src on every frame in order (web/node/live_accuracy.mjs), the model exported by export.py: a fresh
`LiveTracker` per video (the live path: one view of the tracked crop, the corners smoothed across frames), and the
photo path `findCard` (both passes, the rotation vote) on every `--photo_every`-th frame, as the reference. A fake
camera in Chromium plays in real time and drops frames; here every frame is processed, so every answer has its
label. The time per frame is `web_latency.py`'s, not this script's. `--tuning` changes fields of the live path's
`LIVE_TUNING` (web/src/tracking.js) for the Node runs, to weigh the smoothing's lag against its jitter before the
defaults change.

It prints, per video and overall: the share of the card's frames the live path finds (presence at least the model
card's threshold) with its worst corner within 3% of the frame's longer side (its smoothed corners; order-aware and
order-free, `model.evaluation.metrics.per_image`); the same share for both paths on the frames the photo path ran
on, and the difference in points; the jitter on the still segment (after `--settle` frames): the median over
consecutive found frames of the largest corner move, in % of the frame's longer side, of the smoothed corners and
of the raw ones; the re-acquisition: frames processed from the card's return, that frame counted as 1, until the
live path finds the card, and until it finds it within 3% ("never" if not in the `--back` frames); the frames of the
absence where the live path said it found a card. Then the live path's share within 3% per motion segment, all
videos together.

With `--chromium ANSWERS`, each video, every frame's index stamped along its bottom rows, also plays on Chromium's
fake camera to the page's live path (WASM, in real time: frames drop, as a webcam's do) until the page answered
ANSWERS frames; the page reads each frame's stamp, so every answer is scored against its own frame's label: the
share within 3% beside Node's live path on the same frames, and the page's time per answer.
"""

import argparse
import dataclasses
import json
import math
import os
import pathlib
import sys
import tempfile
from typing import NamedTuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from augment_tf import annotations, letterbox  # noqa: E402
from model.evaluation import metrics  # noqa: E402
from model.training.run_files import write_json  # noqa: E402
from web import harness  # noqa: E402

FRAME = (640, 480)             # (width, height): a webcam's frames, the live path's
SIDE = max(FRAME)              # the frame's longer side: errors and motion are shares of it
FPS = 30                       # the frames' times, for the One Euro smoothing
BORDER = 0.02                  # the share of the photo's side whose ring gives the table's colour
SEGMENTS = ("still", "shift", "turn", "zoom in", "zoom out", "settle", "absent", "back")


class Camera(NamedTuple):
    """Where the camera looks, relative to the first view (the card centred at the script's size)."""

    dx: float = 0.0            # the card moved right in the frame, frame pixels
    dy: float = 0.0            # the card moved down, frame pixels
    angle: float = 0.0         # the card turned anticlockwise on screen, degrees
    zoom: float = 1.0          # the card's size over the first view's


class Segment(NamedTuple):
    """A stretch of the script: `frames` frames easing from the last segment's camera to `camera`; a camera of None
    sees no card (the bare table)."""

    name: str
    frames: int
    camera: Camera | None


@dataclasses.dataclass(frozen=True)
class Sequence:
    """A labelled video of one photo.

    Attributes:
      frames: [N, H, W, 3] uint8 RGB, H x W = FRAME as (height, width).
      labels: [N, 4, 2] float64 the card's TL, TR, BR, BL in frame pixels; NaN where no card is seen.
      maps: [N, 2, 3] float64 photo pixels -> frame pixels (continuous coordinates); NaN where no card is seen.
      segments: [N] the script's segment name of each frame.
      fill: the table's colour, RGB 0..255, where the frame sees past the photo and in the absence.
    """

    frames: np.ndarray
    labels: np.ndarray
    maps: np.ndarray
    segments: list[str]
    fill: tuple[int, int, int]

    @property
    def present(self) -> np.ndarray:
        """[N] bool: the frame shows the card."""
        return ~np.isnan(self.labels).any(axis=(1, 2))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", type=pathlib.Path, help="a .keras corner model, exported to OUT/web_QUANTIZE "
                                                           "with export.py first")
    source.add_argument("--web", type=pathlib.Path, help="an existing export (model.json, model_card.json), used "
                                                         "as it is instead of --model")
    parser.add_argument("--photos", required=True, type=pathlib.Path,
                        help="folder with annotations.json and its photos: realdev, or a dump")
    parser.add_argument("--names", nargs="+", help="film only these photos (file names in annotations.json); "
                                                   "default every photo")
    parser.add_argument("--quantize", choices=("none", "float16", "uint8"), default="float16",
                        help="the export's weights, with --model (float16: the page's)")
    parser.add_argument("--backend", choices=("cpu", "wasm"), default="wasm", help="TF.js backend in Node")
    parser.add_argument("--photo_every", type=int, default=4,
                        help="run the photo path on frames 0, K, 2K, ... (it is ~10x slower than the live path)")
    parser.add_argument("--still", type=int, default=20, help="frames of the still card at the start")
    parser.add_argument("--move", type=int, default=12, help="frames of each motion: shift, turn, zoom in, "
                                                             "zoom out, the way back")
    parser.add_argument("--absent", type=int, default=6, help="frames without the card")
    parser.add_argument("--back", type=int, default=15, help="frames of the card back in the first view")
    parser.add_argument("--shift", type=float, nargs=2, default=(60.0, 30.0), metavar=("DX", "DY"),
                        help="the shift's end, frame pixels right and down")
    parser.add_argument("--turn", type=float, default=15.0, help="the turn's end, degrees anticlockwise")
    parser.add_argument("--zoom", type=float, nargs=2, default=(1.25, 0.85), metavar=("IN", "OUT"),
                        help="the card's size at the end of the zoom in and of the zoom out, over the first view's")
    parser.add_argument("--card_fraction", type=float, default=0.6,
                        help="the card's longer extent in the first view, as a share of the frame's height")
    parser.add_argument("--noise", type=float, default=3.0, help="sensor noise: Gaussian sigma in levels of 255, "
                                                                 "drawn per pixel, channel and frame")
    parser.add_argument("--settle", type=int, default=5, help="still frames left out of the jitter at the start")
    parser.add_argument("--seed", type=int, default=0, help="the noise's seed")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("runs/live_accuracy"),
                        help="folder for the export and the Node runs' files")
    parser.add_argument("--y4m", action="store_true", help="also write each video as OUT/NAME.y4m (30 fps) to "
                                                           "watch, or to play on Chromium's fake camera")
    parser.add_argument("--chromium", type=int, default=0, metavar="ANSWERS",
                        help="also play each video, every frame stamped with its index, on Chromium's fake camera "
                             "(real time, looping, dropping frames) to the page's live path until it answered this "
                             "many frames, and score the answers on the frames they are of; 0: not")
    parser.add_argument("--tuning", nargs="+", type=tuning_field, default=[], metavar="NAME=VALUE",
                        help="change the live path's tuning for this run (LIVE_TUNING in web/src/tracking.js: "
                             f"{', '.join(f'{k}={v:g}' for k, v in harness.live_tuning().items())}), in Node; "
                             "the page (--chromium) keeps its own")
    parser.add_argument("--json", type=pathlib.Path, help="also write the report, with every frame's scores, here")
    args = parser.parse_args(argv)
    if min(args.still, args.move, args.absent, args.back) < 1 or min(args.photo_every, args.chromium) < 0:
        parser.error("--still, --move, --absent and --back need at least 1 frame; --photo_every and --chromium at "
                     "least 0")
    return args


def tuning_field(text: str) -> tuple[str, float]:
    """`--tuning`'s NAME=VALUE: a field of `LIVE_TUNING` (web/src/tracking.js) and a number."""
    name, equals, value = text.partition("=")
    fields = harness.live_tuning()
    if not equals or name not in fields:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE with NAME one of {', '.join(fields)}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a number") from None


# The motion script -> one camera per frame.

def motion_script(still: int = 20, move: int = 12, absent: int = 6, back: int = 15, shift=(60.0, 30.0),
                  turn: float = 15.0, zoom=(1.25, 0.85)) -> list[Segment]:
    """The camera's script: still, shift, turn, zoom in, zoom out, settle (back to the first view), absent, back."""
    moved = Camera(dx=shift[0], dy=shift[1])
    turned = moved._replace(angle=turn)
    return [Segment("still", still, Camera()), Segment("shift", move, moved), Segment("turn", move, turned),
            Segment("zoom in", move, turned._replace(zoom=zoom[0])),
            Segment("zoom out", move, turned._replace(zoom=zoom[1])), Segment("settle", move, Camera()),
            Segment("absent", absent, None), Segment("back", back, Camera())]


def frame_cameras(script: list[Segment]) -> tuple[list[str], list[Camera | None]]:
    """Each frame's segment name and camera: a segment eases (half a cosine) from the last camera to its own,
    reaching it on its last frame; None where the card is gone."""
    names, cameras, last = [], [], Camera()
    for segment in script:
        for index in range(segment.frames):
            if segment.camera is None:
                cameras.append(None)
                continue
            ease = (1 - math.cos(math.pi * (index + 1) / segment.frames)) / 2
            cameras.append(Camera(*(a + (b - a) * ease for a, b in zip(last, segment.camera))))
        names += [segment.name] * segment.frames
        last = segment.camera or last
    return names, cameras


# Cameras -> maps from the photo to the frame.

def base_scale(corners: np.ndarray, card_fraction: float) -> float:
    """Frame pixels per photo pixel in the first view: the card's longer extent at `card_fraction` of the height."""
    extent = np.ptp(np.asarray(corners, np.float64), axis=0).max()
    return card_fraction * FRAME[1] / extent


def camera_map(camera: Camera, corners: np.ndarray, scale: float) -> np.ndarray:
    """[2, 3] photo pixels -> frame pixels: the card's centre to the frame's centre plus the shift, turned and
    scaled about it (continuous coordinates: a pixel spans [x, x + 1))."""
    theta = math.radians(camera.angle)
    turn = np.array([[math.cos(theta), math.sin(theta)], [-math.sin(theta), math.cos(theta)]])   # anticlockwise
    linear = camera.zoom * scale * turn                                                          # [2, 2]
    centre = np.asarray(corners, np.float64).mean(axis=0)                                       # [2]
    target = np.array(FRAME, np.float64) / 2 + [camera.dx, camera.dy]
    return np.concatenate([linear, (target - linear @ centre)[:, None]], axis=1)


def apply_map(photo_map: np.ndarray, points: np.ndarray) -> np.ndarray:
    """[..., 2] points moved by a [2, 3] affine map."""
    return np.asarray(points, np.float64) @ photo_map[:, :2].T + photo_map[:, 2]


def invert_map(photo_map: np.ndarray) -> np.ndarray:
    """The [2, 3] affine map that undoes `photo_map`."""
    inverse = np.linalg.inv(photo_map[:, :2])
    return np.concatenate([inverse, -(inverse @ photo_map[:, 2])[:, None]], axis=1)


# Maps -> frames and labels.

def table_colour(photo: np.ndarray) -> tuple[int, int, int]:
    """The median colour of the photo's outer ring (BORDER of its shorter side): the table the card lies on."""
    ring = max(1, round(BORDER * min(photo.shape[:2])))
    mask = np.ones(photo.shape[:2], bool)
    mask[ring:-ring, ring:-ring] = False
    return tuple(int(v) for v in np.median(photo[mask], axis=0))


def staged_photo(photo: np.ndarray, largest_scale: float) -> tuple[Image.Image, np.ndarray]:
    """The photo resized (Lanczos) to about the largest scale it is filmed at, so the bilinear warp of each frame
    never shrinks it much (a camera averages, it does not skip pixels); never enlarged.

    Returns:
      (the image, [2, 3] the map from the photo's pixels to its pixels).
    """
    height, width = photo.shape[:2]
    if largest_scale >= 1:
        return Image.fromarray(photo), np.array([[1.0, 0, 0], [0, 1.0, 0]])
    size = (max(1, round(width * largest_scale)), max(1, round(height * largest_scale)))
    image = Image.fromarray(photo).resize(size, Image.Resampling.LANCZOS)
    return image, np.array([[size[0] / width, 0, 0], [0, size[1] / height, 0]])   # Pillow maps the edges onto edges


def render_frame(image: Image.Image, image_map: np.ndarray, fill: tuple[int, int, int]) -> np.ndarray:
    """[H, W, 3] uint8: `image` seen through `image_map` ([2, 3] its pixels -> the frame's), bilinear, `fill` where
    the frame sees past it. Pillow's affine transform takes the frame -> image map and samples pixel centres in the
    continuous convention, as the labels are moved."""
    coefficients = invert_map(image_map).ravel().tolist()
    return np.asarray(image.transform(FRAME, Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR,
                                      fillcolor=fill))


def add_noise(frame: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """The frame plus Gaussian sensor noise of `sigma` levels per pixel and channel, rounded to uint8."""
    if sigma == 0:
        return frame
    return np.clip(np.rint(frame + rng.normal(0, sigma, frame.shape)), 0, 255).astype(np.uint8)


def build_sequence(photo: np.ndarray, corners: np.ndarray, script: list[Segment], card_fraction: float = 0.6,
                   noise: float = 3.0, seed: int = 0) -> Sequence:
    """Films a photo's card by the script: each frame's map, frame (plus its own noise) and label.

    Args:
      photo: [H, W, 3] uint8 RGB as displayed.
      corners: [4, 2] the card's TL, TR, BR, BL in the photo's pixels.
      script: `motion_script`'s segments.
      card_fraction: the card's longer extent in the first view, a share of the frame's height.
      noise: the sensor noise's sigma, levels of 255.
      seed: the noise's seed; frame k draws from (seed, k).
    """
    segments, cameras = frame_cameras(script)
    scale = base_scale(corners, card_fraction)
    largest = scale * max(camera.zoom for camera in cameras if camera is not None)
    image, to_image = staged_photo(photo, largest)
    to_image = np.concatenate([to_image, [[0, 0, 1]]])                                   # [3, 3]
    fill = table_colour(photo)
    blank = np.empty(FRAME[::-1] + (3,), np.uint8)
    blank[:] = fill
    frames, labels, maps = [], [], []
    for index, camera in enumerate(cameras):
        rng = np.random.default_rng([seed, index])
        if camera is None:
            frames.append(add_noise(blank, noise, rng))
            labels.append(np.full([4, 2], np.nan))
            maps.append(np.full([2, 3], np.nan))
            continue
        photo_map = camera_map(camera, corners, scale)                                  # photo -> frame
        image_map = photo_map @ np.linalg.inv(to_image)                                 # staged image -> frame
        frames.append(add_noise(render_frame(image, image_map, fill), noise, rng))
        labels.append(apply_map(photo_map, corners))
        maps.append(photo_map)
    return Sequence(np.stack(frames), np.stack(labels), np.stack(maps), segments, fill)


# Running web/src in Node on the frames.

def write_frames(frames: np.ndarray, path: pathlib.Path) -> dict:
    """Writes [N, H, W, 3] uint8 frames as RGBA bytes one after another; returns the job's "video" entry."""
    alpha = np.full(frames.shape[1:3] + (1,), 255, np.uint8)
    with open(path, "wb") as file:
        for frame in frames:
            file.write(np.concatenate([frame, alpha], axis=-1).tobytes())
    return {"rgba": str(path), "width": int(frames.shape[2]), "height": int(frames.shape[1]),
            "count": int(frames.shape[0])}


def run_paths(web: pathlib.Path, frames: np.ndarray, scratch: pathlib.Path, backend: str = "cpu",
              photo_every: int = 4, tuning: dict | None = None) -> dict:
    """Runs the live path on every frame in order and the photo path on every `photo_every`-th frame, in Node
    (web/node/live_accuracy.mjs); `tuning` changes `LIVE_TUNING`'s fields (web/src/tracking.js) for the run.

    Returns:
      {"live": {"corners", "raw": [N, 4, 2] frame pixels, "presence": [N], "found", "tracking": [N] bool},
       "photo": {"frames": [M] int, "corners": [M, 4, 2], "presence": [M], "found": [M] bool}, "backend"}.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        folder = pathlib.Path(folder)
        job = {"card": str(web / "model_card.json"), "model": str(web), "backend": backend, "fps": FPS,
               "photoEvery": photo_every, "tuning": tuning or {},
               "video": write_frames(frames, folder / "frames.rgba")}
        (folder / "job.json").write_text(json.dumps(job))
        harness.run_node("live_accuracy.mjs", folder / "job.json", folder / "out.json", timeout=3600)
        answer = json.loads((folder / "out.json").read_text())
    live, photo = answer["live"], answer["photo"]
    return {"backend": answer["backend"],
            "live": {"corners": _quads(live, "corners"), "raw": _quads(live, "raw"),
                     "presence": np.float64([a["presence"] for a in live]),
                     "found": np.array([a["found"] for a in live], bool),
                     "tracking": np.array([a["tracking"] for a in live], bool)},
            "photo": {"frames": np.array([a["frame"] for a in photo], np.int64), "corners": _quads(photo, "corners"),
                      "presence": np.float64([a["presence"] for a in photo]),
                      "found": np.array([a["found"] for a in photo], bool)}}


def _quads(answers: list[dict], key: str) -> np.ndarray:
    return np.asarray([a[key] for a in answers], np.float64).reshape([-1, 4, 2])


def run_page(web: pathlib.Path, frames: np.ndarray, scratch: pathlib.Path, answers: int) -> dict:
    """Plays the frames, each stamped with its index (`harness.stamp_frames`), as a Y4M video on Chromium's fake
    camera to the page's live path (WASM, the page's thread) until it has answered `answers` frames. The camera plays
    in real time, loops and drops frames; the stamp says which frame each answer is of.

    Returns:
      {"backend", "frames": [A] int, the frame each answer is of, "corners": [A, 4, 2] frame pixels (NaN where none
       was found), "found": [A] bool, "milliseconds": [A] the page's time per answer}.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        folder = pathlib.Path(folder)
        harness.write_y4m(harness.stamp_frames(frames), folder / "video.y4m")
        site = harness.page_site(folder / "site", web)
        with harness.serve(site) as url:
            run = harness.run_page({"url": f"{url}index.html?{harness.STAMP_QUERY}", "webgl": False, "photos": [],
                                    "webcam": {"video": str(folder / "video.y4m"), "frames": answers}}, folder, "live")
    if run.get("error") is not None:
        raise harness.WebToolError(f"the page failed: {run['error']}")
    track = run["webcam"]["track"]
    return {"backend": run["backend"], "frames": np.array([answer["index"] for answer in track], np.int64),
            "corners": np.float64([np.full([4, 2], np.nan) if answer["corners"] is None else answer["corners"]
                                   for answer in track]).reshape([-1, 4, 2]),
            "found": np.array([answer["found"] for answer in track], bool),
            "milliseconds": np.float64(run["webcam"]["milliseconds"][-len(track):])}


# Scores.

def worst_fractions(corners: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Each frame's worst corner error / the frame's longer side, {"aware": [N], "free": [N]}; NaN where no label.
    `metrics.per_image`'s arithmetic (order-free: the best cyclic shift)."""
    present = ~np.isnan(labels).any(axis=(1, 2))
    worst = {kind: np.full(len(labels), np.nan) for kind in ("aware", "free")}
    if present.any():
        sizes = np.tile(np.float64(FRAME), (int(present.sum()), 1))                        # [P, 2]
        scored = metrics.per_image(corners[present], labels[present], sizes)
        for kind in worst:
            worst[kind][present] = scored[f"worst_frac_{kind}"]
    return worst


def hits(found: np.ndarray, worst: np.ndarray) -> np.ndarray:
    """[N] bool: the card found with its worst corner within `metrics.WITHIN_FRACTION` (False where no label)."""
    return np.asarray(found, bool) & (np.nan_to_num(worst, nan=np.inf) <= metrics.WITHIN_FRACTION)


def still_motion(corners: np.ndarray, found: np.ndarray, segments: list[str], settle: int) -> np.ndarray:
    """The largest corner move between consecutive frames of the first still segment, after `settle` frames, where
    both are found; shares of the frame's longer side, [pairs]."""
    still = [index for index, name in enumerate(segments) if name == "still"][settle:]
    pairs = [(a, b) for a, b in zip(still, still[1:]) if b == a + 1 and found[a] and found[b]]
    if not pairs:
        return np.zeros([0])
    first, second = np.array(pairs).T
    return np.linalg.norm(corners[second] - corners[first], axis=-1).max(-1) / SIDE


def reacquisition(ok: np.ndarray, segments: list[str]) -> int | None:
    """Frames processed from the card's return (the first frame after the absence, counted as 1) until `ok`;
    None if never."""
    absent = [index for index, name in enumerate(segments) if name == "absent"]
    back = absent[-1] + 1
    later = np.flatnonzero(np.asarray(ok, bool)[back:])
    return int(later[0]) + 1 if len(later) else None


def score_sequence(sequence: Sequence, run: dict, settle: int = 5) -> dict:
    """One video's scores (see the module's docstring): shares in 0..1, jitter in shares of the frame's side; under
    "per_frame" every frame's live answer scored, under "reference" the photo path's card frames and hits."""
    live, photo = run["live"], run["photo"]
    present, segments = sequence.present, sequence.segments
    live_worst = worst_fractions(live["corners"], sequence.labels)
    live_hits = {kind: hits(live["found"], worst) for kind, worst in live_worst.items()}
    card = present[photo["frames"]]                                                   # [M] the photo path's
    sampled = photo["frames"][card]                                                   # [S] frames with the card
    photo_worst = worst_fractions(photo["corners"][card], sequence.labels[sampled])
    photo_hits = {kind: hits(photo["found"][card], worst) for kind, worst in photo_worst.items()}
    absent = np.array([name == "absent" for name in segments])
    smoothed = still_motion(live["corners"], live["found"], segments, settle)
    raw = still_motion(live["raw"], live["found"], segments, settle)
    return {
        "frames": len(segments), "card_frames": int(present.sum()), "sampled_frames": len(sampled),
        "live_found": _share(live["found"][present]),
        "live_within3": {kind: _share(value[present]) for kind, value in live_hits.items()},
        "live_within3_sampled": {kind: _share(value[sampled]) for kind, value in live_hits.items()},
        "photo_within3_sampled": {kind: _share(value) for kind, value in photo_hits.items()},
        "jitter_pairs": len(smoothed), "jitter_smoothed": _median(smoothed), "jitter_raw": _median(raw),
        "reacquisition_found": reacquisition(live["found"], segments),
        "reacquisition_within3": reacquisition(live_hits["aware"], segments),
        "absent_frames": int(absent.sum()), "false_found": int(live["found"][absent].sum()),
        "by_segment": segment_hits(live_hits["aware"], present, segments),
        "per_frame": {"segment": segments, "found": live["found"].tolist(), "presence": live["presence"].tolist(),
                      "worst_aware": live_worst["aware"].tolist(), "worst_free": live_worst["free"].tolist(),
                      "hit_aware": live_hits["aware"].tolist(), "hit_free": live_hits["free"].tolist(),
                      "motion_smoothed": smoothed.tolist(), "motion_raw": raw.tolist()},
        "reference": {"frames": sampled.tolist(), "presence": photo["presence"][card].tolist(),
                      "worst_aware": photo_worst["aware"].tolist(), "worst_free": photo_worst["free"].tolist(),
                      "hit_aware": photo_hits["aware"].tolist(), "hit_free": photo_hits["free"].tolist()}}


def score_page(sequence: Sequence, page: dict, node: dict) -> dict:
    """The page's answers on the fake camera (`run_page`) scored on the frames they are of: how many answers, how
    many of frames with the card, the share of those found within 3% (order-aware), Node's live path on the same
    frames (it answered every frame in order: `run_paths`), and the page's median time per answer."""
    card = sequence.present[page["frames"]]                                           # [A] the answer's frame shows it
    frames = page["frames"][card]
    page_hits = hits(page["found"][card], worst_fractions(page["corners"][card], sequence.labels[frames])["aware"])
    node_hits = hits(node["found"][frames], worst_fractions(node["corners"][frames], sequence.labels[frames])["aware"])
    return {"answers": len(page["frames"]), "distinct_frames": len(set(page["frames"].tolist())),
            "card_answers": int(card.sum()), "page_within3": _share(page_hits), "node_within3": _share(node_hits),
            "median_ms": _median(page["milliseconds"])}


def segment_hits(ok: np.ndarray, present: np.ndarray, segments: list[str]) -> dict[str, list[int]]:
    """{segment: [frames ok, frames with the card]} for each of SEGMENTS that shows the card."""
    names = np.array(segments)
    return {name: [int(ok[names == name].sum()), int(present[names == name].sum())] for name in SEGMENTS
            if present[names == name].any()}


def summarize(scores: dict[str, dict]) -> dict:
    """All videos together: shares over all their card frames (and sampled frames), the jitter's median over all
    still pairs, the slowest re-acquisition (None if a video never re-acquired), the false frames summed, hits per
    segment summed."""
    rows = list(scores.values())

    def pooled(path: str, key: str) -> np.ndarray:                # every video's frames, one after another
        if path == "live":
            return np.concatenate([np.array(row["per_frame"][key])[row["reference"]["frames"]] for row in rows])
        return np.concatenate([np.array(row[path][key], np.float64) for row in rows])

    card_frames = sum(row["card_frames"] for row in rows)
    kinds = ("aware", "free")
    return {
        "card_frames": card_frames, "sampled_frames": sum(row["sampled_frames"] for row in rows),
        "live_found": sum(row["live_found"] * row["card_frames"] for row in rows) / card_frames,
        "live_within3": {kind: sum(row["live_within3"][kind] * row["card_frames"] for row in rows) / card_frames
                         for kind in kinds},
        "live_within3_sampled": {kind: _share(pooled("live", f"hit_{kind}")) for kind in kinds},
        "photo_within3_sampled": {kind: _share(pooled("reference", f"hit_{kind}")) for kind in kinds},
        "jitter_smoothed": _median(pooled("per_frame", "motion_smoothed")),
        "jitter_raw": _median(pooled("per_frame", "motion_raw")),
        "reacquisition_found": _slowest(row["reacquisition_found"] for row in rows),
        "reacquisition_within3": _slowest(row["reacquisition_within3"] for row in rows),
        "absent_frames": sum(row["absent_frames"] for row in rows),
        "false_found": sum(row["false_found"] for row in rows),
        "by_segment": {name: [sum(row["by_segment"].get(name, [0, 0])[k] for row in rows) for k in (0, 1)]
                       for name in SEGMENTS if any(name in row["by_segment"] for row in rows)}}


def _share(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def _slowest(counts) -> int | None:
    counts = list(counts)
    return None if None in counts else max(counts)


# The report.

def print_markdown(scores: dict[str, dict], overall: dict) -> None:
    """The per-video table with an overall row, then the live path's share within 3% per motion segment."""
    print("| video | card frames | live found | live within 3% (aware / free) | sampled frames | within 3% on them, "
          "live / photo path (aware) | live - photo (points, aware / free) | jitter, smoothed / raw (% of side) | "
          "re-acquisition (frames: found / within 3%) | false found (of absent) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, row in [*scores.items(), ("**all**", overall)]:
        live, photo = row["live_within3_sampled"], row["photo_within3_sampled"]
        print(f"| {name} | {row['card_frames']} | {_percent(row['live_found'])} | "
              f"{_percent(row['live_within3']['aware'])} / {_percent(row['live_within3']['free'])} | "
              f"{row['sampled_frames']} | {_percent(live['aware'])} / {_percent(photo['aware'])} | "
              f"{_points(live['aware'] - photo['aware'])} / {_points(live['free'] - photo['free'])} | "
              f"{_jitter(row['jitter_smoothed'])} / {_jitter(row['jitter_raw'])} | "
              f"{_frames(row['reacquisition_found'])} / {_frames(row['reacquisition_within3'])} | "
              f"{row['false_found']} of {row['absent_frames']} |")
    print("\n| segment | " + " | ".join(overall["by_segment"]) + " |")
    print("|---|" + "---|" * len(overall["by_segment"]))
    print("| live within 3% (aware), all videos | " + " | ".join(
        f"{_percent(hit / count)} ({hit} of {count})" for hit, count in overall["by_segment"].values()) + " |")


def print_pages(pages: dict[str, dict]) -> None:
    """The page on Chromium's fake camera (`score_page`), a row per video."""
    print("\n| video, Chromium's fake camera (WASM) | answers (distinct frames) | answers on the card's frames | "
          "within 3% (aware): page / Node on the same frames | page's median ms an answer |\n|---|---|---|---|---|")
    for name, row in pages.items():
        print(f"| {name} | {row['answers']} ({row['distinct_frames']}) | {row['card_answers']} | "
              f"{_percent(row['page_within3'])} / {_percent(row['node_within3'])} | {row['median_ms']:.0f} |")


def _percent(share: float) -> str:
    return "-" if math.isnan(share) else f"{100 * share:.1f}%"


def _points(difference: float) -> str:
    return "-" if math.isnan(difference) else f"{100 * difference:+.1f}"


def _jitter(share: float) -> str:
    return "-" if math.isnan(share) else f"{100 * share:.3f}%"


def _frames(count: int | None) -> str:
    return "never" if count is None else str(count)


# The command line.

def export_model(model: pathlib.Path, out: pathlib.Path, quantize: str) -> pathlib.Path:
    """Exports `model` with export.py into OUT/web_QUANTIZE (replacing it); returns that folder."""
    import export

    folder = out / f"web_{quantize}"
    export.export(model, folder, quantize, overwrite=True)
    return folder


def select_records(folder: pathlib.Path, names: list[str] | None) -> list[dict]:
    """The annotation records of `names` (in that order), or all of them."""
    records = {record["filename"]: record for record in annotations.read_annotations(folder)}
    missing = sorted(set(names or ()) - set(records))
    if missing:
        raise SystemExit(f"error: {folder / annotations.ANNOTATIONS} has no {', '.join(missing)}")
    return [records[name] for name in names] if names else list(records.values())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    web = args.web.resolve() if args.web else export_model(args.model, out, args.quantize)
    script = motion_script(args.still, args.move, args.absent, args.back, args.shift, args.turn, args.zoom)
    scores, pages = {}, {}
    for record in select_records(args.photos, args.names):
        photo = letterbox.load_photo(args.photos / record["filename"])
        sequence = build_sequence(photo, record["corners"], script, args.card_fraction, args.noise, args.seed)
        if args.y4m:
            harness.write_y4m(sequence.frames, out / f"{pathlib.Path(record['filename']).stem}.y4m")
        run = run_paths(web, sequence.frames, out, args.backend, args.photo_every, dict(args.tuning))
        scores[record["filename"]] = score_sequence(sequence, run, args.settle)
        if args.chromium:
            pages[record["filename"]] = score_page(sequence, run_page(web, sequence.frames, out, args.chromium),
                                                   run["live"])
        print(f"{record['filename']}: {len(sequence.segments)} frames on {run['backend']}", file=sys.stderr)
    overall = summarize(scores)
    print_markdown(scores, overall)
    if pages:
        print_pages(pages)
    if args.json:
        write_json(args.json, {"args": {key: str(value) for key, value in vars(args).items()}, "videos": scores,
                               "overall": overall, "chromium": pages})


if __name__ == "__main__":
    main()
