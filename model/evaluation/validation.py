"""Validation: a fixed synthetic set from held-out cards and backgrounds, and labelled photo folders.

The synthetic set is made once from its seed and cached (`val_set.npz` in the
run folder), so every epoch, a resumed run and `model.evaluate` score the same
images. Folders in the seed's schema (`annotations.json`; dumps, the real-photo
set, photos a user labelled) go through the same `Predictor` as `model.predict`.
"""

import json
import pathlib

import numpy as np
import tensorflow as tf
import tqdm

from augment_tf import annotations, letterbox, synthesize
from augment_tf.atlas_table import AtlasTable, card_groups, load_atlases
from augment_tf.config import SynthesisConfig
from model.evaluation import metrics
from model.inference.predictor import Predictor
from mtg_tfds import atomic_files

VAL_SEED = 12345
# The synthetic set's layout in its cache; a new one rebuilds old caches (2: each sample's family and border).
_SET_VERSION = 3
_SET_KEYS = ("image", "corners", "present", "family", "border", "cards", "card_whole")
# Shares of the cards and backgrounds held out of training; the synthetic validation set uses only these.
_HELD_OUT = {"cards": 0.1, "backgrounds": 0.2}


def split_names(builder, split: str) -> tuple[str, str]:
    """TFDS slices (training, held out) of `split`: the last share of its examples is held out.

    At least one example is held out, and one kept for training; a split of one
    example serves both.
    """
    count = builder.info.splits[split].num_examples
    held_out = min(count - 1, max(1, round(count * _HELD_OUT[split])))
    if held_out < 1:
        return split, split
    return f"{split}[:{count - held_out}]", f"{split}[{count - held_out}:]"


def add_val_samples_flag(parser, when: str = "") -> None:
    """Adds `--val_samples N`, the size of the fixed synthetic validation set (`synthetic_set`'s `num`)."""
    parser.add_argument("--val_samples", type=int, default=256,
                        help=f"{when}size of the fixed synthetic validation set")


def synthetic_set(builder, config: SynthesisConfig, num: int, seed: int, cache: pathlib.Path | None = None,
                  batch_size: int = 16, held_out: bool = True) -> dict[str, np.ndarray]:
    """The fixed validation images, made from held-out textures (or read from `cache`).

    Args:
      held_out: use only the held-out cards and backgrounds; False uses them all.

    Returns:
      {"image": [N, S, S, 3] uint8, "corners": [N, 4, 2] float32 input pixels,
       "present": [N] bool, "family": [N] str, the labelled card's layout family
       (`card_families.family_of`), "border": [N] str, its border colour,
       "cards": [N, K, 4, 2] every card in input pixels, "card_whole": [N, K] bool}.
    """
    card_split, background_split = ((split_names(builder, split)[1] if held_out else split)
                                    for split in ("cards", "backgrounds"))
    fingerprint = json.dumps({"config": config.to_dict(), "num": num, "seed": seed, "cards": card_split,
                              "dataset": builder.info.full_name, "backgrounds": background_split,
                              "version": _SET_VERSION}, sort_keys=True)
    if cache is not None and cache.is_file():
        with np.load(cache) as stored:
            if str(stored["fingerprint"]) == fingerprint:
                return {key: stored[key] for key in _SET_KEYS}
    table = AtlasTable(*load_atlases(builder, config, card_split, background_split))
    result = synthesize_set(table, card_groups(builder, card_split), config, num, seed, batch_size)
    if cache is not None:
        with atomic_files.replacing(cache, suffix=".npz") as temporary:
            np.savez(temporary, fingerprint=fingerprint, **result)
    return result


def synthesize_set(table: AtlasTable, groups: dict[str, np.ndarray], config: SynthesisConfig, num: int, seed: int,
                   batch_size: int = 16) -> dict[str, np.ndarray]:
    """`num` images of the recipe from a table's cards and backgrounds, a pure function of `seed`.

    Args:
      table: the cards and backgrounds to draw from.
      groups: {"family": [Nc] str, "border": [Nc] str} of the table's cards, row by row (`card_groups`).

    Returns:
      `synthetic_set`'s arrays.
    """
    synthesise = synthesize.compile_synthesis(config, jit_compile=False)
    parts = []
    for start in tqdm.trange(0, num, batch_size, desc="synthetic set", unit="batch", leave=False):
        batch_seed = tf.constant([seed, start])
        rows = table.rows(batch_seed, batch_size)[0].numpy()          # [B]: which card each sample shows
        cards, backgrounds = table.draw(batch_seed, batch_size)
        batch = synthesise(cards, backgrounds, batch_seed)
        parts.append({"image": np.uint8(np.round(batch["image"].numpy() * 255)),
                      "corners": batch["corners"].numpy(), "present": batch["present"].numpy(),
                      "family": groups["family"][rows], "border": groups["border"][rows],
                      "cards": batch["cards"].numpy(), "card_whole": batch["card_whole"].numpy()})
    return {key: np.concatenate([part[key] for part in parts])[:num] for key in parts[0]}


def evaluate_arrays(predictor: Predictor, images: np.ndarray, corners: np.ndarray,
                    present: np.ndarray) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Scores square inputs (a synthetic set) whose corners are in input pixels.

    Returns:
      (metrics, predicted corners [N, 4, 2], presence [N]).
    """
    predicted, presence = predictor.predict_inputs(images.astype(np.float32))
    sizes = np.full([len(images), 2], predictor.size, np.float32)
    scores = metrics.summarize(predicted, corners, sizes, predictor.size, presence=presence, present=present)
    return scores, predicted, presence


def evaluate_card_arrays(predictor: Predictor, images: np.ndarray, cards: np.ndarray,
                         whole: np.ndarray) -> dict[str, float]:
    """Scores every card of square inputs (a synthetic set): `Predictor.predict_input_cards`, in the predictor's
    views (refined where it refines).

    Args:
      images: [N, S, S, 3] uint8; cards: [N, K, 4, 2] labelled cards in input pixels; whole: [N, K] bool.

    Returns:
      `metrics.summarize_cards` over the inputs, keys prefixed `cards_`; empty for a model without a card head.
    """
    if predictor.card_threshold is None:
        return {}
    found = predictor.predict_input_cards(images)
    rows = [metrics.score_cards(corners, scores, cards[i][whole[i]], (predictor.size, predictor.size),
                                threshold=0.0)                          # predict_input_cards kept its own
            for i, (corners, scores) in enumerate(found)]
    return {f"cards_{name}": value for name, value in metrics.summarize_cards(rows).items()}


def synthetic_groups(val: dict[str, np.ndarray], predicted: np.ndarray) -> dict[str, dict[str, dict[str, float]]]:
    """Scores a synthetic set per layout family and per border colour of its labelled cards.

    Where the aggregate hides it: which card families a model misses or reads turned.

    Args:
      val: `synthetic_set`'s arrays (`corners`, `present`, `family`, `border`).
      predicted: [N, 4, 2] predicted corners in input pixels (`evaluate_arrays`).

    Returns:
      {"family": metrics.by_group(...), "border": metrics.by_group(...)}, over present samples.
    """
    sizes = np.full([len(predicted), 2], val["image"].shape[1], np.float32)
    return {key: metrics.by_group(predicted, val["corners"], sizes, val[key], present=val["present"])
            for key in ("family", "border")}


def evaluate_folder(predictor: Predictor, folder: pathlib.Path) -> tuple[dict[str, float], list[dict]]:
    """Scores photos listed in `folder/annotations.json` (labels in displayed pixels, any size).

    Where a record lists several equally near cards (`cards`, `equally_near`),
    a prediction of any of them counts. Every labelled card is scored too
    (`metrics.score_cards`; `corners` alone where a record has no `cards`)
    against the predictor's every card (`Predictor.predict_photo`'s `cards`; a model
    without a card head answers its primary card alone).

    Returns:
      (metrics, with the every-card summary as `cards_<name>`; one dict per photo:
       filename, corners, presence, worst-corner fractions and `cards_labelled`,
       `cards_found`, `cards_matched` at 5% of the card's side).
    """
    records = annotations.read_annotations(folder)
    predictions, targets, sizes, presence, card_rows = [], [], [], [], []
    for record in tqdm.tqdm(records, desc=f"evaluating {folder}", unit="photo", leave=False):
        photo = letterbox.load_photo(pathlib.Path(folder) / record["filename"])
        found = predictor.predict_photo(photo)
        predictions.append(found["corners"])
        presence.append(found["presence"])
        targets.append(metrics.candidates(record))
        sizes.append([photo.shape[1], photo.shape[0]])
        cards = found["cards"]
        card_rows.append(metrics.score_cards(np.float32([card["corners"] for card in cards]).reshape([-1, 4, 2]),
                                             [card["score"] for card in cards], metrics.labelled_cards(record),
                                             sizes[-1], threshold=0.0))      # predict_photo kept its own
    predicted, sizes = np.stack(predictions), np.asarray(sizes, np.float32)
    presence = np.asarray(presence, np.float32)
    scores = metrics.summarize(predicted, targets, sizes, predictor.size, presence=presence,
                               present=np.ones(len(records), bool))
    scores.update({f"cards_{name}": value for name, value in metrics.summarize_cards(card_rows).items()})
    per_image = metrics.per_image(predicted, targets, sizes)
    rows = [{"filename": record["filename"], "corners": predicted[i].round(2).tolist(),
             "presence": round(float(presence[i]), 4), **{key: float(value[i]) for key, value in per_image.items()},
             "cards_labelled": card_rows[i]["labelled"], "cards_found": card_rows[i]["found"],
             "cards_matched": card_rows[i]["matched_card5"]}
            for i, record in enumerate(records)]
    return scores, rows

