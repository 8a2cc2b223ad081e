"""The tf.data stream, static annotations.json datasets, and the dump CLI."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from synthesis_helpers import PHOTOMETRIC_OFF, SCENE_OFF

from augment_tf import annotations, dump, pipeline, texture
from augment_tf.config import SynthesisConfig
from augment_tf.scene import whole_cards
from mtg_tfds import atomic_files

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


@pytest.mark.slow                                     # the command line, then a dump that traces the synthesis
def test_dump_writes_images_annotations_and_a_contact_sheet(tiny_dataset, tmp_path):
    out = tmp_path / "dump"
    plain = tmp_path / "plain.json"            # scene and photometric effects off: traced in seconds, not ~20 s
    plain.write_text(json.dumps(dataclasses.replace(CONFIG, scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF).to_dict()))
    result = _run_dump("--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--out", str(out), "--num", "5",
                       "--size", "64", "--batch_size", "4", "--seed", "1", "--synthesis_config", str(plain))
    assert result.returncode == 0, result.stderr[-2000:]
    records = annotations.read_annotations(out)
    assert len(records) == 5 and len(list(out.glob("*.jpg"))) == 5
    for record in records:
        with Image.open(out / record["filename"]) as image:
            assert image.size == (64, 64)
        assert (record["corners"] >= 0).all() and (record["corners"] <= 64).all()
        assert record["filename"].startswith(f"{records.index(record):05d}_")
        np.testing.assert_array_equal(record["cards"], record["corners"][None])   # no scene: the one card
    assert Image.open(out / "contact_sheet.png").size == (3 * 256, 2 * 256)   # 5 tiles, 3 columns
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))

    # In-process from here, with the batch size of the tests below, which then reuse this synthesis trace.
    with pytest.raises(SystemExit, match="--overwrite"):
        dump.main(_dump_args(tiny_dataset, out, 2, seed=0))
    dump.main(_dump_args(tiny_dataset, out, 2, seed=0) + ["--overwrite"])
    records = annotations.read_annotations(out)
    assert len(records) == 2 and len(list(out.glob("*.jpg"))) == 2
    for record in records:                        # the full recipe: the labelled card first, then whole others
        np.testing.assert_array_equal(record["cards"][0], record["corners"])
        assert ((record["cards"] >= 0) & (record["cards"] <= 64)).all()


@pytest.mark.slow                                     # traces the default synthesis (~15 s) unless a test did
def test_dump_is_deterministic(tiny_dataset, tmp_path):
    dump.main(_dump_args(tiny_dataset, tmp_path / "a", 3, seed=0))
    dump.main(_dump_args(tiny_dataset, tmp_path / "b", 3, seed=0))
    a, b = annotations.read_annotations(tmp_path / "a"), annotations.read_annotations(tmp_path / "b")
    assert [r["filename"] for r in a] == [r["filename"] for r in b]
    np.testing.assert_array_equal(np.stack([r["corners"] for r in a]), np.stack([r["corners"] for r in b]))


@pytest.mark.slow                                     # traces the synthesis of its own recipe: ~15 s
def test_a_synthesis_config_file_changes_the_recipe(tiny_dataset, tmp_path):
    recipe = tmp_path / "large_cards.json"
    recipe.write_text(json.dumps({"geometry": {"scale": [0.8, 0.85], "max_tilt_deg": 0.0, "letterbox_p": 0.0},
                                  "scene": {"deck": {"p": 0.0, "low": 0.1, "high": 0.2}}}))   # decks' cards are small
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
    (["--num", "2", "--synthesis_config", "empty.json"], "empty.json: empty_p 1.0 leaves no card to dump"),
])
def test_bad_flags_get_one_line_errors_naming_the_flag(tmp_path, capsys, monkeypatch, flags, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recipe.json").write_text('{"scene": {"dice": 1}}')
    (tmp_path / "empty.json").write_text('{"scene": {"empty_p": 1.0}}')
    with pytest.raises(SystemExit) as exit_info:
        dump.parse_args(["--out", str(tmp_path)] + flags)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(message)


@pytest.mark.slow                                     # the command line, in a subprocess
def test_dump_without_a_built_dataset_says_how_to_build_it(tmp_path):
    result = _run_dump("--data_dir", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"), "--num", "1")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: no mtg_tfds/procedural dataset") and "Traceback" not in result.stderr


def _files(folder):
    """{path relative to `folder`: bytes} of every file below it, hidden ones included."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def _dump_args(tiny_dataset, out, num, seed):
    return ["--data_dir", str(tiny_dataset), "--config", "procedural_tiny", "--out", str(out), "--num", str(num),
            "--size", "64", "--batch_size", "2", "--seed", str(seed)]


@pytest.mark.slow                                     # as test_dump_is_deterministic
def test_an_interrupted_overwrite_leaves_the_old_dump_whole(tiny_dataset, tmp_path, monkeypatch):
    out = tmp_path / "dump"
    dump.main(_dump_args(tiny_dataset, out, 3, seed=1))
    before = _files(out)
    write = atomic_files.write_bytes
    calls = []

    def interrupted_after_two_images(path, data):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        write(path, data)

    monkeypatch.setattr(atomic_files, "write_bytes", interrupted_after_two_images)
    with pytest.raises(KeyboardInterrupt):
        dump.main(_dump_args(tiny_dataset, out, 4, seed=2) + ["--overwrite"])
    after = _files(out)
    assert sorted(after) == sorted(before) and not (out / ".dump-new").exists()
    assert after == before


@pytest.mark.slow                                     # as test_dump_is_deterministic
def test_an_overwrite_keeps_files_that_are_not_the_dumps_and_ordinary_modes(tiny_dataset, tmp_path):
    out = tmp_path / "dump"
    dump.main(_dump_args(tiny_dataset, out, 3, seed=1))
    (out / "notes.txt").write_text("mine")
    (out / "00042_Mine.jpg").write_bytes(b"not listed by annotations.json")
    (out / "extra").mkdir()
    (out / "extra" / "00000_Card.jpg").write_bytes(b"in a subfolder")
    foreign = {name: data for name, data in _files(out).items() if name in ("notes.txt", "00042_Mine.jpg")
               or name.startswith("extra")}
    dump.main(_dump_args(tiny_dataset, out, 2, seed=2) + ["--overwrite"])
    records = annotations.read_annotations(out)
    assert len(records) == 2
    assert set(_files(out)) == set(foreign) | {r["filename"] for r in records} | {"annotations.json",
                                                                                  "contact_sheet.png"}
    assert {name: data for name, data in _files(out).items() if name in foreign} == foreign
    mask = os.umask(0o022)
    os.umask(mask)
    for name in [r["filename"] for r in records] + ["annotations.json", "contact_sheet.png"]:
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


def _fake_dump(folder, tag, names):
    """A dump without synthesis: images holding `tag`, a contact sheet, and annotations.json naming `tag`."""
    folder.mkdir(exist_ok=True)
    for name in names + ["contact_sheet.png"]:
        (folder / name).write_bytes(f"{tag} {name}".encode())
    annotations.write_annotations(folder, [{"filename": name, "card_name": tag, "corners": np.zeros([4, 2])}
                                           for name in names])


# 5 moves take the old dump (3 images, contact sheet, annotations.json) out, 4 the new one in.
@pytest.mark.parametrize("killed_at_move", range(9))
def test_a_swap_killed_at_any_move_is_finished_by_the_next_dump(tmp_path, monkeypatch, killed_at_move):
    out = tmp_path / "dump"
    _fake_dump(out, "old", ["00000_A.jpg", "00001_B.jpg", "00002_C.jpg"])
    (out / "notes.txt").write_text("mine")
    _fake_dump(out / ".dump-new", "new", ["00000_A.jpg", "00001_D.jpg"])
    new = _files(out / ".dump-new")
    replace = os.replace
    moves = []

    def killed(source, target):
        if len(moves) == killed_at_move:
            raise SystemExit("killed")
        moves.append(source)
        replace(source, target)

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(SystemExit, match="killed"):
        dump.commit(out)
    monkeypatch.undo()
    images = list(out.glob("*.jpg"))
    if images:                                       # never an image without the annotations.json that lists it
        records = annotations.read_annotations(out)
        assert {path.name for path in images} <= {r["filename"] for r in records}
        assert all(path.read_bytes().startswith(records[0]["card_name"].encode()) for path in images)

    dump.prepare_output(out, overwrite=True)                    # the next dump starts by finishing the swap
    assert _files(out) == {**new, "notes.txt": b"mine"}


@pytest.mark.parametrize("left_behind", [".dump-new", ".dump-old"])
def test_what_a_killed_dump_left_outside_the_swap_is_deleted_by_the_next(tmp_path, left_behind):
    out = tmp_path / "dump"
    _fake_dump(out, "old", ["00000_A.jpg"])
    before = _files(out)
    _fake_dump(out / left_behind, "half", ["00000_A.jpg"])
    dump.prepare_output(out, overwrite=True)
    assert _files(out) == before and not (out / ".dump-old").exists()


def test_a_new_dump_that_would_overwrite_a_file_not_its_own_stops(tmp_path):
    out = tmp_path / "dump"
    out.mkdir()
    (out / "contact_sheet.png").write_bytes(b"mine")              # no annotations.json: not a dump's
    _fake_dump(out / ".dump-new", "new", ["00000_A.jpg"])
    with pytest.raises(SystemExit, match="overwrite .*contact_sheet.png, which is not the old dump's"):
        dump.commit(out)
    assert _files(out) == {"contact_sheet.png": b"mine"} and not (out / ".dump-new").exists()


def test_an_overwrite_moves_only_plain_names_the_old_annotations_json_lists(tmp_path):
    out = tmp_path / "dump"
    _fake_dump(out, "old", ["00000_A.jpg"])
    (tmp_path / "outside.jpg").write_bytes(b"mine")
    (out / "extra").mkdir()
    (out / "extra" / "00001_B.jpg").write_bytes(b"mine too")
    annotations.write_annotations(out, [{"filename": name, "card_name": "old", "corners": np.zeros([4, 2])}
                                        for name in ["00000_A.jpg", "../outside.jpg", "extra/00001_B.jpg"]])
    _fake_dump(out / ".dump-new", "new", ["00000_A.jpg"])
    dump.commit(out)
    assert (tmp_path / "outside.jpg").read_bytes() == b"mine"
    assert [r["card_name"] for r in annotations.read_annotations(out)] == ["new"]
    assert _files(out).keys() - {"annotations.json"} == {"00000_A.jpg", "contact_sheet.png", "extra/00001_B.jpg"}
    assert (out / "extra" / "00001_B.jpg").read_bytes() == b"mine too"


def test_an_unreadable_old_annotations_json_stops_an_overwrite_before_synthesis(tmp_path):
    (tmp_path / "annotations.json").write_text("not json")
    with pytest.raises(SystemExit, match="not valid JSON.*cannot tell which files are the old dump's"):
        dump.prepare_output(tmp_path, overwrite=True)
    assert _files(tmp_path) == {"annotations.json": b"not json"}


def test_static_dataset_reads_a_seed_style_folder_and_letterboxes_corners(tmp_path):
    Image.new("RGB", (200, 100), "white").save(tmp_path / "00000_Llanowar_Elves.jpg")
    corners = [[10, 20], [190, 20], [190, 80], [10, 80]]
    (tmp_path / "annotations.json").write_text(json.dumps(
        [{"filename": "00000_Llanowar_Elves.jpg", "card_name": "Llanowar Elves", "corners": corners}]))
    example = next(iter(annotations.static_dataset(tmp_path, 50)))
    assert example["image"].shape == (50, 50, 3)
    # 200 x 100 fits 50 x 50 as 50 x 25, centred at y offset (50 - 25) // 2 = 12.
    np.testing.assert_allclose(example["corners"].numpy(), np.array(corners) * 0.25 + [0, 12])
    np.testing.assert_array_equal(example["photo_size"].numpy(), [200, 100])
    np.testing.assert_array_equal(example["letterbox"].numpy(), [0.25, 0.25, 0, 12])
    assert example["name"].numpy() == b"Llanowar Elves"
    # No "cards" in the seed's format: the labelled card is the one whole card.
    assert example["cards"].shape == (whole_cards.CARD_SLOTS, 4, 2)
    np.testing.assert_array_equal(example["cards"].numpy()[0], example["corners"].numpy())
    np.testing.assert_array_equal(example["card_whole"].numpy(), np.arange(whole_cards.CARD_SLOTS) == 0)


def test_static_dataset_carries_every_card_padded_to_k(tmp_path):
    Image.new("RGB", (200, 100), "white").save(tmp_path / "two.jpg")
    first, second = [[10, 20], [50, 20], [50, 80], [10, 80]], [[100, 20], [140, 20], [140, 80], [100, 80]]
    (tmp_path / "annotations.json").write_text(json.dumps(
        [{"filename": "two.jpg", "corners": first, "cards": [first, second]}]))
    example = next(iter(annotations.static_dataset(tmp_path, 50, max_cards=3)))
    expected = np.array([first, second, np.zeros([4, 2])]) * 0.25 + [[[0, 12]], [[0, 12]], [[0, 0]]]
    np.testing.assert_allclose(example["cards"].numpy(), expected)        # the padding stays zeros
    np.testing.assert_array_equal(example["card_whole"].numpy(), [True, True, False])
    with pytest.raises(annotations.AnnotationError, match=r"entry 0 \(two.jpg\) lists 2 cards, more than max_cards=1"):
        annotations.static_dataset(tmp_path, 50, max_cards=1)


def test_static_dataset_reads_sideways_photos_as_displayed(tmp_path):
    shown = np.zeros([120, 90, 3], np.uint8)                                # displayed portrait, 90 x 120
    shown[30:90, 20:50] = 255                                               # card: x 20..50, y 30..90
    exif = Image.Exif()
    exif[0x0112] = 6                                                        # stored turned; shown 90 degrees clockwise
    Image.fromarray(np.rot90(shown, k=1)).save(tmp_path / "photo.jpg", exif=exif, quality=98)
    corners = [[20, 30], [50, 30], [50, 90], [20, 90]]
    (tmp_path / "annotations.json").write_text(json.dumps([{"filename": "photo.jpg", "corners": corners}]))
    example = next(iter(annotations.static_dataset(tmp_path, 60)))
    # 90 x 120 fits 60 x 60 as 45 x 60 at x offset (60 - 45) // 2 = 7.
    expected = np.array(corners) * 0.5 + [7, 0]
    np.testing.assert_allclose(example["corners"].numpy(), expected, atol=1e-5)
    np.testing.assert_array_equal(example["photo_size"].numpy(), [90, 120])
    bright = example["image"].numpy()[..., 0] > 0.5
    rows, cols = np.nonzero(bright)
    np.testing.assert_allclose([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1],
                               [expected[0, 0], expected[0, 1], expected[2, 0], expected[2, 1]], atol=1)


def test_read_annotations_keeps_every_card_and_the_ties(tmp_path):
    card = [[1, 2], [3, 2], [3, 4], [1, 4]]
    (tmp_path / "annotations.json").write_text(json.dumps([
        {"filename": "a.jpg", "corners": card, "cards": [card, card], "equally_near": [1]},
        {"filename": "b.jpg", "corners": card}]))
    first, second = annotations.read_annotations(tmp_path)
    assert first["cards"].shape == (2, 4, 2) and first["cards"].dtype == np.float32
    assert first["equally_near"] == [1]
    assert "cards" not in second and "equally_near" not in second


@pytest.mark.slow                                     # as test_dump_is_deterministic
def test_dump_round_trips_through_the_static_reader(tiny_dataset, tmp_path):
    dump.main(_dump_args(tiny_dataset, tmp_path, 2, seed=0))
    records = annotations.read_annotations(tmp_path)
    examples = list(annotations.static_dataset(tmp_path, 32))
    for record, example in zip(records, examples):
        np.testing.assert_allclose(example["corners"].numpy(), record["corners"] / 2, atol=1e-3)
        count = len(record["cards"])
        np.testing.assert_allclose(example["cards"].numpy()[:count], record["cards"] / 2, atol=1e-3)
        assert example["card_whole"].numpy().sum() == count


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ('{"a": 1}', "expected a JSON list"),
    ('[{"filename": "x.jpg", "corners": [[1, 2]]}]', "entry 0 is malformed"),
    ('[{"filename": "x.jpg", "corners": [[0, 0], [1, 0], [1, 1], [0, 1]], "cards": [[1, 2]]}]', "cards have shape"),
    ('[{"filename": "x.jpg", "corners": [[0, 0], [1, 0], [1, 1], [0, 1]], "equally_near": [0]}]', "indexes past"),
])
def test_malformed_annotations_name_the_file_and_entry(tmp_path, content, message):
    (tmp_path / "annotations.json").write_text(content)
    with pytest.raises(annotations.AnnotationError, match=message) as error:
        annotations.read_annotations(tmp_path)
    assert str(tmp_path / "annotations.json") in str(error.value)


def test_load_builder_ignores_what_a_killed_build_left(tiny_dataset, tmp_path):
    import shutil
    copy = tmp_path / "tfds"
    shutil.copytree(tiny_dataset / "mtg_tfds" / "procedural_tiny", copy / "mtg_tfds" / "procedural_tiny")
    version = next((copy / "mtg_tfds" / "procedural_tiny").iterdir())
    shutil.copytree(version, version.parent / f"incomplete.AB12CD_{version.name}")
    assert pipeline.load_builder(copy, "procedural_tiny").info.splits["cards"].num_examples == 6
    shutil.rmtree(version)
    with pytest.raises(pipeline.DatasetNotFoundError, match="run `tfds build mtg_tfds"):
        pipeline.load_builder(copy, "procedural_tiny")
