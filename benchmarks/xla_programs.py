"""Times the synthesis and a ResNet-50 train step as XLA programs, where TensorFlow is absent.

    python benchmarks/xla_programs.py export --out runs/xla_programs   # with TensorFlow
    python benchmarks/xla_programs.py time runs/xla_programs            # with JAX only

`tf.function(jit_compile=True)` hands XLA one HLO module per function. `export`
writes those modules (the synthesis at the given sizes and batches, and the
ResNet-50 Adam train step of `synthesis_throughput.resnet_train_step`) with
their parameter shapes, plus one small synthesis batch on real cards with
TensorFlow's own output. `time` compiles each module with the XLA inside JAX
on JAX's default device (a GPU when there is one), checks the small batch
against TensorFlow's output, and times every program on random inputs of the
right shapes. This is how the GPU rows in benchmarks/README.md were measured on a GPU
machine that has JAX but no TensorFlow: the programs are TensorFlow's, the
compiler is a newer XLA than TensorFlow 2.19's.
"""

import argparse
import gzip
import importlib.util
import json
import pathlib
import re
import sys
import time

_DEFAULT_PROGRAMS = ["synthesis:256:32", "synthesis:256:128", "synthesis:1024:8", "resnet:256:32"]
_CHECK = "check_synthesis_256_b2"


# ---------------------------------------------------------------- export (TensorFlow)

def _parameters(hlo_text: str) -> list[dict]:
    """Entry parameter dtypes and shapes, read from the module's `entry_computation_layout`."""
    layout = re.search(r"entry_computation_layout=\{\((.*?)\)->", hlo_text).group(1)
    return [{"dtype": dtype, "shape": [int(d) for d in dims.split(",") if d]}
            for dtype, dims in re.findall(r"(\w+)\[([\d,]*)\]", layout)]


def _without_copies(serialized: bytes) -> bytes:
    """Rewrites each same-shape `copy` instruction as a same-shape `reshape` (both are identities).

    TensorFlow's train-step modules return copies of updated variables, and the
    HLO importer of newer XLA releases (JAX 0.11) rejects copies at the outputs.
    """
    from tensorflow.compiler.xla.service import hlo_pb2
    module = hlo_pb2.HloModuleProto.FromString(serialized)
    for computation in module.computations:
        shapes = {instruction.id: instruction.shape for instruction in computation.instructions}
        for instruction in computation.instructions:
            if instruction.opcode == "copy" and shapes[instruction.operand_ids[0]] == instruction.shape:
                instruction.opcode = "reshape"
    return module.SerializeToString()


def _write_module(out: pathlib.Path, name: str, function, args) -> list[dict]:
    """Writes `name.hlo.pb.gz` (a serialized HloModuleProto) and returns its parameters."""
    compiler_ir = function.experimental_get_compiler_ir(*args)
    module = _without_copies(compiler_ir(stage="hlo_serialized"))
    (out / f"{name}.hlo.pb.gz").write_bytes(gzip.compress(module))
    return _parameters(compiler_ir(stage="hlo"))


def program_spec(text: str) -> tuple[str, int, int]:
    """Parses KIND:SIZE:BATCH (the `--programs` items) into (kind, size, batch)."""
    found = re.fullmatch(r"(synthesis|resnet):(\d+):(\d+)", text)
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r} is not KIND:SIZE:BATCH with KIND synthesis or resnet")
    return found.group(1), int(found.group(2)), int(found.group(3))


def export(out: pathlib.Path, programs: list[tuple[str, int, int]]) -> None:
    """Writes every program's module, `programs.json`, and the real-card check batch."""
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    import synthesis_throughput as bench

    from augment_tf import synthesize
    out.mkdir(parents=True, exist_ok=True)
    listing = []
    for kind, size, batch in programs:
        name = f"{kind}_{size}_b{batch}"
        print(f"exporting {name}", flush=True)
        if kind == "synthesis":
            config, atlases, grounds = bench.synthesis_inputs(size, batch)
            function = synthesize.compile_synthesis(config, jit_compile=True)
            parameters = _write_module(out, name, function, (atlases, grounds, tf.constant([0, 0])))
        else:
            step, heatmap_shape = bench.resnet_train_step(size)
            args = (tf.zeros([batch, size, size, 3]), tf.zeros([batch, *heatmap_shape]))
            parameters = _write_module(out, name, step, args)
        listing.append({"name": name, "kind": kind, "size": size, "batch": batch, "parameters": parameters})

    config, atlases, grounds = bench.synthesis_inputs(256, 2)
    function = synthesize.compile_synthesis(config, jit_compile=True)
    seed = tf.constant([3, 4])
    _write_module(out, _CHECK, function, (atlases, grounds, seed))
    expected = function(atlases, grounds, seed)
    np.savez_compressed(out / f"{_CHECK}.npz", cards=atlases.numpy(), backgrounds=grounds.numpy(),
                        seed=seed.numpy(), image=expected["image"].numpy(), corners=expected["corners"].numpy())
    (out / "programs.json").write_text(json.dumps(listing, indent=1))
    print(f"wrote {len(listing) + 1} modules to {out}")


# ---------------------------------------------------------------- time (JAX)

_DTYPES = {"s32": "int32", "s64": "int64", "u32": "uint32", "u8": "uint8", "f32": "float32", "pred": "bool"}


def _compile(path: pathlib.Path):
    """Compiles a gzipped HloModuleProto for JAX's default device; returns (executable, device, seconds)."""
    import jax
    import jax.extend
    from jax._src.lib import xla_client

    module = xla_client._xla.mlir.hlo_to_stablehlo(gzip.decompress(path.read_bytes()))
    backend = jax.extend.backend.get_backend()
    device = backend.devices()[0]
    start = time.perf_counter()
    try:
        executable = backend.compile_and_load(module, xla_client.DeviceList((device,)), xla_client.CompileOptions())
    except TypeError:  # older jaxlib takes a plain device sequence
        executable = backend.compile_and_load(module, [device], xla_client.CompileOptions())
    return executable, device, time.perf_counter() - start


def _is_seed(parameter: dict) -> bool:
    """The synthesis takes its seed as an int32 [2] parameter."""
    return parameter == {"dtype": "s32", "shape": [2]}


def _random_inputs(parameters: list[dict], rng) -> list:
    """Random arrays of each parameter's shape; seeds start at zero."""
    import numpy as np
    arrays = []
    for parameter in parameters:
        dtype, shape = np.dtype(_DTYPES[parameter["dtype"]]), parameter["shape"]
        if dtype == np.float32:
            arrays.append((0.05 * rng.standard_normal(shape)).astype(np.float32))
        elif dtype in (np.int32, np.uint32) and not _is_seed(parameter):
            arrays.append(rng.integers(0, 2**32, shape, dtype=np.uint32).view(dtype))
        else:
            arrays.append(np.zeros(shape, dtype))
    return arrays


def _put(device, arrays: list) -> list:
    """Copies numpy arrays to the device once, as a training loop keeps textures there."""
    import jax
    return [jax.device_put(a, device) for a in arrays]


def _run(executable, buffers: list) -> list:
    outputs = executable.execute(buffers)
    for output in outputs:
        output.block_until_ready()
    return outputs


def check(folder: pathlib.Path) -> str:
    """Runs the real-card check batch; returns how far it lands from TensorFlow's output."""
    import numpy as np
    executable, device, _ = _compile(folder / f"{_CHECK}.hlo.pb.gz")
    data = np.load(folder / f"{_CHECK}.npz")
    buffers = _put(device, [data["cards"], data["backgrounds"], data["seed"]])
    corners, image = [np.asarray(o) for o in _run(executable, buffers)[:2]]
    return (f"check against TensorFlow (2 samples at 256): corners max |diff| "
            f"{np.abs(corners - data['corners']).max():.2e} px, image mean |diff| "
            f"{np.abs(image - data['image']).mean():.2e} (0..1 scale)")


def _stage(op_name: str) -> str:
    """`photometric/blur/add_n` -> `photometric/blur`; `card/GatherV2` -> `card`."""
    parts = op_name.split("/")
    return "/".join(parts[:2]) if parts[0] == "photometric" and len(parts) > 2 else parts[0]


def _kernel_key(name: str) -> str:
    """GPU kernels are named after their HLO instruction with '.' and '-' made '_'."""
    return re.sub(r"[.-]", "_", name)


def profile(executable, device, buffers: list, steps: int = 5, keep: pathlib.Path | None = None) -> None:
    """Prints device time per step by name scope (`synthesize`'s stages) and the top kernels,
    from a JAX profiler trace; `keep` is a folder for the trace and the optimized HLO."""
    import collections
    import shutil
    import tempfile

    import jax
    optimized = executable.hlo_modules()[0].to_string()
    stages = {}  # optimized-HLO instruction name -> its TensorFlow name scope
    for line in optimized.splitlines():
        found = re.match(r'\s*(?:ROOT )?%?([\w.-]+) = .*metadata=\{op_name="([^"]*)"', line)
        if found:
            stages[_kernel_key(found.group(1))] = _stage(found.group(2))
    with tempfile.TemporaryDirectory() as trace_dir:
        with jax.profiler.trace(trace_dir, create_perfetto_trace=True):
            for _ in range(steps):
                _run(executable, buffers)
        trace_file = next(pathlib.Path(trace_dir).rglob("perfetto_trace.json.gz"))
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(trace_file, keep)
            (keep / "optimized_hlo.txt").write_text(optimized)
        trace = json.loads(gzip.decompress(trace_file.read_bytes()))
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    processes = {e["pid"]: e["args"]["name"] for e in events if e.get("name") == "process_name"}
    on_device = "/device:" if device.platform != "cpu" else "/host:"
    by_stage, by_kernel = collections.Counter(), collections.Counter()
    for event in events:
        if event.get("ph") == "X" and on_device in processes.get(event["pid"], ""):
            key = _kernel_key(event["name"])
            if key in stages:
                by_stage[stages[key]] += event["dur"] / 1000 / steps
                by_kernel[f"{key} ({stages[key]})"] += event["dur"] / 1000 / steps
            elif device.platform != "cpu":
                by_stage["(unattributed)"] += event["dur"] / 1000 / steps
                by_kernel[event["name"][:60]] += event["dur"] / 1000 / steps
    for title, table in (("stage (name scope)", by_stage), ("kernel (stage)", by_kernel)):
        print(f"| {title} | device ms per step | share |")
        print("|---|---|---|")
        for name, ms in table.most_common(15):
            print(f"| {name} | {ms:.2f} | {100 * ms / sum(table.values()):.0f}% |")


def time_programs(folder: pathlib.Path, seconds: float, profile_dir: pathlib.Path | None = None) -> None:
    """Prints a table of median step times, then the synthesis/train-step ratio at equal size and batch."""
    import jax
    import numpy as np
    jax.config.update("jax_enable_x64", True)  # keep int64 parameters (Adam's step count) 64-bit
    rng = np.random.default_rng(0)
    print(check(folder))
    listing = json.loads((folder / "programs.json").read_text())
    print("| program | device | size | batch | compile s | median step ms | samples/s |")
    print("|---|---|---|---|---|---|---|")
    steps_ms = {}
    for program in listing:
        try:
            executable, device, compile_s = _compile(folder / f"{program['name']}.hlo.pb.gz")
        except Exception as error:  # one program that fails to compile should not hide the others
            print(f"| {program['kind']} | - | {program['size']} | {program['batch']} | failed: "
                  f"{str(error).splitlines()[0]} | - | - |", flush=True)
            continue
        arrays = _random_inputs(program["parameters"], rng)
        buffers = _put(device, arrays)
        seed_index = [i for i, parameter in enumerate(program["parameters"]) if _is_seed(parameter)]
        times = []
        while sum(times) < seconds or len(times) < 10:
            for i in seed_index:  # a fresh seed per step: the one input that changes
                arrays[i] = np.array([1, len(times)], np.int32)
            # Seeds, and inputs the program donated (a train step's variables), go over untimed.
            buffers = [_put(device, [arrays[i]])[0] if i in seed_index or buffer.is_deleted() else buffer
                       for i, buffer in enumerate(buffers)]
            start = time.perf_counter()
            _run(executable, buffers)
            times.append(time.perf_counter() - start)
        step_ms = 1000 * float(np.median(times[2:]))
        steps_ms[program["kind"], program["size"], program["batch"]] = step_ms
        print(f"| {program['kind']} | {device.device_kind} | {program['size']} | {program['batch']} | "
              f"{compile_s:.1f} | {step_ms:.2f} | {1000 * program['batch'] / step_ms:.0f} |", flush=True)
        if profile_dir and program["kind"] == "synthesis":
            profile(executable, device, buffers, keep=profile_dir / program["name"])
    for (kind, size, batch), step_ms in steps_ms.items():
        train_ms = steps_ms.get(("resnet", size, batch))
        if kind == "synthesis" and train_ms:
            print(f"synthesis {size} px, batch {batch}: {step_ms:.2f} ms = {100 * step_ms / train_ms:.1f}% "
                  f"of a ResNet-50 train step ({train_ms:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    exporter = commands.add_parser("export", help="write the XLA modules (needs TensorFlow)")
    exporter.add_argument("--out", type=pathlib.Path, required=True, help="folder for the modules")
    exporter.add_argument("--programs", nargs="+", type=program_spec,
                          default=[program_spec(text) for text in _DEFAULT_PROGRAMS],
                          help="KIND:SIZE:BATCH with KIND synthesis or resnet "
                               f"(default: {' '.join(_DEFAULT_PROGRAMS)})")
    timer = commands.add_parser("time", help="compile and time the modules with JAX (no TensorFlow)")
    timer.add_argument("folder", type=pathlib.Path, help="a folder written by `export`")
    timer.add_argument("--seconds", type=float, default=5.0, help="timed seconds per program (at least 10 steps)")
    timer.add_argument("--profile", type=pathlib.Path, metavar="DIR",
                       help="after each synthesis program, print its device time per stage and kernel, "
                            "and keep the profiler trace under DIR/<program>/")
    args = parser.parse_args()
    if args.command == "export":
        export(args.out, args.programs)
    elif not (args.folder / "programs.json").is_file():
        parser.error(f"{args.folder}: no programs.json; run `export --out {args.folder}` first")
    elif importlib.util.find_spec("jax") is None:
        parser.error("`time` needs JAX (pip install jax, or jax[cuda13] for a GPU)")
    else:
        time_programs(args.folder, args.seconds, args.profile)


if __name__ == "__main__":
    main()
