"""`benchmarks/synthesis_throughput.py --costs`: what it times, and that it switches off exactly what it names."""

from synthesis_helpers import benchmark_script


def test_config_without_switches_off_the_named_parts_only():
    bench = benchmark_script("synthesis_throughput")
    full = bench.config_without(256, [])
    config = bench.config_without(256, ["sleeve", "blur"])
    assert config.scene.sleeve.p == 0 and config.scene.occluder == full.scene.occluder
    assert config.photometric.defocus.p == 0 and config.photometric.motion_blur.p == 0
    assert config.photometric.defocus.high == full.photometric.defocus.high
    assert config.photometric.jpeg == full.photometric.jpeg and config.size == 256


def test_costs_times_the_full_config_each_part_alone_and_all_parts():
    bench = benchmark_script("synthesis_throughput")
    variants = bench.costs_variants()
    parts = bench._SCENE_PARTS + bench._PHOTOMETRIC_PARTS
    assert variants[0] == () and variants[-1] == parts
    assert [v[0] for v in variants[1:-1]] == list(parts) and all(len(v) == 1 for v in variants[1:-1])
