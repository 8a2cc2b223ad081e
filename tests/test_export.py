"""`export.py`: the TF.js graph model answers as the Keras model does, run in real TF.js (Node, CPU and WASM
backends), the card head's outputs included."""

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
from model.training.run_files import write_json
from web.harness import tfjs_outputs

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Max abs difference from Keras per output: coords in 0..1 of the input, presence a probability, heatmaps
# per-cell probabilities. Measured on the tiny model, coords / presence / heatmaps:
#   Nov 2026: none 1e-7 / 2e-7 / 3e-7, float16 1.7e-4 / 1.3e-3 / 4.2e-4, uint8 3.5e-3 / 7.6e-3 / 5.4e-3;
#   Dec 2026: none 3.0e-7 / 3.0e-7 / 4.6e-7 (CPU; WASM 2.4e-7 / 3.0e-7 / 4.6e-7),
#             float16 2.5e-4 / 5.3e-4 / 7.0e-4, uint8 3.5e-2 / 2.0e-3 / 1.0e-2;
#   Dec 2026, trained with the card head: none 3.6e-7 / 4.2e-7 / 3.6e-7 (WASM 3.6e-7 / 8.3e-7 / 5.5e-7),
#             float16 1.9e-4 / 1.4e-3 / 3.7e-4, uint8 1.0e-2 / 3.2e-2 / 6.8e-3 (the same without the card
#             head's outputs in the graph: the presence moved with the weights, not the export).
# float32 differs by rounding alone: ~10x the measured difference, floored at 1e-5 so neither backend's
# rounding flakes. Quantised weights move the outputs by amounts that depend on the trained weights (the
# measurements differ up to sixteenfold), so those bounds keep a margin over the largest measurement.
TOLERANCE = {
    "none": {"coords": 1e-5, "presence": 1e-5, "heatmaps": 1e-5},
    "float16": {"coords": 3e-3, "presence": 1e-2, "heatmaps": 5e-3},
    # uint8 moves this half-trained model's broad heatmaps by up to 2e-2, enough to move the peak `QuadPeaks`
    # takes its window around by a heatmap cell (1/16 of the side here); the page uses float16.
    "uint8": {"coords": 5e-2, "presence": 6e-2, "heatmaps": 2e-2},
}
# The card head's outputs, each held to the bound of the primary output it is like: corners in 0..1, probabilities.
# Measured (Dec 2026), cards / card_scores sorted / card_orientation, on the answers whose place is settled:
# none 8.2e-7 / 1.9e-7 / 2.4e-7 (CPU, 72 answers; WASM 1.0e-6 / 1.6e-7 / 6.6e-7), float16 7.5e-4 / 4.3e-4 / 1.1e-4
# (3 answers), uint8 8.5e-3 / 1.0e-2 / 2.3e-3 (3 answers).
CARD_TOLERANCE = {"cards": "coords", "card_scores": "presence", "card_orientation": "presence"}
# (quantisation, TF.js backend): every quantisation on the pure-JS CPU backend, float32 on WASM too (the page's
# fallback, whose kernels are separate code: its OneHot once returned int32 bits as float32; its batched GatherV2
# reads out of bounds, and its FusedConv2D takes no rank-4 bias: `export.flatten_fused_biases`).
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


def settled_answers(scores: np.ndarray, tolerance: float) -> list[tuple[int, int]]:
    """(image, slot) of the card head's answers whose score stands more than twice `tolerance` from every other
    answer's of its image: their place among the answers cannot change within the tolerance (the others may
    trade places with a near tie, or a peak may fall to a neighbouring cell's value).

    Args:
      scores: [N, K] card scores.
    """
    gaps = np.abs(scores[:, :, None] - scores[:, None, :])                 # [N, K, K]
    gaps[:, np.arange(scores.shape[1]), np.arange(scores.shape[1])] = np.inf
    return [tuple(index) for index in np.argwhere(gaps.min(axis=-1) > 2 * tolerance)]


@pytest.mark.slow
@pytest.mark.parametrize("quantize, backend", RUNS)
def test_tfjs_card_head_matches_keras(exported, quantize, backend):
    """The card head's outputs at a batch of 4: the scores, sorted, within the presence's bound; each answer whose
    place is settled (`settled_answers`) found at the TF.js answer of its score, with its corners within the corners'
    bound and its orientation's probability within the presence's."""
    tfjs, keras_out = exported["tfjs"][quantize, backend], exported["keras"]
    bound = {key: TOLERANCE[quantize][like] for key, like in CARD_TOLERANCE.items()}
    for key in CARD_TOLERANCE:
        assert tfjs[key].shape == keras_out[key].shape == (4, 64) + (4, 2) * (key == "cards"), key
    sorted_scores = float(np.abs(np.sort(tfjs["card_scores"]) - np.sort(keras_out["card_scores"])).max())
    settled = settled_answers(keras_out["card_scores"], bound["card_scores"])
    differences = {"sorted card_scores": sorted_scores, "cards": 0.0, "card_orientation": 0.0}
    for image, slot in settled:
        match = np.flatnonzero(np.abs(tfjs["card_scores"][image] - keras_out["card_scores"][image, slot])
                               <= bound["card_scores"])
        assert len(match) == 1, (image, slot, match)
        for key in ("cards", "card_orientation"):
            difference = float(np.abs(tfjs[key][image, match[0]] - keras_out[key][image, slot]).max())
            differences[key] = max(differences[key], difference)
    print(f"{quantize} on {backend}: {len(settled)} settled answers, max abs differences {differences}")
    assert len({image for image, _ in settled}) >= 2, settled            # measured: every image, 3 to 72 answers
    assert sorted_scores <= bound["card_scores"], differences
    assert differences["cards"] <= bound["cards"] and differences["card_orientation"] <= bound["card_orientation"], (
        differences)


@pytest.mark.slow
def test_exported_graph_gathers_no_data(exported):
    """TF.js WASM 4.22's batched GatherV2 reads out of bounds, so the graph gathers nothing but shape vectors (the
    card head's decoding too: `CardPeaks` picks with one-hot products)."""
    graph = json.loads((exported["folder"] / "web_none" / "model.json").read_text())["modelTopology"]["node"]
    ops = {node["name"]: node["op"] for node in graph}
    gathers = [node for node in graph if "Gather" in node["op"]]
    sources = {node["name"]: ops[node["input"][0].split(":")[0].lstrip("^")] for node in gathers}
    assert set(sources.values()) <= {"Shape"}, sources
    # The decoders upsample with one resize each, not with repeats (Tile, 20 times slower on WASM).
    assert list(ops.values()).count("ResizeNearestNeighbor") == 4


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


def python_constants(net) -> dict:
    """The Python constants and the model's card head numbers the card carries to the JavaScript, named as the card
    names them."""
    card_peaks = net.get_layer("card_peaks")
    return {"presence_threshold": predictor.PRESENCE_THRESHOLD, "crop_margin": predictor.CROP_MARGIN,
            "max_refine_shift": predictor.MAX_REFINE_SHIFT, "turns": list(rotations.TURNS),
            "card_size": list(rectify.CARD_SIZE), "fill": [letterbox.FILL] * 3,
            "card_threshold": card_peaks.threshold, "max_cards": card_peaks.max_cards}


def card_constants(card: dict) -> dict:
    """The same values as the card holds them."""
    values = {key: value for key, value in card["inference"].items() if key != "meaning"}
    return {**values, "fill": card["input"]["letterbox"]["fill"]}


@pytest.mark.slow
def test_model_card_holds_the_python_constants(tiny_export, tiny_model, monkeypatch):
    """The exported card carries exactly the Python constants and the model's card head numbers, read when it is
    written: change one, the card follows."""
    card = json.loads((tiny_export["web"] / "model_card.json").read_text())
    assert card["schema"] == export.CARD_SCHEMA
    assert card_constants(card) == python_constants(tiny_model)
    assert set(card["inference"]["meaning"]) == set(card["inference"]) - {"meaning"}

    changed = {"model.inference.predictor.PRESENCE_THRESHOLD": 0.35, "model.inference.predictor.CROP_MARGIN": 0.3,
               "model.inference.predictor.MAX_REFINE_SHIFT": 0.1, "model.inference.rotations.TURNS": (0, 2),
               "model.inference.rectify.CARD_SIZE": (315, 440), "augment_tf.letterbox.FILL": 7}
    for name, value in changed.items():
        monkeypatch.setattr(name, value)
    monkeypatch.setattr(tiny_model.get_layer("card_peaks"), "threshold", 0.45)
    rewritten = card_constants(export.model_card(tiny_model, tiny_export["model"], "none", 0))
    assert rewritten == python_constants(tiny_model) == {
        "presence_threshold": 0.35, "crop_margin": 0.3, "max_refine_shift": 0.1, "turns": [0, 2],
        "card_size": [315, 440], "fill": [7, 7, 7], "card_threshold": 0.45, "max_cards": 64}


@pytest.mark.slow
def test_model_card_documents_the_card_head(tiny_export):
    """Each output of the card head has its node (the converter's own names, mended where outputs share a dtype and a
    shape), shape, meaning, and the decoding is written down."""
    card = json.loads((tiny_export["web"] / "model_card.json").read_text())
    signature = json.loads((tiny_export["web"] / "model.json").read_text())["signature"]["outputs"]
    assert sorted(signature) == sorted(export.PRIMARY_OUTPUTS + export.CARD_OUTPUTS)
    assert len({output["node"] for output in card["outputs"].values()}) == len(card["outputs"])
    for name in export.CARD_OUTPUTS:
        assert card["outputs"][name]["node"] == signature[name]["name"] and card["outputs"][name]["meaning"]
    assert card["outputs"]["cards"]["shape"] == [None, 64, 4, 2]
    assert card["outputs"]["card_scores"]["shape"] == card["outputs"]["card_orientation"]["shape"] == [None, 64]
    decoding = card["outputs"]["cards"]["decoding"]
    assert "CardPeaks" in decoding and "card_threshold" in decoding


@pytest.mark.slow
def test_a_model_without_the_card_head_exports_its_primary_card(primary_export):
    """A model saved before the card head exports as before: no card outputs in the graph or the card, whose schema
    stays the one the JavaScript reads (it then answers the primary card alone)."""
    card = json.loads((primary_export["web"] / "model_card.json").read_text())
    signature = json.loads((primary_export["web"] / "model.json").read_text())["signature"]["outputs"]
    assert sorted(signature) == sorted(card["outputs"]) == sorted(export.PRIMARY_OUTPUTS)
    assert card["schema"] == export.CARD_SCHEMA
    assert not {"card_threshold", "max_cards"} & set(card["inference"])


@pytest.mark.slow
def test_the_card_is_strict_json_where_best_json_holds_nan(tiny_model, tmp_path):
    """A run's NaN (a metric of a scene kind its set lacks) reaches the card as null, which `JSON.parse` reads; runs
    write their JSON that way from now on."""
    (tmp_path / "best.json").write_text('{"metrics": {"exact_overlapping": NaN, "within3_aware": 0.5}}')
    card = export.model_card(tiny_model, tmp_path / "best.keras", "none", 0)
    assert card["metrics"] == {"exact_overlapping": None, "within3_aware": 0.5}
    json.dumps(card, allow_nan=False)                                            # raises on a NaN left anywhere
    write_json(tmp_path / "run.json", {"recall": float("nan"), "sizes": [1.5, float("-inf")]})
    refuse = lambda constant: pytest.fail(f"{constant} in strict JSON")          # noqa: E731
    assert json.loads((tmp_path / "run.json").read_text(), parse_constant=refuse) == {"recall": None,
                                                                                   "sizes": [1.5, None]}


@pytest.mark.slow
def test_model_card_takes_the_model_config_only_from_best_json(tiny_export, tiny_model, tmp_path):
    """best.json beside the model gives the backbone and config; without it the card guesses neither."""
    card = json.loads((tiny_export["web"] / "model_card.json").read_text())
    assert card["backbone"] == "mobilenet_v2" and card["model_config"]["backbone"] == "mobilenet_v2"
    bare = export.model_card(tiny_model, tmp_path / "best.keras", "none", 0)     # no best.json in tmp_path
    assert not {"backbone", "model_config", "metrics", "metrics_source"} & set(bare), sorted(bare)
    (tmp_path / "best.json").write_text("[1, 2]")                                 # JSON, but not a run record
    assert not {"backbone", "model_config"} & set(export.model_card(tiny_model, tmp_path / "best.keras", "none", 0))
