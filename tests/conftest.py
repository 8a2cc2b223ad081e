"""Shared test setup: quiet TensorFlow, and one tiny built dataset for the pipeline tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import pathlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
DUMMY_BACKGROUNDS = ROOT / "mtg_tfds" / "dummy_data" / "backgrounds"


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> pathlib.Path:
    """Builds `mtg_tfds/procedural_tiny`: 6 cards and the test backgrounds; returns its data_dir."""
    import tensorflow_datasets as tfds

    from mtg_tfds import mtg_tfds_dataset_builder as builder_module

    data_dir = tmp_path_factory.mktemp("tfds")
    config = builder_module.MtgConfig(name="procedural_tiny", num_cards=6, backgrounds_dir=str(DUMMY_BACKGROUNDS))
    builder = builder_module.Builder(config=config, data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        compute_stats=tfds.download.ComputeStatsMode.SKIP))
    return data_dir


def pytest_collection_modifyitems(items):
    """Drops tf.test.TestCase's `test_session`, a context-manager helper that pytest collects as a test."""
    items[:] = [item for item in items if item.name != "test_session"]


@pytest.fixture(scope="session")
def tiny_model(tiny_dataset):
    """A `model_helpers.TINY_MODEL` trained for a few hundred steps on the tiny dataset (shared by tests)."""
    import model_helpers
    return model_helpers.train_tiny_model(tiny_dataset)


@pytest.fixture(scope="session")
def tiny_dump(tiny_dataset, tmp_path_factory) -> pathlib.Path:
    """Six 64-px synthetic photos with their annotations.json, dumped from the tiny dataset."""
    out = tmp_path_factory.mktemp("dump")
    result = subprocess.run([sys.executable, "-m", "augment_tf.dump", "--data_dir", str(tiny_dataset), "--config",
                             "procedural_tiny", "--out", str(out), "--num", "6", "--size", "64", "--batch_size", "6",
                             "--overwrite"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@pytest.fixture(scope="session")
def tiny_export(tiny_model, tmp_path_factory) -> dict:
    """The tiny model saved as best.keras with a best.json, and exported once to TF.js in float32 (with --zip).

    Returns {"folder", "model": the .keras path, "web": the exported folder}.
    """
    from model.training.run_files import save_model, write_json

    folder = tmp_path_factory.mktemp("export")
    model_path = folder / "best.keras"
    save_model(tiny_model, model_path)
    write_json(folder / "best.json", {"epoch": 3, "metrics": {"mean_frac_aware": 0.125, "presence_accuracy": 0.9},
                                      "model": {"backbone": "mobilenet_v2", "input_size": 64}})
    web = folder / "web_none"
    result = subprocess.run([sys.executable, str(ROOT / "export.py"), "--model", str(model_path), "--out", str(web),
                             "--quantize", "none", "--zip"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return {"folder": folder, "model": model_path, "web": web}
