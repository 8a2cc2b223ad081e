"""Training speed of each preset: samples per second of the whole train step, and the synthesis's share.

    python benchmarks/train_throughput.py --data_dir data [--presets cpu web gpu] [--seconds 20] [--contexts none coords]
    python benchmarks/train_throughput.py --presets cpu --baseline ../main_checkout   # this code against another

For each preset it builds the preset's model and trainer (as `train.py` would,
on this machine's devices: XLA for the synthesis only on a CPU, for the whole
step on a GPU), then times, in the same process and on the same batches:
  * the whole train step: synthesis from the texture table, forward, losses, backward, update;
  * the synthesis alone (table rows drawn and synthesised, compiled as in the step).
The ratio is the share of the step the synthesis costs. With `--baseline DIR`
(a checkout of another commit, such as main's), the same measurement runs
there too, in this run, before and after this code's, and each preset's
samples/s is given against the baseline's mean: separate runs on a shared
machine differ by up to 15%.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from augment_tf import pipeline  # noqa: E402
from augment_tf.atlas_table import AtlasTable, load_atlases  # noqa: E402
from augment_tf.config import SynthesisConfig  # noqa: E402
from model.network.corner_model import CONTEXTS, ModelConfig, build_model  # noqa: E402
from model.training import train_step  # noqa: E402
from model.training.presets import PRESETS  # noqa: E402


def timed(function, seconds: float) -> float:
    """Median-free mean seconds per call of `function` over about `seconds`, after two warm-up calls."""
    for _ in range(2):
        function()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or count < 3:
        function()
        count += 1
    return (time.perf_counter() - start) / count


def measure(builder, preset: str, context: str, seconds: float, cards: int) -> dict:
    """Times one preset's train step (with the decoder context given) and its synthesis."""
    settings = PRESETS[preset]
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    config = ModelConfig.from_settings({**settings, "context": context})
    synthesis = SynthesisConfig.for_size(config.input_size)
    keras.mixed_precision.set_dtype_policy("mixed_float16" if on_gpu else "float32")
    table = AtlasTable(*load_atlases(builder, synthesis, f"cards[:{cards}]", "backgrounds"))
    optimizer = keras.optimizers.AdamW(1e-4)
    step = train_step.StepConfig(settings["batch_size"], "all" if on_gpu else "synthesis", on_gpu)
    trainer = train_step.Trainer(tf.distribute.get_strategy(), build_model(config), table, synthesis,
                                 keras.optimizers.LossScaleOptimizer(optimizer) if on_gpu else optimizer, step)
    step_seconds = timed(trainer.run_step, seconds)
    seeds = iter(range(10 ** 9))
    sample = lambda: trainer.sample(tf.constant([1, next(seeds)]))["image"].numpy()  # noqa: E731
    synthesis_seconds = timed(sample, seconds / 2)
    batch = settings["batch_size"]
    return {"preset": preset, "model": f"{config.backbone} {config.alpha:g} @ {config.input_size}, {context}",
            "device": "GPU" if on_gpu else "CPU", "batch": batch, "samples_per_s": batch / step_seconds,
            "step_ms_per_sample": 1000 * step_seconds / batch,
            "synthesis_ms_per_sample": 1000 * synthesis_seconds / batch,
            "share": synthesis_seconds / step_seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data_dir", default="data", help="TFDS data folder with mtg_tfds/procedural built")
    parser.add_argument("--presets", nargs="+", default=["cpu", "web", "gpu"], choices=sorted(PRESETS))
    parser.add_argument("--seconds", type=float, default=20.0, help="timing per measurement")
    parser.add_argument("--cards", type=int, default=64, help="cards in the texture table")
    parser.add_argument("--contexts", nargs="+", choices=CONTEXTS,
                        help="time each preset with each of these decoder contexts (default: the preset's own)")
    parser.add_argument("--baseline", type=pathlib.Path,
                        help="a checkout of another commit: measure it too, before and after this code")
    args = parser.parse_args(argv)
    before = baseline_rates(args) if args.baseline else None
    builder = pipeline.load_builder(args.data_dir, "procedural")
    rows = [measure(builder, preset, context, args.seconds, args.cards) for preset in args.presets
            for context in (args.contexts or [PRESETS[preset]["context"]])]
    print_table(rows)
    if before is not None:
        after = baseline_rates(args)
        print("\n| preset | baseline samples/s (before, after) | this code | ratio |\n|---|---|---|---|")
        for row, first, second in zip(rows, before, after):
            print(f"| {row['preset']} | {first:.1f}, {second:.1f} | {row['samples_per_s']:.1f} | "
                  f"{2 * row['samples_per_s'] / (first + second):.3f} |")


def print_table(rows: list[dict]) -> None:
    print("| preset | model | device | batch | samples/s | step ms/sample | synthesis ms/sample | synthesis share |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['preset']} | {row['model']} | {row['device']} | {row['batch']} | {row['samples_per_s']:.1f} | "
              f"{row['step_ms_per_sample']:.1f} | {row['synthesis_ms_per_sample']:.2f} | {100 * row['share']:.1f}% |")


def baseline_rates(args: argparse.Namespace) -> list[float]:
    """The samples/s the `--baseline` checkout's own copy of this script measures, a row per preset and context."""
    command = [sys.executable, str(args.baseline / "benchmarks" / "train_throughput.py"),
               "--data_dir", str(pathlib.Path(args.data_dir).resolve()), "--presets", *args.presets,
               "--seconds", str(args.seconds), "--cards", str(args.cards),
               *(["--contexts", *args.contexts] if args.contexts else [])]
    printed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=args.baseline).stdout
    rows = [line.split("|") for line in printed.splitlines() if "| CPU |" in line or "| GPU |" in line]
    return [float(cells[5]) for cells in rows]


if __name__ == "__main__":
    main()
