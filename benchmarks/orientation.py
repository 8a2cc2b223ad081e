"""The face read turned, per layout family, on procedural cards no model has seen (issue 23's measure).

    python benchmarks/orientation.py --model runs/budget/best.keras [--model runs/other/best.keras] \
        [--data_dir data] [--config procedural] [--cards_per_family 20] [--samples 2048] [--photo_scale 3] \
        [--json report.json]

The synthetic validation set's held-out cards are the last tenth of the 400 bundled ones: 2 to
6 of each family, so a family's share there is mostly a few cards' shares. This benchmark
draws fresh cards instead: `--cards_per_family` of each family
(`procedural_cards.generate_cards` from `CARD_SEED`, which no dataset uses; every run of 11
cards holds each family once), their art cut from the bundled backgrounds as the dataset's
is. It synthesises `--samples` photos of the default recipe at `--photo_scale` times the
model's input size on the dataset's held-out backgrounds, each labelled card's family known.
Every model reads them in two looks, each with one view (the live path's reading) and with
the four-turn vote:
- the **first pass**: the corner head's answer on the whole photo, letterboxed to the input;
- the **second look**: that answer refined on its crop of the photo, where the card is large
  (`Predictor.refine_quads`, as `model.predict` refines; with one view, what the live path
  reads once it follows a card).
A card is read turned when its worst corner lies within 3% of the side order-free but not
order-aware (`metrics.read_turned`); read half round when the corner names it gives are
those of the opposite corners (`metrics.turns_read`), the rest a quarter turn either way.
It prints, per view and look, a row per family (its images) with each model's share within
3% order-free, share read turned and share read half round; `--json` also keeps the median
worst corners.
"""

import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tqdm  # noqa: E402

from augment_tf import letterbox, pipeline, texture  # noqa: E402
from augment_tf.atlas_table import AtlasTable  # noqa: E402
from augment_tf.config import SynthesisConfig, recipe  # noqa: E402
from model.evaluation import metrics, validation  # noqa: E402
from model.inference.loading import ModelFileError, load_model  # noqa: E402
from model.inference.predictor import Predictor  # noqa: E402
from mtg_tfds import background_folder  # noqa: E402
from mtg_tfds.generators import card_families, procedural_cards  # noqa: E402

CARD_SEED = 23          # the fresh cards' seed: the bundled dataset's is 0
IMAGE_SEED = 2323       # the synthesis's
_BACKGROUNDS = pathlib.Path(__file__).resolve().parent.parent / "backgrounds"
_VIEWS = {"one view": False, "four turns": True}


def fresh_cards(cards_per_family: int, config: SynthesisConfig) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Card atlases of `cards_per_family` new cards of each family, and their groups.

    Returns:
      (atlases [Nc, N] int32 (`texture.card_atlas`), {"name", "family", "border": [Nc] str}).
    """
    photos = [background.image for background in background_folder.iter_backgrounds(_BACKGROUNDS)]
    count = cards_per_family * len(card_families.FAMILIES)
    atlases, groups = [], {"name": [], "family": [], "border": []}
    for meta, rgba in tqdm.tqdm(procedural_cards.generate_cards(count, CARD_SEED, photos), total=count,
                                desc="fresh cards", unit="card", leave=False):
        atlases.append(texture.card_atlas(rgba, config.card_height, config.card_width, config.mip_levels).numpy())
        groups["name"].append(meta["name"])
        groups["family"].append(card_families.family_of(meta))
        groups["border"].append(meta["border_color"])
    return np.stack(atlases), {key: np.asarray(values, str) for key, values in groups.items()}


def held_out_backgrounds(data_dir: str, dataset: str, config: SynthesisConfig) -> np.ndarray:
    """[Nb, M] int32 pyramids of the dataset's held-out backgrounds (those the validation set uses)."""
    builder = pipeline.load_builder(data_dir, dataset)
    split = validation.split_names(builder, "backgrounds")[1]
    return np.concatenate([batch.numpy() for batch in pipeline.background_textures(builder, config, split).batch(16)])


def predictors(net) -> dict[str, Predictor]:
    """A model's reading in each view: one view, and the four-turn vote."""
    return {view: Predictor(net, refine=False, rotate=rotate) for view, rotate in _VIEWS.items()}


def read_turned(views: dict[str, Predictor], images: dict[str, np.ndarray]) -> dict[str, dict]:
    """Per view and look (the first pass, the second look on its crop), `metrics.by_group` by family (and "all")
    of the photos."""
    photos = images["image"]                                                            # [N, P, P, 3] uint8
    size = next(iter(views.values())).size
    inputs = np.stack([letterbox.letterbox(photo, size)[0] for photo in photos])         # [N, S, S, 3]
    frame = letterbox.Letterbox(photos.shape[2], photos.shape[1], size)
    sizes = np.full([len(photos), 2], photos.shape[1], np.float32)
    groups = {"family": images["family"], "all": np.full(len(photos), "all")}
    scores = {}
    for view, predictor in views.items():
        first = frame.to_photo(predictor.predict_inputs(inputs)[0])                      # [N, 4, 2] photo pixels
        second = np.concatenate(predictor.refine_quads(list(photos), list(first[:, None])))  # [N, 4, 2]
        for look, predicted in (("first pass", first), ("second look", second)):
            scores[f"{view}, {look}"] = {family: row for grouping in groups.values() for family, row in
                                         metrics.by_group(predicted, images["corners"], sizes, grouping,
                                                          present=images["present"]).items()}
    return scores


def print_tables(scores: dict[str, dict[str, dict]]) -> None:
    """One markdown table per view: a row per family, a column pair per model (within 3% free, read turned)."""
    models = list(scores)
    for view in scores[models[0]]:
        print(f"\n{view}: within 3% order-free / read turned (of which half round) (images)")
        print("| family | " + " | ".join(models) + " |")
        print("|---|" + "---|" * len(models))
        for family in scores[models[0]][view]:
            cells = [f"{100 * scores[m][view][family]['within3_free']:.0f}% / "
                     f"**{100 * scores[m][view][family]['turned']:.1f}%** "
                     f"({100 * scores[m][view][family]['half_turned']:.1f}%)" for m in models]
            count = int(scores[models[0]][view][family]["count"])
            print(f"| {family} ({count}) | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", action="append", required=True, type=pathlib.Path,
                        help="a .keras corner model; repeat to compare models on the same images")
    parser.add_argument("--data_dir", default="data", help="TFDS data folder (its held-out backgrounds are used)")
    parser.add_argument("--config", default="procedural", help="which mtg_tfds config's backgrounds")
    parser.add_argument("--cards_per_family", type=int, default=20, help="fresh cards drawn of each family")
    parser.add_argument("--samples", type=int, default=2048, help="photos synthesised")
    parser.add_argument("--photo_scale", type=int, default=3,
                        help="the photos' side in model input sides: the second look's crop is cut from them")
    parser.add_argument("--json", type=pathlib.Path, help="also write the scores here")
    args = parser.parse_args(argv)
    for flag in ("cards_per_family", "samples", "photo_scale"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag} must be at least 1, got {getattr(args, flag)}")
    try:
        nets = {str(path): load_model(path) for path in args.model}
        sizes = {int(net.input.shape[1]) for net in nets.values()}
        if len(sizes) > 1:
            raise ValueError(f"the models' input sizes differ ({sorted(sizes)}): compare models of one size")
        config = recipe(sizes.pop() * args.photo_scale)
        backgrounds = held_out_backgrounds(args.data_dir, args.config, config)
        atlases, groups = fresh_cards(args.cards_per_family, config)
        table = AtlasTable(atlases, backgrounds, list(groups["name"]))
        images = validation.synthesize_set(table, groups, config, args.samples, IMAGE_SEED)
    except (ModelFileError, pipeline.DatasetNotFoundError, OSError, ValueError) as error:
        sys.exit(f"error: {error}")
    scores = {name: read_turned(predictors(net), images) for name, net in nets.items()}
    print_tables(scores)
    if args.json:
        args.json.write_text(json.dumps(scores, indent=1))


if __name__ == "__main__":
    tf.get_logger().setLevel("ERROR")
    main()
