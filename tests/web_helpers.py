"""Test photos for web/'s JavaScript, and the runners of `benchmarks/web_page.py` (Node, HTTP server, Chromium)."""

import pathlib

import numpy as np
from PIL import Image

from synthesis_helpers import benchmark_script

_web_page = benchmark_script("web_page")
run_node, serve, page_site, run_page = _web_page.run_node, _web_page.serve, _web_page.page_site, _web_page.run_page
tfjs_outputs = _web_page.tfjs_outputs


def write_rgba(photo: np.ndarray, path: pathlib.Path) -> dict:
    """Writes [H, W, 3] uint8 as raw RGBA bytes (as a canvas's ImageData holds them); returns the job entry."""
    alpha = np.full(photo.shape[:2] + (1,), 255, np.uint8)
    path.write_bytes(np.concatenate([photo, alpha], axis=-1).tobytes())
    return {"rgba": str(path), "width": int(photo.shape[1]), "height": int(photo.shape[0])}


def ground(size: tuple[int, int], seed: int) -> np.ndarray:
    """[height, width, 3] uint8: a noisy dark table with no card, for a photo of `size` (width, height)."""
    width, height = size
    return np.clip(np.random.default_rng(seed).normal(60, 12, (height, width, 3)), 0, 255).astype(np.uint8)


def card_photo(card: np.ndarray, size: tuple[int, int], box: tuple[int, int, int], seed: int) -> np.ndarray:
    """A photo of `size` (width, height): the `ground` with `card` scaled to side box[2] at box[:2]."""
    x, y, side = box
    photo = ground(size, seed)
    photo[y:y + side, x:x + side] = np.asarray(Image.fromarray(card).resize((side, side), Image.Resampling.BILINEAR))
    return photo


def save_sideways_jpeg(displayed: np.ndarray, path: pathlib.Path) -> None:
    """Saves a photo as a phone does: pixels stored turned a quarter anticlockwise, with EXIF orientation 6."""
    exif = Image.Exif()
    exif[0x0112] = 6                                             # "turn 90 degrees clockwise to display"
    Image.fromarray(displayed).transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif)


def write_y4m(frame: np.ndarray, path: pathlib.Path) -> None:
    """Writes one RGB frame (even sides) as a Y4M video, 4:2:0, BT.601 studio range, for a fake webcam."""
    rgb = frame.astype(np.float64)
    y = 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255
    u = 128 + (-37.797 * rgb[..., 0] - 74.203 * rgb[..., 1] + 112.0 * rgb[..., 2]) / 255
    v = 128 + (112.0 * rgb[..., 0] - 93.786 * rgb[..., 1] - 18.214 * rgb[..., 2]) / 255
    height, width = frame.shape[:2]

    def quarter(plane):                                          # 2 x 2 means: the chroma planes' subsampling
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [np.clip(np.rint(plane), 0, 255).astype(np.uint8).tobytes() for plane in (y, quarter(u), quarter(v))]
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + b"".join(planes))


