"""Shared test setup: quiet TensorFlow, and one tiny built dataset for the pipeline tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import pathlib  # noqa: E402

import pytest  # noqa: E402

DUMMY_BACKGROUNDS = pathlib.Path(__file__).parent.parent / "mtg_tfds" / "dummy_data" / "backgrounds"


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
