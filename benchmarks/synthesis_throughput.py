"""Synthesis throughput against a seed-style OpenCV pipeline measured in the same run.

    python benchmarks/synthesis_throughput.py [--sizes 256 1024] [--seconds 8]

The seed project made each sample on the CPU, one at a time: warp a card onto
a 1024 x 1024 background with OpenCV, alpha-composite, write a JPEG, read it
back, resize to the training size. `augment_tf` makes a whole batch in
TensorFlow graph ops. Each measurement runs in its own process pinned to the
stated number of cores, so "per core" compares like with like; the ratio
column is samples/s per core over the seed-style samples/s per core at the
same output size. Up to 512 px, a row for the CPU train step the synthesis
feeds (ResNet-50 to conv4 with a heatmap head, batch 8, XLA off) says what
share of the step's time per sample the synthesis takes. With a GPU present,
the GPU rows are added, and the synthesis time is compared with the same train
step there; `xla_programs.py` does that comparison where a GPU machine lacks
TensorFlow.

    python benchmarks/synthesis_throughput.py --costs [--sizes 256] [--seconds 4]

prices each part of the synthesis on one core instead: the default config,
then the same with one scene layer or photometric stage switched off (p = 0,
which leaves it out of the graph), and with all of them off. All variants are
compiled in one process and timed in turn, one batch each, round after round,
so a machine whose speed drifts (a shared cloud core) slows them all alike;
each row is the median of its rounds.
"""

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time

_BATCH = {256: 32, 512: 16, 1024: 4}
_CPU_MODEL_BATCH = 8           # the CPU train step the synthesis is compared with (XLA off: faster on CPU)
_CPU_MODEL_MAX_SIZE = 512      # no CPU model row beyond this: ResNet-50 at 1024 is minutes per step there
# What `--costs` switches off, one at a time: scene layers, then the photometric stages.
_SCENE_PARTS = ("neighbor", "binder", "piles", "spread", "deck", "tilt", "contact_shadow", "sleeve", "wear", "foil",
                "occluder", "dark_pairing")
# A layer drawn by several `SceneConfig` effects: all go off (decks are spreads: without both, no tiled slots).
_SCENE_EFFECTS = {"piles": ("fan", "stack"), "spread": ("spread", "deck")}
_PHOTOMETRIC_PARTS = ("shadow", "glare", "blur", "vignette", "colour", "noise", "jpeg")


def _pin(cores: int) -> None:
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])


def _cards_and_backgrounds(count: int):
    """Procedural cards (745 x 1040 RGBA) and bundled backgrounds, as uint8 arrays."""
    import pathlib

    from mtg_tfds import background_folder
    from mtg_tfds.generators import procedural_cards
    folder = pathlib.Path(__file__).resolve().parent.parent / "backgrounds"
    cards = [rgba for _, rgba in procedural_cards.generate_cards(count, seed=0)]
    photos = [b.image for _, b in zip(range(count), background_folder.iter_backgrounds(folder))]
    return cards, photos


def seed_style(size: int, seconds: float) -> dict:
    """One core, per sample: OpenCV warp + composite at 1024, JPEG write and read, resize."""
    import cv2
    import numpy as np
    cv2.setNumThreads(1)
    cards, photos = _cards_and_backgrounds(8)
    photos = [cv2.resize(p, (1024, 1024)) for p in photos]
    rng = np.random.default_rng(0)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        card, background = cards[count % len(cards)], photos[count % len(photos)]
        h, w = card.shape[:2]
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = (np.float32([[300, 250], [700, 280], [720, 800], [280, 760]])
               + rng.normal(0, 40, (4, 2)).astype(np.float32))
        warped = cv2.warpPerspective(card, cv2.getPerspectiveTransform(src, dst), (1024, 1024))
        alpha = warped[..., 3:] / 255.0
        composite = (warped[..., :3] * alpha + background * (1 - alpha)).astype(np.uint8)
        _, jpeg = cv2.imencode(".jpg", composite, [cv2.IMWRITE_JPEG_QUALITY, 95])
        decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
        if size != 1024:
            decoded = cv2.resize(decoded, (size, size), interpolation=cv2.INTER_AREA)
        count += 1
    return {"samples_per_s": count / (time.perf_counter() - start)}


def config_without(size: int, parts: list[str]):
    """The default `SynthesisConfig` at `size` with the named scene layers and
    photometric stages switched off (p = 0)."""
    from augment_tf.config import SynthesisConfig
    from augment_tf.photometric import STAGE_EFFECTS
    config = SynthesisConfig.for_size(size)
    off = lambda effect: dataclasses.replace(effect, p=0.0)  # noqa: E731
    scene = {effect: off(getattr(config.scene, effect))
             for part in parts if part in _SCENE_PARTS for effect in _SCENE_EFFECTS.get(part, (part,))}
    photometric = {effect: off(getattr(config.photometric, effect))
                   for part in parts if part in STAGE_EFFECTS for effect in STAGE_EFFECTS[part]}
    return dataclasses.replace(config, scene=dataclasses.replace(config.scene, **scene),
                               photometric=dataclasses.replace(config.photometric, **photometric))


def synthesis_inputs(size: int, batch: int):
    """The default `SynthesisConfig` at `size`, with `batch` card atlases and background pyramids."""
    import tensorflow as tf

    from augment_tf import texture
    config = config_without(size, [])
    cards, photos = _cards_and_backgrounds(batch)
    atlases = tf.stack([texture.card_atlas(c, config.card_height, config.card_width, config.mip_levels)
                        for c in cards])                                       # [B, N] int32
    grounds = tf.stack([texture.background_atlas(photos[i % len(photos)], size)
                        for i in range(batch)])                                # [B, M] int32
    return config, atlases, grounds


def synthesis(size: int, seconds: float, xla: bool, device: str) -> dict:
    """`augment_tf.synthesize` on a fixed batch, timed after compilation."""
    import tensorflow as tf

    from augment_tf import synthesize
    batch = _BATCH.get(size, 8)
    with tf.device(device):
        config, atlases, grounds = synthesis_inputs(size, batch)
        run = synthesize.compile_synthesis(config, jit_compile=xla)
        started = time.perf_counter()
        run(atlases, grounds, tf.constant([0, 0]))["image"].numpy()
        compile_s = time.perf_counter() - started
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds or steps < 3:
            run(atlases, grounds, tf.constant([1, steps]))["image"].numpy()
            steps += 1
        elapsed = time.perf_counter() - start
    return {"samples_per_s": steps * batch / elapsed, "step_ms": 1000 * elapsed / steps, "batch": batch,
            "compile_s": compile_s}


def costs_variants() -> list[tuple[str, ...]]:
    """What `--costs` times: nothing off, each part off alone, then every part off."""
    parts = _SCENE_PARTS + _PHOTOMETRIC_PARTS
    return [()] + [(part,) for part in parts] + [parts]


def costs_rounds(size: int, seconds: float) -> dict:
    """Each `costs_variants` config, XLA-compiled in this process, timed round-robin.

    Returns:
      {"ms_per_sample": [median ms per sample of each variant], "rounds": N}.
    """
    import numpy as np
    import tensorflow as tf

    from augment_tf import synthesize
    batch, variants = _BATCH.get(size, 8), costs_variants()
    _, atlases, grounds = synthesis_inputs(size, batch)        # every variant samples the same textures
    runs = [synthesize.compile_synthesis(config_without(size, list(without)), jit_compile=True)
            for without in variants]
    for run in runs:
        run(atlases, grounds, tf.constant([0, 0]))["image"].numpy()                      # compiles
    times, deadline = [[] for _ in runs], time.perf_counter() + seconds * len(runs)
    while time.perf_counter() < deadline or len(times[0]) < 3:
        for run, spent in zip(runs, times):
            start = time.perf_counter()
            run(atlases, grounds, tf.constant([1, len(spent)]))["image"].numpy()
            spent.append(time.perf_counter() - start)
    return {"ms_per_sample": [1000 * float(np.median(spent)) / batch for spent in times], "rounds": len(times[0])}


def resnet_train_step(size: int, jit_compile: bool = True):
    """ResNet-50 to conv4 with a 4-channel heatmap head (the design card's model) and its
    Adam train step as one `tf.function` (x, y) -> loss, XLA-compiled unless told not to."""
    import keras
    import tensorflow as tf
    base = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(size, size, 3))
    features = base.get_layer("conv4_block6_out").output
    model = keras.Model(base.input, keras.layers.Conv2D(4, 1)(features))
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=jit_compile)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    return step, model.output_shape[1:]


def resnet_step(size: int, batch: int, device: str, xla: bool) -> dict:
    """Median time of the ResNet-50 train step on random data."""
    import numpy as np
    import tensorflow as tf
    with tf.device(device):
        step, heatmap_shape = resnet_train_step(size, xla)
        x = tf.random.uniform([batch, size, size, 3])
        y = tf.random.uniform([batch, *heatmap_shape])
        step(x, y).numpy()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            step(x, y).numpy()
            times.append(time.perf_counter() - start)
    step_ms = 1000 * float(np.median(times))
    return {"step_ms": step_ms, "samples_per_s": 1000 * batch / step_ms, "batch": batch}


def _worker(args) -> None:
    _pin(args.cores)
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.cores)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    if args.worker == "seed":
        result = seed_style(args.size, args.seconds)
    elif args.worker == "costs":
        result = costs_rounds(args.size, args.seconds)
    elif args.worker == "resnet":
        batch = _BATCH.get(args.size, 8) if args.device.startswith("/GPU") else _CPU_MODEL_BATCH
        result = resnet_step(args.size, batch, args.device, args.xla == "on")
    else:
        result = synthesis(args.size, args.seconds, args.xla == "on", args.device)
    print(json.dumps(result))


def _measure(worker: str, size: int, cores: int, seconds: float, xla: str = "off", device: str = "/CPU:0") -> dict:
    command = [sys.executable, __file__, "--worker", worker, "--size", str(size), "--cores", str(cores),
               "--seconds", str(seconds), "--xla", xla, "--device", device]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if device.startswith("/CPU"):
        env["CUDA_VISIBLE_DEVICES"] = ""
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"the {worker} worker at size {size} failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def costs(sizes: list[int], seconds: float) -> None:
    """Prints what each scene layer and photometric stage costs per sample on one core (XLA on)."""
    print("| size | switched off | ms/sample | saved ms/sample | share of the full config |")
    print("|---|---|---|---|---|")
    rounds = {}
    for size in sizes:
        measured = _measure("costs", size, 1, seconds, "on")
        full, *others = measured["ms_per_sample"]
        rounds[size] = measured["rounds"]
        print(f"| {size} | nothing (full default config) | {full:.2f} | - | - |")
        for without, ms in zip(costs_variants()[1:], others):
            name = without[0] if len(without) == 1 else "all of the above"
            print(f"| {size} | {name} | {ms:.2f} | {full - ms:.2f} | {100 * (full - ms) / full:.0f}% |")
    print("\n" + ", ".join(f"{size} px: median of {n} rounds" for size, n in rounds.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024], help="output sizes to measure")
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="timed seconds per measurement (with --costs: per variant, spread over the rounds)")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2], help="CPU core counts for the synthesis rows")
    parser.add_argument("--costs", action="store_true",
                        help="instead of the throughput table, price each scene layer and photometric stage "
                             "on one core by switching it off")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--xla", default="off", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="/CPU:0", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.cores = args.cores[0] if isinstance(args.cores, list) else args.cores
        return _worker(args)
    if args.costs:
        return costs(args.sizes, args.seconds)
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
    print("| pipeline | device | size | cores | XLA | batch | samples/s | per core | x seed-style per core |")
    print("|---|---|---|---|---|---|---|---|---|")
    notes = []                   # comparisons with the train step, printed under the table
    for size in args.sizes:
        seed = _measure("seed", size, 1, args.seconds)["samples_per_s"]
        print(f"| seed-style OpenCV | CPU | {size} | 1 | - | 1 | {seed:.1f} | {seed:.1f} | 1.0 |")
        rows, measured = [(cores, "on") for cores in args.cores] + [(1, "off")], {}
        for cores, xla in rows:
            ours = measured[cores, xla] = _measure("synth", size, cores, args.seconds, xla)
            per_core = ours["samples_per_s"] / cores
            print(f"| augment_tf | CPU | {size} | {cores} | {xla} | {ours['batch']} | {ours['samples_per_s']:.1f} "
                  f"| {per_core:.1f} | {per_core / seed:.1f} |", flush=True)
        if size <= _CPU_MODEL_MAX_SIZE:
            cores = max(args.cores)
            model = _measure("resnet", size, cores, args.seconds)
            synthesis_ms = 1000 / measured[cores, "on"]["samples_per_s"]
            print(f"| ResNet-50 train step | CPU | {size} | {cores} | off | {model['batch']} | "
                  f"{model['samples_per_s']:.1f} | {model['samples_per_s'] / cores:.1f} | - |", flush=True)
            notes.append(f"- CPU, {size} px, {cores} cores: synthesis {synthesis_ms:.1f} ms/sample = "
                         f"{100 * synthesis_ms * model['samples_per_s'] / 1000:.1f}% of the ResNet-50 train "
                         f"step's {1000 / model['samples_per_s']:.0f} ms/sample")
        if gpus:
            ours = _measure("synth", size, os.cpu_count(), args.seconds, "on", "/GPU:0")
            step = _measure("resnet", size, os.cpu_count(), args.seconds, "on", "/GPU:0")["step_ms"]
            print(f"| augment_tf | GPU | {size} | - | on | {ours['batch']} | {ours['samples_per_s']:.1f} | - | - |",
                  flush=True)
            notes.append(f"- GPU, {size} px: synthesis {ours['step_ms']:.1f} ms = "
                         f"{100 * ours['step_ms'] / step:.1f}% of a ResNet-50 train step ({step:.0f} ms)")
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
