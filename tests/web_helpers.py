"""Test photos for web/'s JavaScript (the runners are `web/harness.py`)."""

import pathlib

import numpy as np
from PIL import Image


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


def cards_photo(cards: list[np.ndarray], boxes: list[tuple[int, int, int, int]], size: tuple[int, int],
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A photo of several cards upright on a near-black table (levels 0..11).

    Args:
      cards: [h, w, 4] uint8 RGBA card images (the alpha rounds their corners).
      boxes: (x, y, width, height) in pixels where each card is scaled to.
      size: (width, height) of the photo.
      seed: the table's noise.

    Returns:
      (photo [height, width, 3] uint8, quads [C, 4, 2] each card's TL, TR, BR, BL in photo pixels).
    """
    width, height = size
    photo = np.random.default_rng(seed).integers(0, 12, (height, width, 3)).astype(np.float32)
    for card, (x, y, w, h) in zip(cards, boxes):
        rgba = np.asarray(Image.fromarray(card).resize((w, h), Image.Resampling.LANCZOS), np.float32)
        alpha = rgba[..., 3:] / 255
        photo[y:y + h, x:x + w] = alpha * rgba[..., :3] + (1 - alpha) * photo[y:y + h, x:x + w]
    quads = np.array([[(x, y), (x + w, y), (x + w, y + h), (x, y + h)] for x, y, w, h in boxes], np.float32)
    return np.round(photo).astype(np.uint8), quads


def save_sideways_jpeg(displayed: np.ndarray, path: pathlib.Path) -> None:
    """Saves a photo as a phone does: pixels stored turned a quarter anticlockwise, with EXIF orientation 6."""
    exif = Image.Exif()
    exif[0x0112] = 6                                             # "turn 90 degrees clockwise to display"
    Image.fromarray(displayed).transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif)


def live_letterbox(photo: np.ndarray, region: list[int], factors: list[int], size: int):
    """Python's twin of web/src/liveLetterbox.js's `letterboxOps`: the region shrunk by an integer-factor box mean,
    then by a bilinear resize (half-pixel centres, no antialiasing) to the content box, centred on FILL.

    The tests feed the model what the live path fed it, so that its answers compare to float rounding (the live
    path's box filter and TF's triangle filter move a small model's corners by whole percents).

    Args:
      photo: [H, W, 3] uint8.
      region: [x0, y0, x1, y1] the region the live path used (its `liveLayout`'s, whole pooling blocks).
      factors: [fx, fy] the avgPool's factors the live path used there.
      size: the model's input side.

    Returns:
      ([size, size, 3] float32 in 0..255, the `letterbox.Letterbox` of the region).
    """
    import tensorflow as tf

    from augment_tf import letterbox

    x0, y0, x1, y1 = region
    fx, fy = factors
    frame = letterbox.Letterbox(x1 - x0, y1 - y0, size)
    inner = tf.constant(photo[None, y0:y1, x0:x1, :3], tf.float32)                 # [1, h, w, 3]
    if fx * fy > 1:
        inner = tf.nn.avg_pool2d(inner, [fy, fx], [fy, fx], "VALID")               # [1, h / fy, w / fx, 3]
    if tuple(inner.shape[1:3]) != (frame.inner_h, frame.inner_w):
        inner = tf.image.resize(inner, [frame.inner_h, frame.inner_w], method="bilinear", antialias=False)
    image = np.full([size, size, 3], letterbox.FILL, np.float32)                   # [S, S, 3]
    x0, y0, x1, y1 = frame.content_box
    image[y0:y1, x0:x1] = inner[0].numpy()
    return image, frame


def yuv420_round_trip(frame: np.ndarray) -> np.ndarray:
    """[H, W, 3] uint8: a frame as the page sees it from the fake webcam playing `harness.write_y4m`'s video, near
    enough: the Y4M's planes decoded back to RGB (BT.601 studio range), the chroma enlarged bilinearly. (Chromium's
    own conversion may round and interpolate otherwise: the tests allow for it.)"""
    from web.harness import yuv420_planes

    height, width = frame.shape[:2]
    luma, *chroma = yuv420_planes(frame)
    u, v = (np.asarray(Image.fromarray(plane.astype(np.float32), mode="F").resize((width, height),
                                                                                  Image.Resampling.BILINEAR)) - 128
            for plane in chroma)
    y = (luma.astype(np.float64) - 16) * 255 / 219
    scale = 255 / 224
    rgb = np.stack([y + 1.402 * scale * v, y - scale * (0.344136 * u + 0.714136 * v), y + 1.772 * scale * u], -1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def live_view(predictor, photo: np.ndarray, region: list[int], factors: list[int]) -> tuple[np.ndarray, float]:
    """Python's one view of the input the live path fed the model for a region of a frame (`live_letterbox`).

    Args:
      predictor: a `Predictor` of the model, one view, no refinement.
      photo: [H, W, 3] uint8, the frame.
      region, factors: the live path's answer's `region` and `factors`.

    Returns:
      (corners [4, 2] in the frame's pixels, presence).
    """
    image, frame = live_letterbox(photo, region, factors, predictor.size)
    corners, presence = predictor.predict_inputs(image[None])
    return frame.to_photo(corners[0]) + region[:2], float(presence[0])
