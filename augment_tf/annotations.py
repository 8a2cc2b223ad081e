"""Static datasets in the seed project's format: a folder of JPEGs plus `annotations.json`.

`annotations.json` is a list of {"filename", "card_name", "corners"}, corners
being 4 [x, y] pixel coordinates in the written image (TL, TR, BR, BL of the
printed card; the project's continuous convention, where a pixel spans
[x, x + 1)). The same reader serves our dumps and the seed's 1024 x 1024
dataset, so fixed sets can be trained on and evaluated too.
"""

import json
import os
import pathlib
import tempfile

import numpy as np
import tensorflow as tf

ANNOTATIONS = "annotations.json"


class AnnotationError(ValueError):
    """`annotations.json` is missing or malformed; the message names the file and the entry."""


def write_atomically(path: pathlib.Path, data: bytes) -> None:
    """Writes `data` to a temporary file beside `path`, then renames it: readers never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise


def write_annotations(folder: pathlib.Path, records: list[dict]) -> None:
    """Writes `folder/annotations.json` atomically.

    Args:
      folder: the dataset folder.
      records: dicts with "filename", "card_name" and "corners" ([4, 2] numbers).
    """
    plain = [{"filename": r["filename"], "card_name": r["card_name"],
              "corners": [[round(float(x), 3), round(float(y), 3)] for x, y in r["corners"]]} for r in records]
    lines = ",\n ".join(json.dumps(record) for record in plain)             # one record per line
    write_atomically(folder / ANNOTATIONS, f"[{lines}]\n".encode())


def read_annotations(folder: pathlib.Path) -> list[dict]:
    """Reads and validates `folder/annotations.json`.

    Returns:
      The records, corners as float32 [4, 2] arrays.

    Raises:
      AnnotationError: a one-line description naming the file and entry.
    """
    path = pathlib.Path(folder) / ANNOTATIONS
    if not path.is_file():
        raise AnnotationError(f"{path}: no such file; a static dataset needs {ANNOTATIONS} beside its images")
    try:
        entries = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AnnotationError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(entries, list):
        raise AnnotationError(f"{path}: expected a JSON list of entries")
    records = []
    for index, entry in enumerate(entries):
        try:
            corners = np.asarray(entry["corners"], np.float32)
            if corners.shape != (4, 2):
                raise ValueError(f"corners have shape {corners.shape}, expected (4, 2)")
            records.append({"filename": str(entry["filename"]), "card_name": str(entry.get("card_name", "")),
                            "corners": corners})
        except (KeyError, TypeError, ValueError) as error:
            raise AnnotationError(f"{path}: entry {index} is malformed ({error!r})") from None
    return records


def static_dataset(folder: str | pathlib.Path, size: int) -> tf.data.Dataset:
    """Reads a static dataset folder as size x size images with corners scaled to match.

    Args:
      folder: a folder with `annotations.json` and the images it names.
      size: images are resized (aspect not kept) to size x size.

    Returns:
      Dataset of {"image": [size, size, 3] float32 in 0..1, "corners": [4, 2]
      float32 in output pixels, "name": string}.
    """
    folder = pathlib.Path(folder)
    records = read_annotations(folder)
    missing = [r["filename"] for r in records if not (folder / r["filename"]).is_file()]
    if missing:
        raise AnnotationError(f"{folder / ANNOTATIONS}: {len(missing)} listed images are missing, e.g. {missing[0]}")
    paths = [str(folder / r["filename"]) for r in records]
    corners = np.stack([r["corners"] for r in records]) if records else np.zeros([0, 4, 2], np.float32)
    names = [r["card_name"] for r in records]

    def load(path, corner, name):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        shape = tf.cast(tf.shape(image)[:2], tf.float32)                          # [H, W]
        scale = tf.stack([size / shape[1], size / shape[0]])
        resized = tf.image.resize(tf.cast(image, tf.float32) / 255.0, [size, size], antialias=True)
        return {"image": resized, "corners": corner * scale, "name": name}

    return tf.data.Dataset.from_tensor_slices((paths, corners, names)).map(load, num_parallel_calls=tf.data.AUTOTUNE)
