"""The tf.data stream, static annotations.json datasets, and the dump CLI."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from augment_tf import annotations, dump, pipeline, texture
from augment_tf.config import SynthesisConfig

CONFIG = SynthesisConfig(size=64, card_height=128)


def test_training_batches_have_static_shapes_and_repeat_by_seed(tiny_dataset):
    builder = pipeline.load_builder(tiny_dataset, "procedural_tiny")
    batches = pipeline.training_batches(builder, CONFIG, batch_size=4, seed=3)
    first = [batch["name"].numpy().tolist() for batch in batches.take(3)]   # 12 draws from 6 cards: repeats
    again = [batch["name"].numpy().tolist() for batch in pipeline.training_batches(builder, CONFIG, 4, seed=3).take(3)]
    assert first == again
    batch = next(iter(batches))
    assert batch["cards"].shape == (4, texture.AtlasLayout(CONFIG.card_height, CONFIG.card_width, CONFIG.mip_levels).texels)
    assert batch["backgrounds"].shape == (4, texture.background_layout(64).texels)


def test_missing_dataset_gives_a_one_line_error(tmp_path):
    with pytest.raises(pipeline.DatasetNotFoundError, match="run `tfds build mtg_tfds"):
        pipeline.load_builder(tmp_path, "procedural")


def _run_dump(*args):
    return subprocess.run([sys.executable, "-m", "augment_tf.dump", *args], capture_output=True, text=True,
                          timeout=600)


def test_dump_writes_images_annotations_and_a_contact_sheet(tiny_dataset, tmp_path):
    out = tmp_path / "dump"
    result = _run_dump("--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--out", str(out),
                       "--num", "5", "--size", "64", "--batch_size", "4", "--seed", "1")
    assert result.returncode == 0, result.stderr[-2000:]
    records = annotations.read_annotations(out)
    assert len(records) == 5 and len(list(out.glob("*.jpg"))) == 5
    for record in records:
        with Image.open(out / record["filename"]) as image:
            assert image.size == (64, 64)
        assert (record["corners"] >= 0).all() and (record["corners"] <= 64).all()
        assert record["filename"].startswith(f"{records.index(record):05d}_")
    assert Image.open(out / "contact_sheet.png").size[0] > 0
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))

    refused = _run_dump("--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--out", str(out),
                        "--num", "2", "--size", "64")
    assert refused.returncode != 0 and "--overwrite" in refused.stderr.strip().splitlines()[-1]

    replaced = _run_dump("--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--out", str(out),
                         "--num", "2", "--size", "64", "--overwrite")
    assert replaced.returncode == 0, replaced.stderr[-2000:]
    assert len(annotations.read_annotations(out)) == 2 and len(list(out.glob("*.jpg"))) == 2


def test_dump_is_deterministic(tiny_dataset, tmp_path):
    args = ["--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--num", "3", "--size", "64",
            "--batch_size", "4"]
    dump.main(args + ["--out", str(tmp_path / "a")])
    dump.main(args + ["--out", str(tmp_path / "b")])
    a, b = annotations.read_annotations(tmp_path / "a"), annotations.read_annotations(tmp_path / "b")
    assert [r["filename"] for r in a] == [r["filename"] for r in b]
    np.testing.assert_array_equal(np.stack([r["corners"] for r in a]), np.stack([r["corners"] for r in b]))


def test_a_synthesis_config_file_changes_the_recipe(tiny_dataset, tmp_path):
    recipe = tmp_path / "large_cards.json"
    recipe.write_text(json.dumps({"geometry": {"scale": [0.8, 0.85], "max_tilt_deg": 0.0}}))
    dump.main(["--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--num", "4", "--size", "64",
               "--batch_size", "4", "--out", str(tmp_path / "out"), "--synthesis_config", str(recipe)])
    for record in annotations.read_annotations(tmp_path / "out"):
        extent = record["corners"].max(axis=0) - record["corners"].min(axis=0)
        assert extent.max() > 0.75 * 64                   # the default scale starts at 0.15 of the frame


@pytest.mark.parametrize("flags, message", [
    (["--num", "0"], "--num must be at least 1, got 0"),
    (["--num", "2", "--size", "100"], "--size must be a multiple of 16, got 100"),
    (["--num", "2", "--quality", "0"], "--quality must be in 1..100, got 0"),
    (["--num", "two"], "argument --num: invalid int value: 'two'"),
    (["--num", "2", "--synthesis_config", "missing.json"], "No such file or directory: 'missing.json'"),
    (["--num", "2", "--synthesis_config", "recipe.json"], "recipe.json: Unknown SceneConfig keys: ['dice']"),
])
def test_bad_flags_get_one_line_errors_naming_the_flag(tmp_path, capsys, monkeypatch, flags, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recipe.json").write_text('{"scene": {"dice": 1}}')
    with pytest.raises(SystemExit) as exit_info:
        dump.parse_args(["--out", str(tmp_path)] + flags)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(message)


def test_dump_without_a_built_dataset_says_how_to_build_it(tmp_path):
    result = _run_dump("--data_dir", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"), "--num", "1")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: no mtg_tfds/procedural dataset") and "Traceback" not in result.stderr


def test_static_dataset_reads_a_seed_style_folder_and_scales_corners(tmp_path):
    Image.new("RGB", (200, 100), "white").save(tmp_path / "00000_Llanowar_Elves.jpg")
    corners = [[10, 20], [190, 20], [190, 80], [10, 80]]
    (tmp_path / "annotations.json").write_text(json.dumps(
        [{"filename": "00000_Llanowar_Elves.jpg", "card_name": "Llanowar Elves", "corners": corners}]))
    example = next(iter(annotations.static_dataset(tmp_path, 50)))
    assert example["image"].shape == (50, 50, 3)
    np.testing.assert_allclose(example["corners"].numpy(), np.array(corners) * [50 / 200, 50 / 100])
    assert example["name"].numpy() == b"Llanowar Elves"


def test_dump_round_trips_through_the_static_reader(tiny_dataset, tmp_path):
    dump.main(["--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--out", str(tmp_path),
               "--num", "2", "--size", "64", "--batch_size", "2"])
    records = annotations.read_annotations(tmp_path)
    examples = list(annotations.static_dataset(tmp_path, 32))
    for record, example in zip(records, examples):
        np.testing.assert_allclose(example["corners"].numpy(), record["corners"] / 2, atol=1e-3)


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ('{"a": 1}', "expected a JSON list"),
    ('[{"filename": "x.jpg", "corners": [[1, 2]]}]', "entry 0 is malformed"),
])
def test_malformed_annotations_name_the_file_and_entry(tmp_path, content, message):
    (tmp_path / "annotations.json").write_text(content)
    with pytest.raises(annotations.AnnotationError, match=message) as error:
        annotations.read_annotations(tmp_path)
    assert str(tmp_path / "annotations.json") in str(error.value)
