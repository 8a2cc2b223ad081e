"""Static datasets in the seed project's format: a folder of JPEGs plus `annotations.json`.

`annotations.json` is a list of {"filename", "card_name", "corners"}, corners
being 4 [x, y] pixel coordinates in the image as displayed, after its EXIF
orientation (TL, TR, BR, BL of the printed card; the project's continuous
convention, where a pixel spans [x, x + 1)). The same reader serves our dumps,
the seed's 1024 x 1024 dataset and the real-photo set, whose entries may add
"cards" (every whole card, [K, 4, 2]) and "equally_near" (indices into "cards"
of ties for the card nearest the centre), so fixed sets can be trained on and
evaluated too.
"""

import json
import pathlib

import numpy as np
import tensorflow as tf

from augment_tf import letterbox
from augment_tf.scene import whole_cards
from mtg_tfds import atomic_files

ANNOTATIONS = "annotations.json"


class AnnotationError(ValueError):
    """`annotations.json` is missing or malformed; the message names the file and the entry."""


def write_annotations(folder: pathlib.Path, records: list[dict]) -> None:
    """Writes `folder/annotations.json` atomically.

    Args:
      folder: the dataset folder.
      records: dicts with "filename", "card_name" and "corners" ([4, 2] numbers), and maybe
        "cards" ([K, 4, 2]: every whole card, `corners` first, as the real-photo labels have it).
    """
    points = lambda quad: [[round(float(x), 3), round(float(y), 3)] for x, y in quad]   # noqa: E731
    plain = [{"filename": r["filename"], "card_name": r["card_name"], "corners": points(r["corners"]),
              **({"cards": [points(card) for card in r["cards"]]} if "cards" in r else {})} for r in records]
    lines = ",\n ".join(json.dumps(record) for record in plain)             # one record per line
    atomic_files.write_bytes(folder / ANNOTATIONS, f"[{lines}]\n".encode())


def read_annotations(folder: pathlib.Path) -> list[dict]:
    """Reads and validates `folder/annotations.json`.

    Returns:
      The records, corners as float32 [4, 2] arrays; where an entry has them,
      "cards" as a float32 [K, 4, 2] array and "equally_near" as a list of ints.

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
            record = {"filename": str(entry["filename"]), "card_name": str(entry.get("card_name", "")),
                      "corners": corners}
            if "cards" in entry:
                cards = np.asarray(entry["cards"] or np.zeros([0, 4, 2]), np.float32)   # [K, 4, 2]
                if cards.ndim != 3 or cards.shape[1:] != (4, 2):
                    raise ValueError(f"cards have shape {cards.shape}, expected (K, 4, 2)")
                record["cards"] = cards
            if "equally_near" in entry:
                record["equally_near"] = [int(i) for i in entry["equally_near"]]
                if not all(0 <= i < len(record.get("cards", ())) for i in record["equally_near"]):
                    raise ValueError(f"equally_near {record['equally_near']} indexes past the cards")
            records.append(record)
        except (KeyError, TypeError, ValueError) as error:
            raise AnnotationError(f"{path}: entry {index} is malformed ({error!r})") from None
    return records


def static_dataset(folder: str | pathlib.Path, size: int,
                   max_cards: int = whole_cards.CARD_SLOTS) -> tf.data.Dataset:
    """Reads a static dataset folder through the image contract of `augment_tf.letterbox`.

    Each photo is read as displayed (EXIF applied) and letterboxed to size x size,
    aspect kept, exactly as evaluation and prediction will read it; the corners
    follow the same map. Every whole card comes as the synthesis labels it
    (`cards` and `card_whole`, padded to `max_cards`), so a dump or a labelled
    photo folder batches like synthetic samples: an entry's `cards`, or its
    `corners` alone where it has none (the seed's format). PIL is Python, so the
    read runs in `tf.py_function`.

    Args:
      folder: a folder with `annotations.json` and the images it names.
      size: side of the square input.
      max_cards: K, the card slots of every example (the synthesis's `whole_cards.CARD_SLOTS`).

    Returns:
      Dataset of {"image": [size, size, 3] float32 in 0..1, "corners": [4, 2]
      float32 in input pixels, "cards": [K, 4, 2] float32 in input pixels (the
      entry's cards, `corners` first, then zeros), "card_whole": [K] bool (True
      for the entry's cards), "name": string, "photo_size": [2] float32 (width,
      height as displayed), "letterbox": [4] float32 (sx, sy, ox, oy), where
      input = photo * (sx, sy) + (ox, oy)}.

    Raises:
      AnnotationError: `annotations.json` is missing or malformed, names missing images, or an entry lists
        more than `max_cards` cards.
    """
    folder = pathlib.Path(folder)
    records = read_annotations(folder)
    missing = [r["filename"] for r in records if not (folder / r["filename"]).is_file()]
    if missing:
        raise AnnotationError(f"{folder / ANNOTATIONS}: {len(missing)} listed images are missing, e.g. {missing[0]}")
    paths = [str(folder / r["filename"]) for r in records]
    corners = np.stack([r["corners"] for r in records]) if records else np.zeros([0, 4, 2], np.float32)
    cards, whole = _padded_cards(folder, records, max_cards)                  # [N, K, 4, 2], [N, K]
    names = [r["card_name"] for r in records]

    def read(path, corner, card, card_whole):
        image, box = letterbox.letterbox(letterbox.load_photo(path.numpy().decode()), size)
        card = np.where(card_whole.numpy()[:, None, None], box.to_input(card.numpy()), 0)   # [K, 4, 2]
        return (image / 255.0, box.to_input(corner.numpy()).astype(np.float32), card.astype(np.float32),
                np.float32([box.width, box.height]), np.float32([box.sx, box.sy, box.ox, box.oy]))

    def load(path, corner, card, card_whole, name):
        image, corner, card, photo_size, mapping = tf.py_function(read, [path, corner, card, card_whole],
                                                                  [tf.float32] * 5)
        image.set_shape([size, size, 3])                                          # [size, size, 3] in 0..1
        corner.set_shape([4, 2])                                                  # input pixels
        card.set_shape([max_cards, 4, 2])                                         # input pixels; zeros past the cards
        photo_size.set_shape([2])                                                 # (width, height)
        mapping.set_shape([4])                                                    # (sx, sy, ox, oy)
        return {"image": image, "corners": corner, "cards": card, "card_whole": card_whole, "name": name,
                "photo_size": photo_size, "letterbox": mapping}

    slices = (paths, corners, cards, whole, names)
    return tf.data.Dataset.from_tensor_slices(slices).map(load, num_parallel_calls=tf.data.AUTOTUNE)


def _padded_cards(folder: pathlib.Path, records: list[dict], max_cards: int) -> tuple[np.ndarray, np.ndarray]:
    """Every record's cards (its `cards`, or its `corners` alone), padded to `max_cards`: [N, K, 4, 2] float32
    photo pixels and [N, K] bool (True where a slot holds a card)."""
    cards = np.zeros([len(records), max_cards, 4, 2], np.float32)
    whole = np.zeros([len(records), max_cards], bool)
    for index, record in enumerate(records):
        listed = record.get("cards", record["corners"][None])                    # [C, 4, 2]
        if len(listed) > max_cards:
            raise AnnotationError(f"{folder / ANNOTATIONS}: entry {index} ({record['filename']}) lists "
                                  f"{len(listed)} cards, more than max_cards={max_cards}")
        cards[index, :len(listed)], whole[index, :len(listed)] = listed, True
    return cards, whole
