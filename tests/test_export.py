"""`export.py`: the TF.js graph model answers as the Keras model does, run in real TF.js (Node, CPU backend)."""

import json
import pathlib
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

import export
from augment_tf import letterbox
from model.inference import predictor, rectify, rotations
from model.inference.loading import ModelFileError
from web.harness import tfjs_outputs

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Max abs difference from Keras per output: coords in 0..1 of the input, presence a probability, heatmaps
# per-cell probabilities. Measured on the tiny model, coords / presence / heatmaps:
#   Nov 2026: none 1e-7 / 2e-7 / 3e-7, float16 1.7e-4 / 1.3e-3 / 4.2e-4, uint8 3.5e-3 / 7.6e-3 / 5.4e-3;
#   Dec 2026: none 3.0e-7 / 3.0e-7 / 4.6e-7 (CPU; WASM 2.4e-7 / 3.0e-7 / 4.6e-7),
#             float16 2.5e-4 / 5.3e-4 / 7.0e-4, uint8 3.5e-2 / 2.0e-3 / 1.0e-2.
# float32 differs by rounding alone: ~10x the measured difference, floored at 1e-5 so neither backend's
# rounding flakes. Quantised weights move the outputs by amounts that depend on the trained weights (the two
# measurements differ up to tenfold), so those bounds keep ~10x the larger measurement where they had more.
TOLERANCE = {
    "none": {"coords": 1e-5, "presence": 1e-5, "heatmaps": 1e-5},
    "float16": {"coords": 3e-3, "presence": 1e-2, "heatmaps": 5e-3},
    # uint8 moves this half-trained model's broad heatmaps by up to 2e-2, enough to move the peak `QuadPeaks`
    # takes its window around by a heatmap cell (1/16 of the side here); the page uses float16.
    "uint8": {"coords": 5e-2, "presence": 3e-2, "heatmaps": 2e-2},
}
# (quantisation, TF.js backend): every quantisation on the pure-JS CPU backend, float32 on WASM too (the page's
# fallback, whose kernels are separate code: its OneHot once returned int32 bits as float32).
RUNS = [("none", "cpu"), ("float16", "cpu"), ("uint8", "cpu"), ("none", "wasm")]


def parity_images(size: int) -> np.ndarray:
    """[4, size, size, 3] float32 in 0..255: bright card-like quads at different places on different grounds."""
    rng = np.random.default_rng(7)
    quads = [[(0.2, 0.15), (0.8, 0.2), (0.75, 0.85), (0.15, 0.8)],
             [(0.35, 0.05), (0.95, 0.35), (0.65, 0.95), (0.05, 0.65)],
             [(0.1, 0.3), (0.55, 0.3), (0.55, 0.95), (0.1, 0.95)],
             [(0.45, 0.1), (0.9, 0.1), (0.9, 0.6), (0.45, 0.6)]]
    images = []
    for index, quad in enumerate(quads):
        ground = rng.uniform(20, 120) + rng.normal(0, 25, [size, size, 3])
        picture = Image.fromarray(np.clip(ground, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(picture)
        draw.polygon([(x * size, y * size) for x, y in quad], fill=(230, 220, 200), outline=(10, 10, 10))
        centre = np.mean(quad, axis=0)
        inner = [tuple((centre + 0.7 * (np.array(point) - centre)) * size) for point in quad]   # an art box
        draw.polygon(inner, fill=tuple(int(c) for c in rng.integers(40, 200, 3)))
        images.append(np.asarray(picture, np.float32))
    return np.stack(images)


@pytest.fixture(scope="module")
def exported(tiny_model, tiny_export):
    """The tiny model exported once per quantisation (float32 by the session's `tiny_export`), run in Keras and TF.js."""
    folder, model_path = tiny_export["folder"], tiny_export["model"]
    images = parity_images(int(tiny_model.input.shape[1]))
    keras_out = {key: np.asarray(value) for key, value in tiny_model(images, training=False).items()}
    runs = {}
    for quantize, backend in RUNS:
        web_dir = folder / f"web_{quantize}"
        if not web_dir.exists():
            export.export(model_path, web_dir, quantize)
        runs[quantize, backend] = tfjs_outputs(web_dir, images, folder, backend)
    return {"folder": folder, "model": model_path, "keras": keras_out, "tfjs": runs}


# Tests on `exported` are slow: three exports (the tiny model's training included) and four TF.js runs in Node.
@pytest.mark.slow
def test_keras_outputs_vary_across_the_test_images(exported):
    coords = exported["keras"]["coords"]                                   # [4, 4, 2]
    spread = np.abs(coords[:, None] - coords[None]).max(axis=(2, 3))      # [4, 4] per pair
    assert spread[~np.eye(4, dtype=bool)].min() > 0.02, spread
    assert np.ptp(exported["keras"]["heatmaps"], axis=0).max() > 0.01


@pytest.mark.slow
@pytest.mark.parametrize("quantize, backend", RUNS)
def test_tfjs_matches_keras(exported, quantize, backend):
    tfjs, keras_out = exported["tfjs"][quantize, backend], exported["keras"]
    differences = {key: float(np.abs(tfjs[key] - keras_out[key]).max()) for key in TOLERANCE[quantize]}
    print(f"{quantize} on {backend}: max abs differences {differences}")
    for key, tolerance in TOLERANCE[quantize].items():
        assert tfjs[key].shape == keras_out[key].shape
        assert differences[key] <= tolerance, (key, differences)


@pytest.mark.slow
def test_model_card_and_sizes(exported):
    sizes = {}
    for quantize in TOLERANCE:
        web_dir = exported["folder"] / f"web_{quantize}"
        card = json.loads((web_dir / "model_card.json").read_text())
        assert card["quantization"] == quantize and card["input"]["size"] == 64
        assert card["input"]["range"] == [0, 255] and card["corner_order"] == ["TL", "TR", "BR", "BL"]
        assert card["metrics"]["mean_frac_aware"] == 0.125 and card["model_config"]["input_size"] == 64
        assert card["weights_bytes"] == sum(path.stat().st_size for path in web_dir.glob("*.bin"))
        sizes[quantize] = card["weights_bytes"]
    print(f"weights bytes: {sizes}")
    assert sizes["uint8"] < 0.35 * sizes["none"] and sizes["float16"] < 0.55 * sizes["none"]
    assert not list(exported["folder"].glob(".*tmp"))                      # no staging folder left behind


@pytest.mark.slow
def test_zip_holds_the_model(exported):
    with zipfile.ZipFile(exported["folder"] / "web_none.zip") as archive:
        names = archive.namelist()
    assert "web_none/model.json" in names and "web_none/model_card.json" in names


def main_error(*args) -> str:
    """The message `export.main(args)` exits with, checked to be the one line "error: ..."."""
    with pytest.raises(SystemExit) as exit_info:
        export.main([str(arg) for arg in args])
    message = exit_info.value.code
    assert isinstance(message, str) and message.startswith("error: ") and "\n" not in message, message
    return message


def test_existing_output_is_refused_without_overwrite(tmp_path):
    (tmp_path / "web").mkdir()
    with pytest.raises(export.ExportError, match="web already exists"):
        export.export(tmp_path / "missing.keras", tmp_path / "web")
    assert "--overwrite" in main_error("--model", tmp_path / "missing.keras", "--out", tmp_path / "web")
    (tmp_path / "other.zip").write_bytes(b"")                              # with --zip, the archive counts too
    assert "other.zip already exists" in main_error("--model", tmp_path / "missing.keras", "--out",
                                                    tmp_path / "other", "--zip")
    assert not (tmp_path / "other").exists()


def test_corrupt_model_gets_one_line(tmp_path):
    corrupt = tmp_path / "broken.keras"
    corrupt.write_bytes(b"not a zip file")
    with pytest.raises(ModelFileError, match="broken.keras"):
        export.export(corrupt, tmp_path / "web")
    assert "broken.keras" in main_error("--model", corrupt, "--out", tmp_path / "web")
    assert not (tmp_path / "web").exists() and not list(tmp_path.glob(".web*"))


def test_unwritable_output_gets_one_line(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(export.ExportError, match="a_file: is a file"):
        export.export(tmp_path / "missing.keras", blocker / "web")
    assert "a_file" in main_error("--model", tmp_path / "missing.keras", "--out", blocker / "web")


def python_constants() -> dict:
    """The Python constants the card carries to the JavaScript, named as the card names them."""
    return {"presence_threshold": predictor.PRESENCE_THRESHOLD, "crop_margin": predictor.CROP_MARGIN,
            "max_refine_shift": predictor.MAX_REFINE_SHIFT, "turns": list(rotations.TURNS),
            "card_size": list(rectify.CARD_SIZE), "fill": [letterbox.FILL] * 3}


def card_constants(card: dict) -> dict:
    """The same values as the card holds them."""
    values = {key: value for key, value in card["inference"].items() if key != "meaning"}
    return {**values, "fill": card["input"]["letterbox"]["fill"]}


@pytest.mark.slow
def test_model_card_holds_the_python_constants(tiny_export, tiny_model, monkeypatch):
    """The exported card carries exactly the Python constants, read when it is written: change one, the card follows."""
    card = json.loads((tiny_export["web"] / "model_card.json").read_text())
    assert card["schema"] == export.CARD_SCHEMA
    assert card_constants(card) == python_constants()
    assert set(card["inference"]["meaning"]) == set(card["inference"]) - {"meaning"}

    changed = {"model.inference.predictor.PRESENCE_THRESHOLD": 0.35, "model.inference.predictor.CROP_MARGIN": 0.3,
               "model.inference.predictor.MAX_REFINE_SHIFT": 0.1, "model.inference.rotations.TURNS": (0, 2),
               "model.inference.rectify.CARD_SIZE": (315, 440), "augment_tf.letterbox.FILL": 7}
    for name, value in changed.items():
        monkeypatch.setattr(name, value)
    rewritten = card_constants(export.model_card(tiny_model, tiny_export["model"], "none", 0))
    assert rewritten == python_constants() == {
        "presence_threshold": 0.35, "crop_margin": 0.3, "max_refine_shift": 0.1, "turns": [0, 2],
        "card_size": [315, 440], "fill": [7, 7, 7]}


@pytest.mark.slow
def test_model_card_takes_the_model_config_only_from_best_json(tiny_export, tiny_model, tmp_path):
    """best.json beside the model gives the backbone and config; without it the card guesses neither."""
    card = json.loads((tiny_export["web"] / "model_card.json").read_text())
    assert card["backbone"] == "mobilenet_v2" and card["model_config"]["backbone"] == "mobilenet_v2"
    bare = export.model_card(tiny_model, tmp_path / "best.keras", "none", 0)     # no best.json in tmp_path
    assert not {"backbone", "model_config", "metrics", "metrics_source"} & set(bare), sorted(bare)
    (tmp_path / "best.json").write_text("[1, 2]")                                 # JSON, but not a run record
    assert not {"backbone", "model_config"} & set(export.model_card(tiny_model, tmp_path / "best.keras", "none", 0))
