"""What a training run writes to its folder: config, history, pictures, models, TensorBoard logs.

Every file is written under a temporary name and renamed, so a killed run
never leaves half a model or half a JSON file behind.
"""

import csv
import io
import json
import math
import pathlib

import keras
import numpy as np
import tensorflow as tf
from PIL import Image, ImageDraw

from mtg_tfds import atomic_files

_TRUTH, _PREDICTION = (40, 220, 40), (240, 40, 40)


def write_json(path: pathlib.Path, value) -> None:
    """Writes `value` as indented JSON, atomically, every non-finite number as null (`strict_json`)."""
    atomic_files.write_bytes(path, (json.dumps(strict_json(value), indent=1, allow_nan=False) + "\n").encode())


def strict_json(value):
    """`value` with every NaN or infinity (a metric with nothing to count, such as a scene kind the set lacks) as
    None: JSON proper. Python's `json` writes NaN, which `JSON.parse` refuses, so a model card carrying it would
    not load in a browser or Node.

    Example:
    >>> strict_json({"recall": float("nan"), "sizes": [1.5, float("inf")]})
    {'recall': None, 'sizes': [1.5, None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    return value


def save_model(model: keras.Model, path: pathlib.Path) -> None:
    """Saves a `.keras` file atomically (Keras wants the suffix, so the temporary name keeps it)."""
    with atomic_files.replacing(path, suffix=".keras") as temporary:
        model.save(temporary)


class History:
    """`history.csv`: one row per epoch; a resumed run keeps the rows before its epoch.

    Args:
      path: the CSV file.
      resume_epoch: rows of epochs at or after this one are dropped (they are redone).
    """

    def __init__(self, path: pathlib.Path, resume_epoch: int = 0):
        self.path = path
        self.rows = []
        if resume_epoch and path.is_file():
            with path.open() as file:
                self.rows = [row for row in csv.DictReader(file) if int(row["epoch"]) < resume_epoch]

    def append(self, row: dict) -> None:
        self.rows.append({key: _plain(value) for key, value in row.items()})
        names = list(dict.fromkeys(key for entry in self.rows for key in entry))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, names)
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_files.write_bytes(self.path, buffer.getvalue().encode())


def prediction_sheet(images: np.ndarray, truth: np.ndarray, predicted: np.ndarray, columns: int = 4,
                     tile: int = 256) -> Image.Image:
    """A grid of images with the true corners in green and the predicted ones in red (TL ringed).

    Args:
      images: [N, S, S, 3] uint8.
      truth: [N, 4, 2] input pixels (NaN rows are not drawn: frames without a card).
      predicted: [N, 4, 2] input pixels.
    """
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (columns * tile, rows * tile))
    for index, image in enumerate(images):
        picture = Image.fromarray(image).resize((tile, tile), Image.Resampling.BILINEAR)
        draw = ImageDraw.Draw(picture)
        scale = tile / image.shape[1]
        for quad, colour in ((truth[index], _TRUTH), (predicted[index], _PREDICTION)):
            if np.isnan(quad).any():
                continue
            points = [tuple(point) for point in quad * scale]
            draw.polygon(points, outline=colour, width=2)
            draw.ellipse((points[0][0] - 5, points[0][1] - 5, points[0][0] + 5, points[0][1] + 5), outline=colour, width=2)
        sheet.paste(picture, ((index % columns) * tile, (index // columns) * tile))
    return sheet


class TensorBoard:
    """Scalars and images for TensorBoard under `folder` (`tensorboard --logdir folder`)."""

    def __init__(self, folder: pathlib.Path):
        self.writer = tf.summary.create_file_writer(str(folder))

    def scalars(self, values: dict[str, float], step: int, prefix: str = "") -> None:
        with self.writer.as_default():
            for name, value in values.items():
                tf.summary.scalar(prefix + name, value, step=step)

    def image(self, name: str, picture: Image.Image, step: int) -> None:
        with self.writer.as_default():
            tf.summary.image(name, np.asarray(picture)[None], step=step)
        self.writer.flush()


def _plain(value):
    """Floats rounded for the CSV; everything else as is."""
    return round(float(value), 6) if isinstance(value, (float, np.floating)) else value
