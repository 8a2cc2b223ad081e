"""The CPU budget run: train `--preset cpu` for a fixed wall time, then score it and plot error against time.

    python benchmarks/budget_run.py --data_dir data --out runs/budget --minutes 30
    python benchmarks/budget_run.py --out runs/budget --report_only      # score and plot an existing run
    python benchmarks/budget_run.py --out runs/budget_lr2e-3 -- --lr 2e-3  # flags after -- go to train.py

Trains with `train.py --preset cpu --max_minutes MINUTES` (the epochs are sized
to end near the budget, so the learning rate's cosine reaches its end), then
runs `model.evaluate` on the held-out seeded synthetic set with the default
recipe and writes OUT/error_vs_time.png from OUT/history.csv: the synthetic
validation error (order-aware and order-free mean corner error, % of the side)
and, for a model with a card head, its every-card recall (at 5% of each card's side,
first pass) against training minutes; the every-card recall and precision are printed
beside the single-card scores. OUT/evaluation.json holds `model.evaluate`'s metrics
and, under `groups`, its scores per layout family and per border colour of the
cards, which it also prints as tables (the median worst corner, the shares within
3% order-free and order-aware, and the share read turned).
"""

import argparse
import csv
import json
import pathlib
import signal
import subprocess
import sys

from PIL import Image, ImageDraw

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_SIZE, _MARGIN = (900, 520), 70
_SERIES = {"mean_frac_aware": (220, 40, 40), "mean_frac_free": (40, 90, 220),
           "cards_recall_card5": (30, 150, 60)}          # plotted where history.csv has it (a card head)
_PRINTED = ("mean_frac_aware", "mean_frac_free", "within3_aware", "within3_free", "presence_accuracy",
            "cards_recall_card5", "cards_precision_card5", "cards_recall_card2", "cards_precision_card2")


def train_command(args: argparse.Namespace) -> list[str]:
    """The train.py command line for the budget; the epoch count assumes ~`steps_per_minute` steps a minute."""
    epochs = max(1, round(args.minutes * args.steps_per_minute / args.steps_per_epoch))
    return [sys.executable, str(ROOT / "train.py"), "--preset", "cpu", "--data_dir", args.data_dir,
            "--model_dir", str(args.out), "--epochs", str(epochs), "--steps_per_epoch", str(args.steps_per_epoch),
            "--curriculum_epochs", str(max(1, epochs // 6)), "--max_minutes", str(args.minutes),
            "--weights", args.weights, *(["--resume"] if (args.out / "config.json").exists() else []),
            *args.train_flags]


def plot(history: pathlib.Path, out: pathlib.Path) -> None:
    """Draws each series of `_SERIES` (fractions) that the history holds, in %, against the `minutes` column."""
    with history.open() as file:
        rows = list(csv.DictReader(file))
    minutes = [float(row["minutes"]) for row in rows]
    series = {name: [100 * float(row[name]) for row in rows] for name in _SERIES if name in rows[0]}
    top = max(max(values) for values in series.values()) * 1.05
    width, height = _SIZE
    picture = Image.new("RGB", _SIZE, "white")
    draw = ImageDraw.Draw(picture)
    to_xy = lambda t, v: (_MARGIN + (width - 2 * _MARGIN) * t / max(minutes[-1], 1e-6),  # noqa: E731
                          height - _MARGIN - (height - 2 * _MARGIN) * v / top)
    draw.line([to_xy(0, 0), to_xy(minutes[-1], 0)], fill="black")
    draw.line([to_xy(0, 0), to_xy(0, top)], fill="black")
    for tick in range(0, int(top) + 1, max(1, int(top) // 8)):
        draw.text((10, to_xy(0, tick)[1] - 6), f"{tick}%", fill="black")
    for tick in range(0, int(minutes[-1]) + 1, 5):
        draw.text((to_xy(tick, 0)[0] - 6, height - _MARGIN + 8), f"{tick}", fill="black")
    draw.text((width // 2 - 60, height - 25), "training minutes", fill="black")
    for index, name in enumerate(series):
        colour = _SERIES[name]
        draw.line([to_xy(t, v) for t, v in zip(minutes, series[name])], fill=colour, width=2)
        draw.text((width - 300, 20 + 16 * index), f"{name} (synthetic validation)", fill=colour)
    picture.save(out)


def run_to_the_end(command: list[str]) -> None:
    """Runs `command`, passing a SIGTERM on to it, so that stopping the benchmark stops its training too.

    (Ctrl-C reaches the child by itself: it is in the terminal's process group.)

    Raises:
      SystemExit: the command failed or was stopped.
    """
    child = subprocess.Popen(command)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
    try:
        code = child.wait()
    except BaseException:
        child.terminate()
        child.wait()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code:
        raise SystemExit(f"error: {pathlib.Path(command[1]).name} stopped with exit code {code}")


def print_groups(groups: dict) -> None:
    """Prints `model.evaluate`'s per-family and per-border-colour scores as markdown tables."""
    # Imported here: the `model` package imports TensorFlow, which nothing else of this script needs.
    from model.evaluation.metrics import group_tables

    print(group_tables(groups))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data_dir", default="data", help="TFDS data folder with mtg_tfds/procedural built")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("runs/budget"), help="the run folder")
    parser.add_argument("--minutes", type=float, default=30.0, help="training wall-time budget")
    parser.add_argument("--steps_per_epoch", type=int, default=200, help="steps between validations")
    parser.add_argument("--steps_per_minute", type=float, default=250.0,
                        help="expected training speed with validation, to size the epochs (2 AVX-512 cores: "
                             "~250; a slower machine stops at the budget before the cosine ends)")
    parser.add_argument("--weights", default="none", help="backbone weights, as train.py's --weights")
    parser.add_argument("--report_only", action="store_true", help="only score and plot an existing run")
    parser.add_argument("train_flags", nargs="*", metavar="-- TRAIN_FLAGS",
                        help="more train.py flags, after --, e.g. -- --lr 2e-3 (they win over the preset's)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.report_only:
        run_to_the_end(train_command(args))
    plot(args.out / "history.csv", args.out / "error_vs_time.png")
    result = subprocess.run([sys.executable, "-m", "model.evaluate", "--model", str(args.out / "best.keras"),
                             "--data_dir", args.data_dir, "--json"], capture_output=True, text=True, cwd=ROOT,
                            check=True)
    report = json.loads(result.stdout)
    metrics = report["metrics"]
    (args.out / "evaluation.json").write_text(json.dumps({**metrics, "groups": report["groups"]}, indent=1))
    for name in (name for name in _PRINTED if name in metrics):
        print(f"{name:<22} {metrics[name]:.4f}")
    print_groups(report["groups"])
    print(f"plot: {args.out / 'error_vs_time.png'}")


if __name__ == "__main__":
    main()
