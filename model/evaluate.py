"""Score a trained corner model on the synthetic validation set or on a labelled folder.

    python -m model.evaluate --model runs/cpu/best.keras --data_dir data [--config procedural]
    python -m model.evaluate --model runs/cpu/best.keras --annotations realdev/annotations.json [--json]

The synthetic set is the one training validates on: held-out cards and
backgrounds, the default recipe at the model's input size (or --synthesis_config),
seed 12345. It is also scored per layout family and per border colour of the
labelled cards (`groups` in --json; `metrics.by_group`): the median worst
corner and the share within 3% of the side order-free, and the share "read
turned" (within 3% order-free but not order-aware). `--no_rotations` scores one
view, as training validates.

A folder is anything in the seed project's schema: `augment_tf.dump` output,
the real-photo set once extracted, photos you labelled yourself. A folder is
also scored on every labelled card (`cards`, or `corners` alone):
recall, precision and F1 at 5% and 2% of each card's longer side and at 3% of the
photo's, as `cards_*` (see `model.evaluation.metrics.summarize_cards`).
"""

import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from augment_tf import annotations, letterbox, pipeline  # noqa: E402
from augment_tf.config import add_recipe_flag, recipe  # noqa: E402
from model.evaluation import metrics, validation  # noqa: E402
from model.inference.loading import ModelFileError, load_model  # noqa: E402
from model.inference.predictor import Predictor, add_view_flags, view_options  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m model.evaluate", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", required=True, help="a .keras corner model (best.keras, last.keras)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data_dir", help="TFDS data folder: score the synthetic validation set")
    source.add_argument("--annotations", help="FOLDER/annotations.json: score the photos it lists")
    parser.add_argument("--config", default="procedural", help="with --data_dir: which mtg_tfds config")
    validation.add_val_samples_flag(parser, when="with --data_dir: ")
    add_recipe_flag(parser, when="with --data_dir: ")
    add_view_flags(parser, refine_when="with --annotations: ")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        net = load_model(args.model)
        predictor = Predictor(net, **view_options(args))
        groups = {}
        if args.data_dir:
            (scores, groups), rows = synthetic_scores(args, predictor), []
        else:
            scores, rows = validation.evaluate_folder(predictor, pathlib.Path(args.annotations).parent)
    except (ModelFileError, pipeline.DatasetNotFoundError, annotations.AnnotationError, letterbox.PhotoError,
            ValueError, OSError) as error:
        sys.exit(f"error: {error}")
    if args.json:
        print(json.dumps({"metrics": scores, "images": rows, "groups": groups}, indent=1))
        return
    for row in rows:
        print(f"{row['filename']:<28} worst corner {100 * row['worst_frac_aware']:6.2f}% aware, "
              f"{100 * row['worst_frac_free']:6.2f}% order-free, presence {row['presence']:.2f}, "
              f"cards {row['cards_matched']} of {row['cards_labelled']} found")
    for name, value in scores.items():
        print(f"{name:<24} {value:.4f}")
    if groups:
        print(metrics.group_tables(groups).lstrip("\n"))


def synthetic_scores(args: argparse.Namespace,
                     predictor: Predictor) -> tuple[dict[str, float], dict[str, dict[str, dict[str, float]]]]:
    """Scores the fixed synthetic validation set at the model's input size, overall and per family and border
    colour of its cards (`validation.synthetic_groups`)."""
    config = recipe(predictor.size, args.synthesis_config)
    builder = pipeline.load_builder(args.data_dir, args.config)
    val = validation.synthetic_set(builder, config, args.val_samples, seed=validation.VAL_SEED)
    scores, predicted, _ = validation.evaluate_arrays(predictor, val["image"], val["corners"], val["present"])
    scores.update(validation.evaluate_card_arrays(predictor, val["image"], val["cards"], val["card_whole"]))
    return scores, validation.synthetic_groups(val, predicted)


if __name__ == "__main__":
    main()
