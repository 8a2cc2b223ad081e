"""`train.py` end to end: its run folder, --resume after a kill, replicas under MirroredStrategy and
MultiWorkerMirroredStrategy."""

import csv
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from model_helpers import TINY_MODEL, TINY_SYNTHESIS

import train
from model.inference.loading import load_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.slow             # train.py runs in subprocesses: 2-4 minutes in all


@pytest.fixture(scope="module")
def tiny_recipe(tmp_path_factory):
    path = tmp_path_factory.mktemp("recipe") / "tiny.json"
    path.write_text(json.dumps(TINY_SYNTHESIS.to_dict()))
    return path


def _train_command(data_dir, recipe, model_dir, *extra):
    return [sys.executable, os.path.join(ROOT, "train.py"), "--data_dir", str(data_dir), "--config", "procedural_tiny",
            "--model_dir", str(model_dir), "--input_size", str(TINY_MODEL.input_size), "--alpha", str(TINY_MODEL.alpha),
            "--decoder_channels", str(TINY_MODEL.decoder_channels), "--weights", "none", "--batch_size", "4",
            "--epochs", "2", "--steps_per_epoch", "5", "--warmup_steps", "2", "--val_samples", "8",
            "--curriculum_epochs", "2", "--synthesis_config", str(recipe), "--xla", "none", *map(str, extra)]


def _environment(**extra):
    return {**os.environ, "TF_DETERMINISTIC_OPS": "1", "PYTHONPATH": ROOT, **extra}


def _history(model_dir):
    with open(model_dir / "history.csv") as file:
        return list(csv.DictReader(file))


def _refusal(data_dir, recipe, model_dir, *extra) -> str:
    """The one line `train.main` ends with when it refuses the run folder (in-process: it refuses before it
    builds anything)."""
    with pytest.raises(SystemExit) as exit_info:
        train.main(_train_command(data_dir, recipe, model_dir, *extra)[2:])
    message = str(exit_info.value)
    assert message.startswith("error: ") and "\n" not in message, message
    return message


def test_train_writes_its_run_folder_and_resumes_a_killed_run_exactly(tiny_dataset, tiny_recipe, tmp_path):
    # Two runs of one command side by side (each mostly traces its graphs on one core): one whole, one killed.
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    with open(tmp_path / "whole.out", "w") as out, open(tmp_path / "whole.err", "w") as err:   # no pipe to fill
        whole_run = subprocess.Popen(_train_command(tiny_dataset, tiny_recipe, whole), stdout=out, stderr=err,
                                     env=_environment())
    process = subprocess.Popen(_train_command(tiny_dataset, tiny_recipe, killed), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=_environment())
    # Killed once epoch 0 is wholly recorded: after its checkpoint train.py writes history.csv, last.keras,
    # best.keras and, last, best.json (epoch 0 always improves on the start's inf); epoch 1's checkpoint
    # comes 5 steps and a validation later. Each file is written atomically.
    deadline = time.time() + 600
    while not (killed / "best.json").exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    whole_run.wait(timeout=900)
    stdout, stderr = (tmp_path / "whole.out").read_text(), (tmp_path / "whole.err").read_text()
    assert whole_run.returncode == 0, stderr[-3000:]
    for name in ("best.keras", "last.keras", "best.json", "config.json", "history.csv", "val_set.npz"):
        assert (whole / name).is_file(), name
    assert len(list((whole / "vis").glob("epoch_*.jpg"))) == 2 and any((whole / "logs").iterdir())
    config = json.loads((whole / "config.json").read_text())
    assert config["synthesis"]["size"] == 64 and config["model"]["alpha"] == TINY_MODEL.alpha
    best = json.loads((whole / "best.json").read_text())
    assert "mean_frac_aware" in best["metrics"] and best["groups"]["family"] and best["groups"]["border"]
    assert "| layout family | photos |" in stdout                     # best.keras's per-family table, at the end
    assert "pass --resume" in _refusal(tiny_dataset, tiny_recipe, whole)

    assert (killed / "best.json").exists(), "the run ended or timed out before recording its first epoch"
    assert len(_history(killed)) == 1, "the run was not killed between its two epochs"
    recorded = (killed / "config.json").read_text()
    assert "context=coords" in _refusal(tiny_dataset, tiny_recipe, killed, "--resume", "--context", "none")
    assert (killed / "config.json").read_text() == recorded
    resumed = subprocess.run(_train_command(tiny_dataset, tiny_recipe, killed, "--resume"), capture_output=True,
                             text=True, timeout=900, env=_environment())
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming" in resumed.stdout
    rows, expected = _history(killed), _history(whole)
    assert [row["step"] for row in rows] == [row["step"] for row in expected] == ["5", "10"]
    assert [float(row["difficulty"]) for row in rows] == [0.0, 0.5]           # resumed mid-curriculum
    np.testing.assert_allclose(float(rows[1]["train_total"]), float(expected[1]["train_total"]), rtol=1e-4)
    weights = [load_model(folder / "last.keras").get_weights() for folder in (killed, whole)]
    for ours, theirs in zip(*weights):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


_MIRRORED = """
import sys, numpy as np, tensorflow as tf, keras
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, "tests")
from model_helpers import TINY_MODEL, TINY_SYNTHESIS
from augment_tf import pipeline
from model.training import train_step
from model.network.corner_model import build_model
from augment_tf.atlas_table import AtlasTable, load_atlases
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
builder = pipeline.load_builder(sys.argv[1], "procedural_tiny")
with strategy.scope():
    net = build_model(TINY_MODEL)
    table = AtlasTable(*load_atlases(builder, TINY_SYNTHESIS, "cards", "backgrounds"))
    trainer = train_step.Trainer(strategy, net, table, TINY_SYNTHESIS, keras.optimizers.Adam(1e-3),
                                 train_step.StepConfig(batch_size=4, xla="none"))
losses = [trainer.run_step()["total"] for _ in range(3)]
seeds = strategy.experimental_local_results(strategy.run(trainer.replica_seed, args=(tf.constant(7, tf.int64),)))
corners = [trainer.sample(seed)["corners"].numpy() for seed in seeds]
print("REPLICAS", strategy.num_replicas_in_sync, "STEP", trainer.steps_done, "FINITE", all(np.isfinite(losses)),
      "SEEDS_DIFFER", not np.array_equal(seeds[0].numpy(), seeds[1].numpy()),
      "SAMPLES_DIFFER", not np.allclose(corners[0], corners[1]))
"""


def test_a_run_recorded_before_the_orientation_grid_resumes_only_without_it(tiny_recipe, tmp_path):
    """A config.json written before `ModelConfig.orientation_grid` existed records a model without the grid: resuming
    it asks for --orientation_grid 0, and takes it."""
    model = train.parse_args(_train_command("data", tiny_recipe, tmp_path)[2:]).model_config.to_dict()
    del model["orientation_grid"]
    (tmp_path / "config.json").write_text(json.dumps({"model": model}))
    with pytest.raises(SystemExit, match="orientation_grid=0"):
        train.check_same_model(train.parse_args(_train_command("data", tiny_recipe, tmp_path, "--resume")[2:]),
                               tmp_path)
    train.check_same_model(train.parse_args(_train_command("data", tiny_recipe, tmp_path, "--resume",
                                                           "--orientation_grid", "0")[2:]), tmp_path)


def test_mirrored_strategy_replicas_draw_different_samples(tiny_dataset):
    result = subprocess.run([sys.executable, "-c", _MIRRORED, str(tiny_dataset)], capture_output=True, text=True,
                            timeout=600, cwd=ROOT, env=_environment())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "REPLICAS 2 STEP 3 FINITE True SEEDS_DIFFER True SAMPLES_DIFFER True" in result.stdout


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def test_multi_worker_training_runs_on_two_local_processes(tiny_dataset, tiny_recipe, tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    processes = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        command = _train_command(tiny_dataset, tiny_recipe, tmp_path / "run", "--steps_per_epoch", "3", "--epochs", "1")
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          env=_environment(TF_CONFIG=config)))
    outputs = [process.communicate(timeout=900) for process in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    assert "2 replica(s), global batch 8" in outputs[0][0]
    assert len(_history(tmp_path / "run")) == 1 and (tmp_path / "run" / "best.keras").is_file()
