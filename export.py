"""Export a trained corner model to a TF.js graph model for the browser.

    python export.py --model runs/cpu/best.keras --out web/model [--quantize none|float16|uint8] [--zip] [--overwrite]

The .keras model is wrapped in one serving signature (input `image`: float32
[N, S, S, 3] RGB in 0..255; outputs `coords` [N, 4, 2] TL, TR, BR, BL in 0..1
of the input, `presence` [N] and `heatmaps` [N, S/4, S/4, 4]), saved as a
SavedModel and converted with the tensorflowjs converter. WEB_DIR gets
model.json, the weight shards and model_card.json (schema version, input
contract, letterbox rule, corner order, the inference constants, config,
validation metrics, quantisation, weight bytes). The card is the one place the
JavaScript (web/src/findCard.js) reads the constants it shares with Python:
the presence threshold, the refinement crop's margin and largest shift, the
rotation turns, the straightened card's size and the letterbox's fill, written
here from the Python modules that define them.
Everything is written into a temporary folder beside WEB_DIR and renamed at
the end, so WEB_DIR is never half written.
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from augment_tf import letterbox  # noqa: E402
from model.inference import predictor, rectify, rotations  # noqa: E402
from model.inference.loading import ModelFileError, load_model  # noqa: E402
from mtg_tfds import atomic_files  # noqa: E402

QUANTIZE = ("none", "float16", "uint8")
CORNER_ORDER = ["TL", "TR", "BR", "BL"]
# model_card.json's layout. 1 (no "schema" key): no inference constants. 2: adds the "inference" section, numbers
# that web/src/modelCard.js reads along with input.size, input.letterbox.fill and outputs.*.node; it refuses a card
# of another schema.
CARD_SCHEMA = 2


class ExportError(RuntimeError):
    """The export cannot go on; the message is one line naming the thing."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python export.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", required=True, help="the .keras corner model to export (best.keras); a "
                        "best.json beside it adds its validation metrics and model config to the model card")
    parser.add_argument("--out", required=True, metavar="WEB_DIR",
                        help="folder to write model.json, the weight shards and model_card.json into")
    parser.add_argument("--quantize", choices=QUANTIZE, default="none",
                        help="weight storage: none (float32), float16 (half the size), uint8 (about a quarter: "
                             "affine per tensor, with depthwise and stem convolutions kept float16); only "
                             "learned weights are quantised, the soft-argmax's grids stay float32")
    parser.add_argument("--zip", action="store_true", help="also write WEB_DIR.zip holding the same files")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing WEB_DIR (and WEB_DIR.zip)")
    return parser.parse_args(argv)


def serving_module(net: tf.keras.Model) -> tf.Module:
    """A tf.Module whose `serve` is the one signature: image -> coords, presence, heatmaps."""
    size = int(net.input.shape[1])
    module = tf.Module()
    module.net = net

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, name="image")])
    def serve(image):
        outputs = net(image, training=False)
        return {name: tf.identity(outputs[name], name=name) for name in ("coords", "presence", "heatmaps")}

    module.serve = serve
    return module


def quantization_map(net, quantize: str) -> dict | None:
    """The converter's `quantization_dtype_map`: which weights are stored in which dtype.

    Only the layers that own variables are quantised. A blanket map
    (`{"uint8": True}`) would also quantise the constants the graph folds from
    parameter-free layers: the soft-argmax's cell-centre grid (uint8 moves a
    centre by up to 0.002 of the input and can widen or narrow its peak window
    by a cell) and the corner-order permutation matrices.

    Under uint8, the depthwise convolutions and the stem convolution (with the
    BatchNormalization folded into each) are stored as float16: one affine
    range per tensor is too coarse for kernels whose channels' scales differ
    this much (on the tiny test model, all-uint8 moved corners by 0.7% of the
    side, this mix by 0.35%, for 14% more bytes).
    """
    if quantize == "none":
        return None
    owners = [layer for layer in net.layers if layer.weights]
    fine = set()
    if quantize == "uint8":
        convs = [layer for layer in owners if isinstance(layer, keras.layers.Conv2D)]
        fine = {layer.name for layer in owners if isinstance(layer, keras.layers.DepthwiseConv2D)}
        fine |= {convs[0].name} if convs else set()
        fine |= {layer.name for layer in owners if isinstance(layer, keras.layers.BatchNormalization)
                 and layer.input._keras_history.operation.name in fine}

    def patterns(names):                      # a layer's ops are scoped `<name>/` or `<name>_<call index>/`
        return [pattern for name in names for pattern in (f"*/{name}/*", f"*/{name}_[0-9]/*", f"*/{name}_[0-9][0-9]/*")]

    dtypes = {quantize: patterns(layer.name for layer in owners if layer.name not in fine)}
    if fine:
        dtypes["float16"] = patterns(sorted(fine))
    return dtypes


def convert(net, folder: pathlib.Path, quantize: str) -> None:
    """Writes the TF.js graph model of `net` into `folder` (which exists and is empty)."""
    try:
        from tensorflowjs.converters import tf_saved_model_conversion_v2 as converter
    except ImportError as error:
        raise ExportError(f"the TF.js converter cannot be imported ({error}); install the export extra: "
                          "pip install -c constraints.txt -e '.[export]'") from None

    with tempfile.TemporaryDirectory(prefix="corners_savedmodel_") as saved:
        module = serving_module(net)
        tf.saved_model.save(module, saved, signatures={"serving_default": module.serve})
        try:
            converter.convert_tf_saved_model(saved, str(folder), signature_def="serving_default",
                                             saved_model_tags="serve", strip_debug_ops=True,
                                             quantization_dtype_map=quantization_map(net, quantize))
        except ValueError as error:
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            if lines and lines[0].startswith("Unsupported Ops"):
                raise ExportError(f"TF.js cannot run ops of this model: {', '.join(lines[1:])}") from None
            raise ExportError(f"the TF.js converter failed: {' '.join(lines)[:300]}") from None


def model_card(net, model_path: pathlib.Path, quantize: str, weights_bytes: int) -> dict:
    """What a JavaScript caller needs to feed the model, read its outputs and run the inference around it.

    The numbers the JavaScript runs on (`inference`, `input.letterbox.fill`)
    come from the Python modules that define them, read when the card is
    written, so the two sides cannot drift apart; the prose is for people.
    """
    size = int(net.input.shape[1])
    card = {
        "schema": CARD_SCHEMA,
        "format": "tfjs-graph-model",
        "source": model_path.name,
        "signature": "serving_default",
        "input": {
            "name": "image", "shape": [None, size, size, 3], "dtype": "float32", "size": size,
            "channels": "RGB", "range": [0, 255],
            "letterbox": {
                "rule": "scale the photo (as displayed, EXIF orientation applied) to fit the square, aspect "
                        "kept, centred, the rest `fill`",
                "scale": "size / max(width, height)",
                "inner_side": "floor(side * scale + 0.5), at least 1 (JavaScript's Math.round)",
                "offset": "(size - inner_side) // 2 on each axis",
                "resize": "bilinear, antialiased when shrinking (tf.image.resize(antialias=True))",
                "fill": [letterbox.FILL] * 3,
                "to_photo": "x_photo = (x_input - offset_x) * width / inner_w, likewise y",
            },
        },
        "outputs": {
            "coords": {"shape": [None, 4, 2], "order": CORNER_ORDER,
                       "meaning": "corners of the card's face as it reads upright, (x, y) in 0..1 of the input; "
                                  "pixel (row i, column j) covers [j, j+1) x [i, i+1), so 0 and 1 are the "
                                  "input's outer edges (multiply by the input size for input pixels)"},
            "presence": {"shape": [None], "meaning": "probability that the frame holds a whole card"},
            "heatmaps": {"shape": [None, size // 4, size // 4, 4],
                         "meaning": "each heatmap channel's probability map (channel order, not face order)"},
        },
        "how_to_run": "model.execute(image, [outputs.coords.node, outputs.presence.node, outputs.heatmaps.node]); "
                      "model.predict's output order is not the names' order",
        "corner_order": CORNER_ORDER,
        "inference": inference_constants(),
        "quantization": quantize,
        "weights_bytes": weights_bytes,
    }
    card.update(run_record(model_path))
    return card


def inference_constants() -> dict:
    """The card's `inference` section: the constants `Predictor` and `rectify` run on, which findCard.js reads."""
    return {
        "presence_threshold": predictor.PRESENCE_THRESHOLD,
        "crop_margin": predictor.CROP_MARGIN,
        "max_refine_shift": predictor.MAX_REFINE_SHIFT,
        "turns": list(rotations.TURNS),
        "card_size": list(rectify.CARD_SIZE),
        "meaning": {
            "presence_threshold": "presence at or above which a card is found: the second pass runs, the card is "
                                  "straightened",
            "crop_margin": "the second pass's crop: the first quad's bounding box plus this fraction of its longer "
                           "side on every side, made square where the photo allows",
            "max_refine_shift": "the second pass's corners are kept only where it also finds a card and moves no "
                                "corner further than this fraction of the first quad's longer side",
            "turns": "quarter turns (counter-clockwise) each pass's input is run at, the answers voting; the first "
                     "alone without the ensemble",
            "card_size": "[width, height] of the straightened card in pixels",
        },
    }


def run_record(model_path: pathlib.Path) -> dict:
    """The card's `model_config`, `backbone` and `metrics`, from the training run's best.json beside the model.

    Without a readable best.json the card has none of them: the model's own
    name or layers are not a reliable record of how it was configured.
    """
    sidecar = model_path.with_name("best.json")
    try:
        record = json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    entries = {}
    if isinstance(record.get("model"), dict):
        entries["model_config"] = record["model"]
        if "backbone" in record["model"]:
            entries["backbone"] = record["model"]["backbone"]
    if isinstance(record.get("metrics"), dict):
        entries["metrics"] = record["metrics"]
        entries["metrics_source"] = sidecar.name
    return entries


def write_zip(folder: pathlib.Path, target: pathlib.Path) -> None:
    """Zips folder's files (under the folder's name) into target, atomically."""
    with atomic_files.replacing(target) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{target.stem}/{path.name}")


def export(model_path: pathlib.Path, out: pathlib.Path, quantize: str = "none", make_zip: bool = False,
           overwrite: bool = False) -> dict:
    """Exports `model_path` to `out`; returns the model card.

    Raises:
      ModelFileError: the model file is missing or not a corner model.
      ExportError: the output exists (without overwrite) or cannot be written, or TF.js cannot run the model.
    """
    archive = out.with_name(out.name + ".zip")
    for target in (out, archive) if make_zip else (out,):
        if target.exists() and not overwrite:
            raise ExportError(f"{target} already exists (pass --overwrite to replace it)")
    blocker = next((folder for folder in (out.parent, *out.parent.parents) if folder.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ExportError(f"{blocker}: is a file, not a folder; cannot write {out} there")
    try:
        with atomic_files.replacing_folder(out) as staging:
            write_export(model_path, staging, quantize)
    except OSError as error:
        raise ExportError(f"{error.filename or out}: cannot write ({error.strerror or error})") from None
    card = json.loads((out / "model_card.json").read_text())
    if make_zip:
        try:
            write_zip(out, archive)
        except OSError as error:
            raise ExportError(f"{archive}: cannot write ({error.strerror or error})") from None
    return card


def write_export(model_path: pathlib.Path, folder: pathlib.Path, quantize: str) -> None:
    """Writes the TF.js model of `model_path` and its model card into the empty `folder`."""
    net = load_model(model_path)
    convert(net, folder, quantize)
    weights_bytes = sum(path.stat().st_size for path in folder.glob("*.bin"))
    card = model_card(net, model_path, quantize, weights_bytes)
    signature = json.loads((folder / "model.json").read_text())["signature"]
    for name, output in card["outputs"].items():
        output["node"] = signature["outputs"][name]["name"]
    (folder / "model_card.json").write_text(json.dumps(card, indent=1) + "\n")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = pathlib.Path(args.out)
    try:
        card = export(pathlib.Path(args.model), out, args.quantize, args.zip, args.overwrite)
    except (ModelFileError, ExportError) as error:
        sys.exit(f"error: {error}")
    print(f"wrote {out} ({args.quantize}, {card['weights_bytes']} bytes of weights, input {card['input']['size']})"
          + (f" and {out.name}.zip" if args.zip else ""))


if __name__ == "__main__":
    main()
