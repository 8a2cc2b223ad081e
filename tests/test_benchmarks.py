"""`benchmarks/synthesis_throughput.py --costs` switches off exactly what it names."""

import importlib.util
import pathlib

_SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "synthesis_throughput.py"


def _benchmark():
    spec = importlib.util.spec_from_file_location("synthesis_throughput", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_without_switches_off_the_named_parts_only():
    bench = _benchmark()
    full = bench.config_without(256, [])
    config = bench.config_without(256, ["sleeve", "blur"])
    assert config.scene.sleeve.p == 0 and config.scene.occluder == full.scene.occluder
    assert config.photometric.defocus.p == 0 and config.photometric.motion_blur.p == 0
    assert config.photometric.defocus.high == full.photometric.defocus.high
    assert config.photometric.jpeg == full.photometric.jpeg and config.size == 256
