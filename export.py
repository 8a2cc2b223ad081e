"""Export a trained corner model to a TF.js graph model for the browser.

    python export.py --model runs/cpu/best.keras --out web/model [--quantize none|float16|uint8] [--zip] [--overwrite]

The .keras model is wrapped in one serving signature (input `image`: float32
[N, S, S, 3] RGB in 0..255; outputs `coords` [N, 4, 2] TL, TR, BR, BL in 0..1
of the input, `presence` [N] and `heatmaps` [N, S/4, S/4, 4] for the primary
card, and, where the model has the card head, `cards` [N, K, 4, 2],
`card_scores` [N, K] and `card_orientation` [N, K] for every card), saved as a
SavedModel and converted with the tensorflowjs converter, whose model.json is
then mended where TF.js would misread it (`tidy_graph`). WEB_DIR gets
model.json, the weight shards and model_card.json (schema version, input
contract, letterbox rule, corner order, the inference constants, config,
validation metrics, quantisation, weight bytes). The card is the one place the
JavaScript (web/src/findCard.js) reads the constants it shares with Python:
the presence threshold, the refinement crop's margin and largest shift, the
rotation turns, the straightened card's size and the letterbox's fill, written
here from the Python modules that define them, and the card head's threshold and
K, read from the model's `CardPeaks` layer.
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
from model.layers.card_peaks import CardPeaks  # noqa: E402
from model.training.run_files import strict_json  # noqa: E402
from mtg_tfds import atomic_files  # noqa: E402

QUANTIZE = ("none", "float16", "uint8")
CORNER_ORDER = ["TL", "TR", "BR", "BL"]
# model_card.json's layout. 1 (no "schema" key): no inference constants. 2: adds the "inference" section, numbers
# that web/src/modelCard.js reads along with input.size, input.letterbox.fill and outputs.*.node; it refuses a card
# of another schema. The card head's entries (outputs.cards, outputs.card_scores, outputs.card_orientation,
# inference.card_threshold, inference.max_cards) are an optional part of schema 2, present exactly when the model
# has a card head: a reader of schema 2 that predates them ignores them, and one that knows them falls back to the
# primary card without them, so neither an old export nor an old web/src needs a new schema.
CARD_SCHEMA = 2
# The serving signature's outputs, where the model has them: the primary card's (every corner model), then the card
# head's (models saved before it have none).
PRIMARY_OUTPUTS = ("coords", "presence", "heatmaps")
CARD_OUTPUTS = ("cards", "card_scores", "card_orientation")
# The converted graph's convolutions with a fused bias (`flatten_fused_biases`).
FUSED_CONVOLUTIONS = ("_FusedConv2D", "FusedDepthwiseConv2dNative")


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


def card_peaks(net) -> CardPeaks | None:
    """The model's card head decoder (its threshold and K), or None for a model saved before the card head."""
    return next((layer for layer in net.layers if isinstance(layer, CardPeaks)), None)


def output_names(net) -> list[str]:
    """The outputs the serving signature carries: `PRIMARY_OUTPUTS`, then `CARD_OUTPUTS` where the model has them."""
    return [name for name in PRIMARY_OUTPUTS + CARD_OUTPUTS if name in net.output]


def serving_module(net: tf.keras.Model) -> tf.Module:
    """A tf.Module whose `serve` is the one signature: image -> coords, presence, heatmaps (and the card head's)."""
    size = int(net.input.shape[1])
    names = output_names(net)
    module = tf.Module()
    module.net = net

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, name="image")])
    def serve(image):
        outputs = net(image, training=False)
        return {name: tf.identity(outputs[name], name=name) for name in names}

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
        tidy_graph(folder / "model.json", output_nodes(saved))


def output_nodes(saved: str) -> dict[str, str]:
    """Each output of the SavedModel's serving signature, and the graph tensor the converter names it by.

    The converter's nodes are the signature function's outputs, in the order
    of the output names sorted (how `tf.nest` flattens a dict).
    """
    function = tf.saved_model.load(saved).signatures["serving_default"]
    tensors = tf.nest.pack_sequence_as(function.structured_outputs, function.outputs)
    return {name: tensor.name for name, tensor in tensors.items()}


def tidy_graph(model_json: pathlib.Path, nodes: dict[str, str]) -> None:
    """Mends two things the converter writes into model.json: the signature's output names and rank-4 biases."""
    graph = json.loads(model_json.read_text())
    name_signature_outputs(graph["signature"], nodes)
    flatten_fused_biases(graph)
    model_json.write_text(json.dumps(graph))


def name_signature_outputs(signature: dict, nodes: dict[str, str]) -> None:
    """Keys model.json's signature outputs by the outputs' names.

    The converter finds an output's name by its dtype and shape alone, so
    outputs alike in both (`card_scores` and `card_orientation`, float32
    [N, K] each) are left keyed by their tensor's name ("Identity_1:0"):
    here each gets its own name back, from `nodes` (`output_nodes`).
    """
    by_node = {entry["name"]: entry for entry in signature["outputs"].values()}
    signature["outputs"] = {name: by_node[node] for name, node in nodes.items()}


def flatten_fused_biases(graph: dict) -> None:
    """Stores the biases fused into convolutions as vectors [C], as TF.js's WASM kernels need them.

    Keras adds a convolution's bias as a [1, 1, 1, C] tensor. The converter
    squeezes it to [C] where C > 1, but leaves a one-filter convolution's (the
    card head's centre logits) as [1, 1, 1, 1], which the WASM backend's
    FusedConv2D refuses ("only supports rank-1 bias"; the CPU backend
    broadcasts it). The values are the same in either shape.
    """
    weights = {spec["name"]: spec for group in graph["weightsManifest"] for spec in group["weights"]}
    constants = {node["name"]: node for node in graph["modelTopology"]["node"] if node["op"] == "Const"}
    for node in graph["modelTopology"]["node"]:
        if node["op"] not in FUSED_CONVOLUTIONS or len(node["input"]) < 3:
            continue
        bias = node["input"][2].split(":")[0]                    # inputs: features, filter, bias
        spec = weights.get(bias)
        if spec is None or len(spec["shape"]) == 1 or any(side != 1 for side in spec["shape"][:-1]):
            continue
        spec["shape"] = spec["shape"][-1:]
        if bias in constants:
            constants[bias]["attr"]["value"]["tensor"]["tensorShape"] = {"dim": [{"size": str(spec["shape"][0])}]}


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
            **card_outputs(net),
        },
        "how_to_run": "model.execute(image, [outputs.coords.node, outputs.presence.node, ...]), one node name per "
                      "output wanted (outputs.cards.node, outputs.card_scores.node and outputs.card_orientation.node "
                      "for every card, where the card has them); model.predict's output order is not the names' order",
        "corner_order": CORNER_ORDER,
        "inference": inference_constants(net),
        "quantization": quantize,
        "weights_bytes": weights_bytes,
    }
    card.update(run_record(model_path))
    return card


def card_outputs(net) -> dict:
    """The card's `outputs` entries of the card head, none for a model saved before it."""
    head = card_peaks(net)
    if head is None:
        return {}
    count = head.max_cards
    return {
        "cards": {"shape": [None, count, 4, 2], "order": CORNER_ORDER,
                  "decoding": "in the graph (CardPeaks): a cell of the card-centre map is a card where it is the "
                              "highest of its 3 x 3 neighbours; the inference.max_cards highest such cells are the "
                              "answers, "
                              "each card's corners read from the offsets at its cell and put in face order by the "
                              "orientation there; answers scoring at least inference.card_threshold come first, "
                              "nearest the input's centre first, then the rest by score",
                  "meaning": "every card's corners, TL, TR, BR, BL of its face as it reads upright, (x, y) in 0..1 "
                             "of the input as for coords; slots past the cards found score near 0"},
        "card_scores": {"shape": [None, count],
                        "meaning": "probability that each answer of cards is a whole card's centre"},
        "card_orientation": {"shape": [None, count],
                             "meaning": "probability of the face order each answer of cards was put in (its "
                                        "orientation classifier's largest probability)"},
    }


def inference_constants(net) -> dict:
    """The card's `inference` section: the constants `Predictor` and `rectify` run on, which findCard.js reads.

    The card head's threshold and K are the model's own (its `CardPeaks`
    layer), where it has a card head.
    """
    head = card_peaks(net)
    cards = {} if head is None else {"card_threshold": head.threshold, "max_cards": head.max_cards}
    return {
        "presence_threshold": predictor.PRESENCE_THRESHOLD,
        "crop_margin": predictor.CROP_MARGIN,
        "max_refine_shift": predictor.MAX_REFINE_SHIFT,
        "turns": list(rotations.TURNS),
        "card_size": list(rectify.CARD_SIZE),
        **cards,
        "meaning": {
            "presence_threshold": "presence at or above which a card is found: the second pass runs, the card is "
                                  "straightened",
            "crop_margin": "the second pass's crop: the first quad's bounding box plus this fraction of its longer "
                           "side on every side, made square where the photo allows",
            "max_refine_shift": "the second pass's corners are kept only where it also finds a card and moves no "
                                "corner further than this fraction of the first quad's longer side, whichever "
                                "corner it names first (its reading of the face wins)",
            "turns": "quarter turns (counter-clockwise) each pass's input is run at, the answers voting; the first "
                     "alone without the ensemble",
            "card_size": "[width, height] of the straightened card in pixels",
            **({} if head is None else {
                "card_threshold": "card score (outputs.card_scores) at or above which an answer of the card head "
                                  "is a card: each is refined on its crop (kept where it answers the same card: "
                                  "its centre inside the answer), refined again as the primary card is, counted "
                                  "once, and listed nearest the photo's centre first",
                "max_cards": "K, the number of answers of the card head per input (outputs.cards), the most cards "
                             "one photo can yield"}),
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
        entries["metrics"] = strict_json(record["metrics"])        # runs before 2026-12-06 wrote NaN
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
    (folder / "model_card.json").write_text(json.dumps(card, indent=1, allow_nan=False) + "\n")


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
