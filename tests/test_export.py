"""`export.py`: the TF.js graph model answers as the Keras model does, run in real TF.js (Node, CPU backend)."""

import json
import pathlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from web_helpers import tfjs_outputs

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Max abs difference from Keras per output: coords in 0..1 of the input (uint8: 0.5% of the side),
# presence a probability, heatmaps per-cell probabilities. Measured on the tiny model (Nov 2026):
# none 1e-7 / 2e-7 / 3e-7, float16 1.7e-4 / 1.3e-3 / 4.2e-4, uint8 3.5e-3 / 7.6e-3 / 5.4e-3.
TOLERANCE = {
    "none": {"coords": 1e-3, "presence": 1e-4, "heatmaps": 1e-4},
    "float16": {"coords": 1e-2, "presence": 1e-2, "heatmaps": 5e-3},
    # uint8 moves this half-trained model's broad heatmaps by up to 2e-2, enough to move the peak `QuadPeaks`
    # takes its window around by a heatmap cell (1/16 of the side here); the page uses float16.
    "uint8": {"coords": 5e-2, "presence": 3e-2, "heatmaps": 2e-2},
}
# (quantisation, TF.js backend): every quantisation on the pure-JS CPU backend, float32 on WASM too (the page's
# fallback, whose kernels are separate code: its OneHot once returned int32 bits as float32).
RUNS = [("none", "cpu"), ("float16", "cpu"), ("uint8", "cpu"), ("none", "wasm")]


def run_export(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "export.py"), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


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
            result = run_export("--model", model_path, "--out", web_dir, "--quantize", quantize)
            assert result.returncode == 0, result.stderr[-3000:]
        runs[quantize, backend] = tfjs_outputs(web_dir, images, folder, backend)
    return {"folder": folder, "model": model_path, "keras": keras_out, "tfjs": runs}


def test_keras_outputs_vary_across_the_test_images(exported):
    coords = exported["keras"]["coords"]                                   # [4, 4, 2]
    spread = np.abs(coords[:, None] - coords[None]).max(axis=(2, 3))      # [4, 4] per pair
    assert spread[~np.eye(4, dtype=bool)].min() > 0.02, spread
    assert np.ptp(exported["keras"]["heatmaps"], axis=0).max() > 0.01


@pytest.mark.parametrize("quantize, backend", RUNS)
def test_tfjs_matches_keras(exported, quantize, backend):
    tfjs, keras_out = exported["tfjs"][quantize, backend], exported["keras"]
    differences = {key: float(np.abs(tfjs[key] - keras_out[key]).max()) for key in TOLERANCE[quantize]}
    print(f"{quantize} on {backend}: max abs differences {differences}")
    for key, tolerance in TOLERANCE[quantize].items():
        assert tfjs[key].shape == keras_out[key].shape
        assert differences[key] <= tolerance, (key, differences)


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


def test_zip_holds_the_model(exported):
    with zipfile.ZipFile(exported["folder"] / "web_none.zip") as archive:
        names = archive.namelist()
    assert "web_none/model.json" in names and "web_none/model_card.json" in names


def test_existing_output_is_refused_without_overwrite(exported):
    result = run_export("--model", exported["model"], "--out", exported["folder"] / "web_none")
    assert result.returncode != 0
    assert len(error_lines(result)) == 1 and "--overwrite" in error_lines(result)[0], result.stderr


def test_corrupt_model_gets_one_line(tmp_path):
    corrupt = tmp_path / "broken.keras"
    corrupt.write_bytes(b"not a zip file")
    result = run_export("--model", corrupt, "--out", tmp_path / "web")
    assert result.returncode != 0
    assert len(error_lines(result)) == 1 and "broken.keras" in error_lines(result)[0], result.stderr
    assert not (tmp_path / "web").exists() and not list(tmp_path.glob(".web*"))


def test_unwritable_output_gets_one_line(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    result = run_export("--model", tmp_path / "missing.keras", "--out", blocker / "web")
    assert result.returncode != 0
    assert len(error_lines(result)) == 1 and "a_file" in error_lines(result)[0], result.stderr
