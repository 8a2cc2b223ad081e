"""Running web/ from Python: Node scripts, a local HTTP server, the page in headless Chromium, and the
raw media they read (RGBA pixel files, a Y4M video for Chromium's fake webcam).

Shared by the browser tests (tests/test_web_*.py) and the web benchmarks (`benchmarks/web_latency.py`).
The page is driven by web/node/page_check.mjs (playwright-core); see its header for the job format.
"""

import contextlib
import functools
import http.server
import json
import pathlib
import re
import shutil
import subprocess
import threading

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
WEB = ROOT / "web"


class WebToolError(RuntimeError):
    """Node, web/node_modules, web/vendor or Chromium is missing, or a script failed; the message says which."""


def run_node(script: str, *args, timeout: int = 300) -> subprocess.CompletedProcess:
    """Runs web/node/<script> with Node; raises WebToolError with its stderr when it fails."""
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "@tensorflow" / "tfjs").is_dir():
        raise WebToolError("needs Node and web/node_modules (make install runs `npm ci --prefix web`)")
    result = subprocess.run([node, str(WEB / "node" / script), *map(str, args)], capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise WebToolError(f"web/node/{script} failed: {result.stderr[-3000:]}")
    return result


def live_tuning() -> dict[str, float]:
    """`LIVE_TUNING`'s fields and their values as web/src/tracking.js defines them (the JavaScript's own numbers,
    read from their one source), for the benchmarks' `--tuning`."""
    source = (WEB / "src" / "tracking.js").read_text()
    body = source.split("export const LIVE_TUNING = Object.freeze({", 1)[1].split("});", 1)[0]
    return {name: float(value) for name, value in re.findall(r"^\s+(\w+): ([-\d.e]+),$", body, re.M)}


def tfjs_outputs(web_dir: pathlib.Path, images: np.ndarray, scratch: pathlib.Path, backend: str = "cpu") -> dict:
    """The outputs of an exported graph model on `images`, from TF.js in Node (web/node/parity.mjs).

    Args:
      web_dir: what export.py wrote.
      images: [N, S, S, 3] float32 RGB in 0..255.
      scratch: a folder for the input and output files.
      backend: TF.js's "cpu" (pure JS) or "wasm".

    Returns:
      every output of the signature by name ("coords", "presence", "heatmaps", and "cards", "card_scores",
      "card_orientation" where the model has a card head) as numpy arrays.
    """
    inputs, outputs = scratch / f"{web_dir.name}_in.bin", scratch / f"{web_dir.name}_{backend}_out.json"
    inputs.write_bytes(np.ascontiguousarray(images, "<f4").tobytes())
    run_node("parity.mjs", web_dir, inputs, outputs, backend)
    answer = json.loads(outputs.read_text())
    if answer["backend"] != backend:
        raise WebToolError(f"parity.mjs ran on {answer['backend']}, not {backend}")
    return {key: np.asarray(value["data"], np.float32).reshape(value["shape"])
            for key, value in answer.items() if key not in ("backend", "version")}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: pathlib.Path):
    """Serves `folder` over HTTP on 127.0.0.1 (a free port) while the block runs; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def page_site(folder: pathlib.Path, web_model: pathlib.Path, page: pathlib.Path = WEB) -> pathlib.Path:
    """A folder laid out as web/ is served (page, service worker, src/, vendor/), with `web_model` as its model/.

    `page` is the web/ folder whose page and src/ it serves: this checkout's, or another's (a baseline); vendor/
    (built by `make install`, not in git) is always this checkout's.
    """
    if not (WEB / "vendor" / "tf.min.js").is_file():
        raise WebToolError("needs web/vendor (make install runs `npm run vendor --prefix web`)")
    if not (page / "page.js").is_file():
        raise WebToolError(f"{page}: no page.js, not a web/ folder of this repository")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("index.html", "page.js", "page.css", "sw.js", "src"):
        (folder / name).symlink_to(page.resolve() / name)
    (folder / "vendor").symlink_to(WEB / "vendor")
    (folder / "model").symlink_to(web_model)
    return folder


def run_page(job: dict, scratch: pathlib.Path, name: str) -> dict:
    """Runs web/node/page_check.mjs on a job (see its header) and returns what it wrote."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise WebToolError("needs Chromium (make install runs `apt-get install -y chromium`)")
    job_path, out_path = scratch / f"{name}_job.json", scratch / f"{name}_out.json"
    job_path.write_text(json.dumps({"chromium": chromium, **job}))
    run_node("page_check.mjs", job_path, out_path, timeout=600)
    return json.loads(out_path.read_text())


def write_rgba(photo: np.ndarray, path: pathlib.Path) -> dict:
    """Writes [H, W, 3] uint8 as raw RGBA bytes (as a canvas's ImageData holds them); returns the job entry."""
    alpha = np.full(photo.shape[:2] + (1,), 255, np.uint8)
    path.write_bytes(np.concatenate([photo, alpha], axis=-1).tobytes())
    return {"rgba": str(path), "width": int(photo.shape[1]), "height": int(photo.shape[0])}


def yuv420_planes(frame: np.ndarray) -> list[np.ndarray]:
    """One RGB frame as a 4:2:0 video stores it: BT.601 studio range, each chroma sample the mean of a 2 x 2 block.

    Args:
      frame: [H, W, 3] uint8, even sides.

    Returns:
      [Y [H, W], U [H / 2, W / 2], V [H / 2, W / 2]], uint8.
    """
    height, width = frame.shape[:2]
    rgb = frame.astype(np.float64)
    y = 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255
    u = 128 + (-37.797 * rgb[..., 0] - 74.203 * rgb[..., 1] + 112.0 * rgb[..., 2]) / 255
    v = 128 + (112.0 * rgb[..., 0] - 93.786 * rgb[..., 1] - 18.214 * rgb[..., 2]) / 255
    u, v = (plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)) for plane in (u, v))
    return [np.clip(np.rint(plane), 0, 255).astype(np.uint8) for plane in (y, u, v)]


def write_y4m(frames: np.ndarray, path: pathlib.Path) -> None:
    """Writes RGB frames (even sides) as a Y4M video at 30 fps, 4:2:0 (`yuv420_planes`), for a fake webcam
    (Chromium's loops it).

    Args:
      frames: [H, W, 3] uint8, one frame, or [N, H, W, 3], a sequence.
      path: the .y4m file to write.
    """
    frames = np.asarray(frames)
    frames = frames[None] if frames.ndim == 3 else frames
    height, width = frames.shape[1:3]
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"".join(b"FRAME\n" + b"".join(plane.tobytes() for plane in yuv420_planes(frame))
                                       for frame in frames))


# A test video's frames carry their index along their bottom rows, so that the page (`?stamp=...`, page.js
# `readStamp`) knows which frame the fake camera showed it: it plays in real time, loops and drops frames.
STAMP_BITS = 12                # frames up to 4,095
STAMP_BLOCK = (16, 8)          # (width, height) of each bit's block, in pixels: even, whole 4:2:0 chroma blocks
STAMP_QUERY = f"stamp={STAMP_BITS},{STAMP_BLOCK[0]},{STAMP_BLOCK[1]}"   # the page's URL parameter for these


def stamp_frames(frames: np.ndarray) -> np.ndarray:
    """Stamps each frame's index in its bottom-left STAMP_BITS blocks, least significant bit first, white for 1.

    Args:
      frames: [N, H, W, 3] uint8 RGB, N at most 2^STAMP_BITS, W at least STAMP_BITS blocks.

    Returns:
      A stamped copy.
    """
    frames = np.array(frames, np.uint8)
    width, height = STAMP_BLOCK
    if len(frames) > 2 ** STAMP_BITS or frames.shape[2] < STAMP_BITS * width:
        raise ValueError(f"stamp_frames takes at most {2 ** STAMP_BITS} frames at least {STAMP_BITS * width} wide, "
                         f"got {frames.shape}")
    for index, frame in enumerate(frames):
        for bit in range(STAMP_BITS):
            frame[-height:, bit * width:(bit + 1) * width] = 255 * ((index >> bit) & 1)
    return frames
