"""`model.predict`, `model.evaluate` and the real-photo benchmark on a tiny dump; EXIF and the letterbox map back."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from model_helpers import TINY_MODEL
from PIL import Image

from augment_tf import letterbox
from model.evaluation import validation
from model.inference.loading import ModelFileError, load_model
from model.inference.predictor import Predictor
from model.training.run_files import save_model, write_json

REALDEV_BENCHMARK = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "realdev.py"


@pytest.fixture(scope="module")
def saved_model(tiny_export):
    return tiny_export["model"]


def _run(module, *args):
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True,
                          timeout=600)


def test_saved_model_loads_after_a_plain_import(saved_model, tiny_model):
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    expected = tiny_model(images)["coords"].numpy()
    script = ("import sys, numpy as np, keras, model; net = keras.models.load_model(sys.argv[1]); "
              "images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32); "
              "print(np.asarray(net(images)['coords']).tolist())")
    result = subprocess.run([sys.executable, "-c", script, str(saved_model)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    np.testing.assert_allclose(json.loads(result.stdout.strip().splitlines()[-1]), expected, atol=1e-5)


def test_a_corrupt_model_file_gets_one_line(tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    for path in (broken, tmp_path / "missing.keras"):
        with pytest.raises(ModelFileError) as error:
            load_model(path)
        assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_exif_rotated_photo_maps_back_to_displayed_pixels(tiny_model, tiny_dump, tmp_path):
    """A dumped image placed in a larger, non-square photo stored sideways with EXIF orientation 6."""
    displayed = np.full((90, 160, 3), 30, np.uint8)
    displayed[13:77, 70:134] = np.asarray(Image.open(sorted(tiny_dump.glob("*.jpg"))[0]))
    stored = Image.fromarray(displayed).transpose(Image.Transpose.ROTATE_90)     # EXIF 6 turns it back clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(tmp_path / "sideways.png", exif=exif)                         # lossless: the same pixels
    photo = letterbox.load_photo(tmp_path / "sideways.png")
    np.testing.assert_array_equal(photo, displayed)
    predictor = Predictor(tiny_model, refine=False)
    found = predictor.predict_photo(photo)
    image, frame = letterbox.letterbox(photo, 64)
    corners, _ = predictor.predict_inputs(image[None])
    np.testing.assert_allclose(found["corners"], frame.to_photo(corners[0]), atol=1e-4)
    assert (found["corners"][:, 0] >= 0).all() and (found["corners"][:, 0] <= 160).all()
    np.testing.assert_allclose(found["corners"], predictor.predict_photo(displayed)["corners"], atol=1e-4)


def test_evaluate_scores_a_dump_folder(saved_model, tiny_dump):
    result = _run("model.evaluate", "--model", saved_model, "--annotations", tiny_dump / "annotations.json", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["metrics"]["count"] == 6 and len(report["images"]) == 6
    assert 0 <= report["metrics"]["within3_free"] <= 1 and report["metrics"]["mean_px_input_aware"] >= 0
    single = _run("model.evaluate", "--model", saved_model, "--annotations", tiny_dump / "annotations.json", "--json",
                  "--no_rotations", "--no_refine")
    expected, _ = validation.evaluate_folder(Predictor(load_model(saved_model), refine=False, rotate=False), tiny_dump)
    assert json.loads(single.stdout)["metrics"] == pytest.approx(expected, abs=1e-5)
    assert json.loads(single.stdout)["metrics"] != pytest.approx(report["metrics"], abs=1e-5)
    missing = _run("model.evaluate", "--model", saved_model, "--annotations", tiny_dump / "nothing" / "annotations.json")
    assert missing.returncode != 0 and "annotations.json" in missing.stderr.strip().splitlines()[-1]


def test_predict_writes_corners_rectified_cards_and_names_unreadable_images(saved_model, tiny_dump, tmp_path):
    (tmp_path / "photos").mkdir()
    for path in sorted(tiny_dump.glob("*.jpg"))[:3]:
        (tmp_path / "photos" / path.name).write_bytes(path.read_bytes())
    (tmp_path / "photos" / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    out, cards = tmp_path / "preds.json", tmp_path / "cards"
    result = _run("model.predict", "--model", saved_model, "--images", tmp_path / "photos", "--out", out,
                  "--rectify", cards, "--threshold", "0")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.jpg" in errors[0]
    records = json.loads(out.read_text())
    assert len(records) == 3 and all(np.asarray(r["corners"]).shape == (4, 2) for r in records)
    assert all(0 <= r["presence"] <= 1 and r["found"] for r in records)
    rectified = sorted(cards.glob("*.png"))
    assert len(rectified) == 3 and Image.open(rectified[0]).size == (630, 880)


def test_realdev_benchmark_scores_each_method_as_evaluate_does(saved_model, tiny_dump, tmp_path):
    report, sheet = tmp_path / "report.json", tmp_path / "sheet.png"
    result = subprocess.run([sys.executable, str(REALDEV_BENCHMARK), "--model", str(saved_model), "--photos",
                             str(tiny_dump), "--json", str(report), "--sheet", str(sheet)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    table = json.loads(report.read_text())
    assert list(table) == ["model, one pass", "model, refined", "model, refined, 4 turns", "classical"]
    _, rows = validation.evaluate_folder(Predictor(load_model(saved_model)), tiny_dump)
    for row in rows:
        got = table["model, refined, 4 turns"]["per_photo"][row["filename"]]
        assert got["worst_frac_aware"] == pytest.approx(row["worst_frac_aware"], abs=1e-4)
        assert f"| {row['filename']} |" in result.stdout
    assert Image.open(sheet).size[0] > 0


def test_rebuild_loads_the_weights_into_a_network_built_by_this_code(tiny_model, tmp_path):
    save_model(tiny_model, tmp_path / "best.keras")
    with pytest.raises(ModelFileError, match="no best.json or config.json"):
        load_model(tmp_path / "best.keras", rebuild=True)
    write_json(tmp_path / "best.json", {"model": {**TINY_MODEL.to_dict(), "decoder_channels": 24}})
    with pytest.raises(ModelFileError, match="cannot rebuild it from") as error:
        load_model(tmp_path / "best.keras", rebuild=True)
    assert "\n" not in str(error.value)
    write_json(tmp_path / "best.json", {"model": TINY_MODEL.to_dict()})
    rebuilt = load_model(tmp_path / "best.keras", rebuild=True)
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    for key in ("coords", "presence", "heatmaps"):
        np.testing.assert_allclose(rebuilt(images)[key], tiny_model(images, training=False)[key], atol=1e-5)
