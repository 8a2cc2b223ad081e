"""Benchmark scripts' own logic: `synthesis_throughput.py --costs` switches off exactly what it names;
`budget_run.py` sizes the epochs to the budget, hands flags after `--` to train.py and stops it when stopped."""

import os
import signal
import subprocess
import sys
import time

import pytest
from synthesis_helpers import BENCHMARKS, benchmark_script


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


def test_budget_run_sizes_epochs_to_the_budget_and_passes_flags_after_the_separator(tmp_path):
    budget = benchmark_script("budget_run")
    args = budget.parse_args(["--out", str(tmp_path / "run"), "--minutes", "10", "--steps_per_minute", "260",
                              "--", "--lr", "2e-3", "--seed", "3"])
    command = budget.train_command(args)
    flag = lambda name: command[command.index(name) + 1]  # noqa: E731
    assert flag("--epochs") == "13" and flag("--curriculum_epochs") == "2" and flag("--max_minutes") == "10.0"
    assert command[-4:] == ["--lr", "2e-3", "--seed", "3"] and "--resume" not in command
    assert budget.train_command(budget.parse_args(["--out", str(tmp_path / "run")]))[-2:] == ["--weights", "none"]


def test_stopping_the_budget_run_stops_its_training(tmp_path):
    """SIGTERM to budget_run reaches the train.py it runs (here a sleeper standing in for it)."""
    pid_file = tmp_path / "child.pid"
    sleeper = f"import os, pathlib, time; pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid())); time.sleep(120)"
    runner = (f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import budget_run; "
              f"budget_run.run_to_the_end([sys.executable, '-c', {sleeper!r}])")
    parent = subprocess.Popen([sys.executable, "-c", runner], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and parent.poll() is None, "the stand-in training never started"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) != 0 and "stopped with exit code" in parent.stderr.read()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
