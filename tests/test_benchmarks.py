"""`benchmarks/synthesis_throughput.py --costs` switches off exactly what it names."""

from synthesis_helpers import benchmark_script


def test_config_without_switches_off_the_named_parts_only():
    bench = benchmark_script("synthesis_throughput")
    full = bench.config_without(256, [])
    config = bench.config_without(256, ["sleeve", "blur"])
    assert config.scene.sleeve.p == 0 and config.scene.occluder == full.scene.occluder
    assert config.photometric.defocus.p == 0 and config.photometric.motion_blur.p == 0
    assert config.photometric.defocus.high == full.photometric.defocus.high
    assert config.photometric.jpeg == full.photometric.jpeg and config.size == 256
