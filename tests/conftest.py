"""Shared test setup: quiet TensorFlow, and one tiny built dataset for the pipeline tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# tensorflow_decision_forests (imported by the TF.js converter) imports IPython for its welcome message when
# stdout is not a terminal, as under pytest's capture; the tests export in-process.
os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")

import json  # noqa: E402
import pathlib  # noqa: E402

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


# Session fixtures that train or export a model (minutes on 2 cores): only tests marked slow may use them.
EXPENSIVE_FIXTURES = {"tiny_model", "tiny_dump", "tiny_export", "cards_export", "primary_export"}


@pytest.hookimpl(trylast=True)                  # after -k and -m deselect: checks the tests that run
def pytest_collection_modifyitems(items):
    """Drops tf.test.TestCase's `test_session`, a context-manager helper that pytest collects as a test.

    Refuses to run a test that uses an `EXPENSIVE_FIXTURES` entry without the `slow` mark, so
    `make test-fast` stays fast.
    """
    items[:] = [item for item in items if item.name != "test_session"]
    unmarked = [item.nodeid for item in items if EXPENSIVE_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError(f"mark these @pytest.mark.slow (they use {sorted(EXPENSIVE_FIXTURES)}): "
                                + ", ".join(unmarked))


@pytest.fixture(scope="session")
def tiny_model(tiny_dataset):
    """A `model_helpers.TINY_MODEL` trained for a few hundred steps on the tiny dataset (shared by tests)."""
    import model_helpers
    return model_helpers.train_tiny_model(tiny_dataset)


@pytest.fixture(scope="session")
def tiny_dump(tiny_dataset, tmp_path_factory) -> pathlib.Path:
    """Six 64-px synthetic photos with their annotations.json, dumped from the tiny dataset in the recipe the
    tiny model learns (`model_helpers.TINY_SYNTHESIS`), so the model's scores on them can be held to a bar."""
    import model_helpers
    from augment_tf import dump

    out = tmp_path_factory.mktemp("dump")
    recipe = tmp_path_factory.mktemp("recipe") / "tiny.json"
    recipe.write_text(json.dumps(model_helpers.TINY_SYNTHESIS.to_dict()))
    dump.main(["--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--out", str(out), "--num", "6",
               "--size", "64", "--batch_size", "6", "--synthesis_config", str(recipe), "--overwrite"])
    return out


@pytest.fixture(scope="session")
def tiny_export(tiny_model, tmp_path_factory) -> dict:
    """The tiny model saved as best.keras with a best.json, and exported once to TF.js in float32 (with --zip) by
    export.py's command line, run in-process.

    Returns {"folder", "model": the .keras path, "web": the exported folder}.
    """
    import export
    from model.training.run_files import save_model, write_json

    folder = tmp_path_factory.mktemp("export")
    model_path = folder / "best.keras"
    save_model(tiny_model, model_path)
    write_json(folder / "best.json", {"epoch": 3, "metrics": {"mean_frac_aware": 0.125, "presence_accuracy": 0.9},
                                      "model": {"backbone": "mobilenet_v2", "input_size": 64}})
    web = folder / "web_none"
    export.main(["--model", str(model_path), "--out", str(web), "--quantize", "none", "--zip"])
    return {"folder": folder, "model": model_path, "web": web}


# The photo of `cards_export`: 256 x 224 pixels letterboxed into the tiny model's 64 (a quarter, 4 rows of fill
# above and below), so a heatmap cell is 16 x 16 of its pixels, aligned on multiples of 16. Each card covers
# `model_helpers.PLACED_CARD_CELLS` (3 x 5) cells, centred on a cell: (x, y, width, height) in photo pixels. The
# last is a plain grey board, not a card, which the placed head proposes too. Nearest the photo's centre: the
# second, third, fourth, first.
CARDS_PHOTO_SIZE = (256, 224)
CARDS_PHOTO_BOXES = [(16, 16, 48, 80), (96, 64, 48, 80), (176, 112, 48, 80), (32, 128, 48, 80)]


@pytest.fixture(scope="session")
def cards_export(tiny_model, tiny_dataset, tmp_path_factory) -> dict:
    """The tiny model with a card head placed by hand (`model_helpers.with_placed_card_head`), saved and exported to
    TF.js in float32, and a photo of three of the tiny dataset's cards and a grey board, where that head finds them.

    Returns {"model": the Keras model, "path": its .keras file, "web": the exported folder,
    "photo": [224, 256, 3] uint8, "quads": [4, 4, 2] the boards' corners in the photo}.
    """
    import model_helpers
    import numpy as np
    import tensorflow_datasets as tfds
    import web_helpers

    import export
    from augment_tf import pipeline
    from model.training.run_files import save_model

    builder = pipeline.load_builder(tiny_dataset, "procedural_tiny")
    textures = [example["image"] for example in tfds.as_numpy(builder.as_dataset(split="cards", shuffle_files=False)
                                                                .take(len(CARDS_PHOTO_BOXES) - 1))]
    board = np.full([80, 48, 4], 255, np.uint8)
    board[..., :3] = 200
    photo, quads = web_helpers.cards_photo(textures + [board], CARDS_PHOTO_BOXES, CARDS_PHOTO_SIZE, seed=5)
    net = model_helpers.with_placed_card_head(tiny_model)
    folder = tmp_path_factory.mktemp("cards_export")
    save_model(net, folder / "cards.keras")
    export.export(folder / "cards.keras", folder / "web")
    return {"model": net, "path": folder / "cards.keras", "web": folder / "web", "photo": photo, "quads": quads}


@pytest.fixture(scope="session")
def primary_export(tmp_path_factory) -> dict:
    """`fixtures/tiny_before_layout.keras`, a model saved before the card head, exported to TF.js in float32.

    Returns {"path": the .keras file, "web": the exported folder}.
    """
    import export

    path = pathlib.Path(__file__).parent / "fixtures" / "tiny_before_layout.keras"
    web = tmp_path_factory.mktemp("primary_export") / "web"
    export.export(path, web)
    return {"path": path, "web": web}
