"""Train the corner model on fresh synthetic photos, made on the accelerator at every step.

    tfds build mtg_tfds --data_dir data
    python train.py --data_dir data --model_dir runs/cpu [--preset cpu|gpu|web] [flags]

The story, top to bottom: flags -> run folder and config -> strategy -> texture
tables -> model, optimizer, trainer -> validation set -> epochs of fresh samples,
each followed by validation, pictures, checkpoints and `best.keras`.
"""

import argparse
import json
import math
import os
import pathlib
import shutil
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from augment_tf import pipeline  # noqa: E402
from augment_tf.atlas_table import AtlasTable, load_atlases  # noqa: E402
from augment_tf.config import add_recipe_flag, recipe  # noqa: E402
from model.errors import first_line  # noqa: E402
from model.evaluation import validation  # noqa: E402
from model.evaluation.metrics import group_tables  # noqa: E402
from model.inference.predictor import Predictor  # noqa: E402
from model.network import backbones  # noqa: E402
from model.network.corner_model import CONTEXTS, UNRECORDED, ModelConfig, build_model  # noqa: E402
from model.training import curriculum, run_files, train_step  # noqa: E402
from model.training.presets import PRESETS  # noqa: E402

SELECT_ON = "mean_frac_aware"       # the synthetic validation metric that picks best.keras (lower is better)
_VIS_COUNT = 8


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python train.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add = parser.add_argument
    add("--data_dir", default="data", help="TFDS data folder that `tfds build mtg_tfds` wrote to")
    add("--config", default="procedural", help="which mtg_tfds config to train on")
    add("--model_dir", required=True, help="run folder: checkpoints, best.keras, last.keras, logs")
    add("--preset", choices=sorted(PRESETS), default="cpu", help="defaults for the flags below "
                                                                     "(see model/training/presets.py)")
    add("--backbone", choices=sorted(backbones.BACKBONES), help="feature extractor (preset)")
    add("--input_size", type=int, help="square input side in pixels, a multiple of 16 (preset)")
    add("--alpha", type=float, help="MobileNet width multiplier (preset)")
    add("--decoder_channels", type=int, help="FPN decoder width (preset)")
    add("--context", choices=CONTEXTS, help="what the decoder adds at stride 16 to pick the card nearest the "
                                            "centre: none, coords (the cells' positions), attention (positions "
                                            "and one global self-attention layer) (preset)")
    add("--orientation_grid", type=int, default=ModelConfig.orientation_grid,
        help="the orientation head also reads the decoder's features at G x G points over the card; 0 leaves "
             "them out (as runs recorded before the grid did: resume those with 0)")
    add("--weights", default="auto", help="backbone weights: auto, none, imagenet, or a Keras weights file")
    add("--batch_size", type=int, help="samples per replica per step; the global batch is this x replicas (preset)")
    add("--epochs", type=int, help="epochs to train (preset)")
    add("--steps_per_epoch", type=int, help="global steps in one epoch, each on fresh samples (preset)")
    add("--lr", type=float, help="peak learning rate for a global batch of 32; scaled linearly with the "
                                 "global batch (preset)")
    add("--warmup_steps", type=int, default=300, help="linear warm-up steps before the cosine decay")
    add("--weight_decay", type=float, default=1e-4, help="AdamW weight decay")
    add("--curriculum_epochs", type=int, default=0,
        help="ramp the synthesis from easy (large flat cards, no effects) to the full recipe over this many "
             "epochs, in 4 steps; 0 trains on the full recipe from the start")
    add_recipe_flag(parser)
    validation.add_val_samples_flag(parser)
    add("--val_annotations", action="append", default=[], metavar="FOLDER/annotations.json",
        help="also score these labelled folders every epoch (logged, never used to select best.keras); repeatable")
    add("--early_stopping", type=int, default=0, help="stop after this many epochs without a better "
                                                      f"{SELECT_ON}; 0 never stops early")
    add("--max_minutes", type=float, default=0, help="stop training after this much wall time (then validate "
                                                     "and save as at an epoch's end); 0 for no limit")
    add("--xla", choices=["auto", *train_step.XLA_MODES], default="auto",
        help="what XLA compiles: all (the whole step), synthesis, none; auto: all on a GPU, synthesis on a CPU")
    add("--mixed_precision", choices=["auto", "on", "off"], default="auto", help="float16 compute; auto: on a GPU")
    add("--seed", type=int, default=0, help="seed of the sample stream; the same seed gives the same run")
    add("--resume", action="store_true", help="continue the run in --model_dir from its last checkpoint")
    add("--overwrite", action="store_true", help="start afresh in a --model_dir that holds an earlier run")
    args = parser.parse_args(argv)
    for name, value in PRESETS[args.preset].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name in ("input_size", "batch_size", "epochs", "steps_per_epoch", "val_samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.resume and args.overwrite:
        parser.error("--resume and --overwrite contradict each other")
    try:
        args.model_config = ModelConfig.from_settings(vars(args))
    except ValueError as error:
        parser.error(str(error))
    try:
        args.synthesis = recipe(args.input_size, args.synthesis_config)
    except ValueError as error:
        parser.error(f"--synthesis_config {args.synthesis_config}: {error}")
    for path in args.val_annotations:
        if not pathlib.Path(path).is_file():
            parser.error(f"--val_annotations {path}: no such file")
    return args


def run_record(args: argparse.Namespace) -> dict:
    """Everything that made the run, as written to config.json and best.json."""
    flags = {key: value for key, value in vars(args).items() if key not in ("model_config", "synthesis")}
    return {"flags": flags, "model": args.model_config.to_dict(), "synthesis": args.synthesis.to_dict()}


def prepare_run_folder(args: argparse.Namespace) -> pathlib.Path:
    """Creates --model_dir; refuses one holding an earlier run unless --resume or --overwrite."""
    out = pathlib.Path(args.model_dir)
    earlier = (out / "config.json").exists()
    if args.resume and not earlier:
        raise SystemExit(f"error: --resume: {out} holds no run to resume (no config.json)")
    if earlier and not (args.resume or args.overwrite):
        raise SystemExit(f"error: --model_dir {out} holds an earlier run; pass --resume to continue it "
                         "or --overwrite to start afresh")
    if args.resume:
        check_same_model(args, out)
    if args.overwrite and out.exists():
        shutil.rmtree(out)
    (out / "vis").mkdir(parents=True, exist_ok=True)
    return out


def check_same_model(args: argparse.Namespace, out: pathlib.Path) -> None:
    """Refuses to resume with flags that build another model than the run's config.json records."""
    saved = {**UNRECORDED, **json.loads((out / "config.json").read_text()).get("model", {})}
    wanted = args.model_config.to_dict()
    changed = [f"{key}={saved.get(key, '(not recorded: an older train.py)')}"
               for key in wanted if saved.get(key) != wanted[key]]
    if changed:
        raise SystemExit(f"error: --resume: {out} was trained with {', '.join(changed)}; pass the same model "
                         f"flags (its config.json), or --overwrite to start afresh")


def restore_checkpoint(checkpoint: tf.train.Checkpoint, manager: tf.train.CheckpointManager,
                       out: pathlib.Path) -> None:
    """Restores the latest checkpoint; one that does not fit the model built ends the run with one line."""
    try:
        status = checkpoint.restore(manager.latest_checkpoint)
        status.assert_existing_objects_matched()
    except (ValueError, AssertionError, tf.errors.OpError) as error:
        raise SystemExit(f"error: --resume: {out}/checkpoints does not fit the model these flags build "
                         f"({first_line(error)[:200]}); an older version of train.py may have written it") from None
    status.expect_partial()


def make_optimizer(args: argparse.Namespace, global_batch: int, mixed_precision: bool):
    """AdamW with linear warm-up and cosine decay, the peak scaled linearly with the global batch."""
    total = args.epochs * args.steps_per_epoch
    warmup = min(args.warmup_steps, total // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(1, total - warmup), warmup_target=args.lr * global_batch / 32, warmup_steps=warmup)
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=args.weight_decay, clipnorm=5.0)
    return keras.optimizers.LossScaleOptimizer(optimizer) if mixed_precision else optimizer


def is_chief() -> bool:
    """Whether this process writes the run folder: the only process, the cluster's chief, or worker 0
    of a cluster without one."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}"))
    task = config.get("task", {})
    if not task:
        return True
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and task.get("index", 0) == 0


def build_trainer(args: argparse.Namespace, strategy: tf.distribute.Strategy, builder, weights: str | None,
                  xla: str, mixed: bool) -> train_step.Trainer:
    """The model, the training texture table, the optimizer and the trainer, built inside the strategy's scope."""
    keras.mixed_precision.set_dtype_policy("mixed_float16" if mixed else "float32")
    keras.utils.set_random_seed(args.seed)
    card_split, background_split = (validation.split_names(builder, split)[0] for split in ("cards", "backgrounds"))
    cards, backgrounds, names = load_atlases(builder, args.synthesis, card_split, background_split)
    with strategy.scope():
        net = build_model(args.model_config, weights)
        table = AtlasTable(cards, backgrounds, names)
        optimizer = make_optimizer(args, args.batch_size * strategy.num_replicas_in_sync, mixed)
        return train_step.Trainer(strategy, net, table, args.synthesis, optimizer,
                                  train_step.StepConfig(args.batch_size, xla, mixed, args.seed,
                                                        curriculum=args.curriculum_epochs > 0))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    xla = args.xla if args.xla != "auto" else ("all" if on_gpu else "synthesis")
    mixed = args.mixed_precision == "on" or (args.mixed_precision == "auto" and on_gpu)
    chief = is_chief()
    out = prepare_run_folder(args) if chief else pathlib.Path(tempfile.mkdtemp(prefix="train_worker_"))
    strategy = train_step.make_strategy()
    try:
        builder = pipeline.load_builder(args.data_dir, args.config)
        trainer = build_trainer(args, strategy, builder, backbones.resolve_weights(args.weights, args.backbone),
                                xla, mixed)
    except (pipeline.DatasetNotFoundError, backbones.WeightsError) as error:
        sys.exit(f"error: {error}")
    net, optimizer = trainer.model, trainer.optimizer
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
    best = tf.Variable(math.inf, dtype=tf.float64, trainable=False)
    checkpoint = tf.train.Checkpoint(model=trainer.view, optimizer=optimizer, step=trainer.step, epoch=epoch,
                                     best=best)
    manager = tf.train.CheckpointManager(checkpoint, str(out / "checkpoints"), max_to_keep=2)
    if args.resume:
        restore_checkpoint(checkpoint, manager, out)
        print(f"resuming {out} at epoch {int(epoch)}, step {trainer.steps_done}")
    if chief:
        run_files.write_json(out / "config.json", run_record(args))
    val = validation.synthetic_set(builder, args.synthesis, args.val_samples, seed=validation.VAL_SEED,
                                   cache=out / "val_set.npz")
    history = run_files.History(out / "history.csv", resume_epoch=int(epoch))
    board = run_files.TensorBoard(out / "logs")
    started, stale = time.time(), 0
    print(f"training {net.name} ({net.count_params():,} weights) on {len(trainer.table.names)} cards, "
          f"{trainer.replicas} replica(s), global batch {trainer.global_batch}, XLA {xla}, "
          f"mixed precision {'on' if mixed else 'off'}")
    while int(epoch) < args.epochs:
        difficulty = curriculum.difficulty_at(int(epoch), args.curriculum_epochs)
        trainer.set_difficulty(difficulty)
        train_stats, out_of_time = train_epoch(trainer, args, int(epoch), started)
        scores, groups = evaluate(net, args, val, out, int(epoch), board, chief)
        improved = scores[SELECT_ON] < float(best)
        row = {"epoch": int(epoch), "step": trainer.steps_done, "minutes": (time.time() - started) / 60,
               "difficulty": difficulty, "lr": float(optimizer.learning_rate),
               **{f"train_{k}": v for k, v in train_stats.items()}, **scores}
        if improved:
            best.assign(scores[SELECT_ON])
        epoch.assign_add(1)
        stale = 0 if improved else stale + 1
        manager.save()
        if chief:
            record_epoch(args, out, row, improved, net, history, board, groups)
        print(f"epoch {row['epoch']}: {SELECT_ON} {scores[SELECT_ON]:.4f}, within3_aware "
              f"{scores['within3_aware']:.3f}, presence {scores.get('presence_accuracy', float('nan')):.3f}"
              + (" (best)" if improved else ""))
        if out_of_time or (args.early_stopping and stale >= args.early_stopping):
            print("stopping: " + ("--max_minutes reached" if out_of_time else
                                  f"no better {SELECT_ON} in {stale} epochs"))
            break
    print(f"done: {out / 'best.keras'} ({SELECT_ON} {float(best):.4f})")
    print_best_groups(out / "best.json")


def record_epoch(args: argparse.Namespace, out: pathlib.Path, row: dict, improved: bool, net: keras.Model,
                 history: run_files.History, board: run_files.TensorBoard, groups: dict) -> None:
    """Writes an epoch's row to history.csv and TensorBoard, last.keras, and best.keras with best.json (which
    also holds the epoch's synthetic scores per layout family and border colour, `groups`)."""
    history.append(row)
    board.scalars({k: v for k, v in row.items() if k != "epoch"}, row["step"])
    save_inference_model(net, args, out / "last.keras")
    if improved:
        save_inference_model(net, args, out / "best.keras")
        metrics = {key: value for key, value in row.items() if not key.startswith("train_")}
        run_files.write_json(out / "best.json", {"metrics": metrics, "groups": groups, **run_record(args)})


def print_best_groups(best_json: pathlib.Path) -> None:
    """Prints best.keras's synthetic scores per layout family and per border colour, where best.json has them."""
    if not best_json.is_file():                  # a worker's folder, or a run that never finished an epoch
        return
    tables = group_tables(json.loads(best_json.read_text()).get("groups", {}))    # none in an older run's
    if tables:
        print(tables)


def train_epoch(trainer: train_step.Trainer, args: argparse.Namespace, epoch: int,
                started: float) -> tuple[dict[str, float], bool]:
    """Runs one epoch of steps with a progress bar; stops with one clear line if the loss turns NaN.

    Returns:
      (the epoch's mean loss terms, whether --max_minutes ran out during it).
    """
    progress = keras.utils.Progbar(args.steps_per_epoch, stateful_metrics=["lr"])
    print(f"epoch {epoch + 1}/{args.epochs}")
    totals = {}
    for index in range(args.steps_per_epoch):
        stats = trainer.run_step()
        if not math.isfinite(stats["total"]):
            sys.exit(f"error: the loss became {stats['total']} at step {trainer.steps_done} (epoch {epoch}); "
                     f"stopped, and the last good checkpoint in {args.model_dir}/checkpoints is kept")
        for name, value in stats.items():
            totals[name] = totals.get(name, 0.0) + value
        progress.update(index + 1, [(name, stats[name]) for name in ("total", "coords", "presence")])
        if args.max_minutes and time.time() - started > args.max_minutes * 60:
            return {name: value / (index + 1) for name, value in totals.items()}, True
    return {name: value / args.steps_per_epoch for name, value in totals.items()}, False


def evaluate(net: keras.Model, args: argparse.Namespace, val: dict, out: pathlib.Path, epoch: int,
             board: run_files.TensorBoard, chief: bool) -> tuple[dict[str, float], dict]:
    """Scores the synthetic set (which selects best.keras) and each --val_annotations folder (logged only).

    The synthetic set is predicted once per frame, unturned: a quarter of the
    cost of `model.evaluate`'s default four-way rotation ensemble.

    Returns:
      (the scores, the synthetic set's scores per layout family and border colour:
       `validation.synthetic_groups`).
    """
    predictor = Predictor(net, refine=False, rotate=False)
    scores, predicted, _ = validation.evaluate_arrays(predictor, val["image"], val["corners"], val["present"])
    # Every card: the card head's proposals, each refined on its crop (one view), as model.predict answers them.
    scores.update(validation.evaluate_card_arrays(Predictor(net, refine=True, rotate=False), val["image"],
                                                  val["cards"], val["card_whole"]))
    for path in args.val_annotations:
        folder = pathlib.Path(path).parent
        folder_scores, _ = validation.evaluate_folder(Predictor(net), folder)
        scores.update({f"{folder.name}/{name}": value for name, value in folder_scores.items()})
    if chief:
        truth = np.where(val["present"][:_VIS_COUNT, None, None], val["corners"][:_VIS_COUNT], np.nan)
        sheet = run_files.prediction_sheet(val["image"][:_VIS_COUNT], truth, predicted[:_VIS_COUNT])
        sheet.save(out / "vis" / f"epoch_{epoch:03d}.jpg", quality=90)
        board.image("validation", sheet, epoch)
    return scores, validation.synthetic_groups(val, predicted)


def save_inference_model(net: keras.Model, args: argparse.Namespace, path: pathlib.Path) -> None:
    """Saves the inference model in float32 (a mixed-precision network is rebuilt in float32 first)."""
    if net.dtype_policy.name != "float32":
        policy = keras.mixed_precision.dtype_policy()
        keras.mixed_precision.set_dtype_policy("float32")
        clone = build_model(args.model_config)
        clone.set_weights(net.get_weights())
        keras.mixed_precision.set_dtype_policy(policy)
        net = clone
    run_files.save_model(net, path)


if __name__ == "__main__":
    main()
