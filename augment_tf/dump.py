"""Dump a static dataset of synthesised photos for inspection or fixed training sets.

    python -m augment_tf.dump --data_dir DIR --out OUT --num N [--size 1024] [--seed S]

Writes OUT/00000_Card_Name.jpg ..., OUT/annotations.json in the seed project's
schema (corners in pixels of the written image) with the real photos' `cards`
(every whole card, the labelled one first, the others nearest the centre
first: `synthesize`'s `card_whole`), and OUT/contact_sheet.png with
the corners drawn on a grid of the first samples. Frames the synthesis makes
without a whole card (`SceneConfig.empty_p`) are skipped: every written image
holds the card its record describes.

A dump lands whole or not at all. It is written into OUT/.dump-new and moved
into OUT only once complete. `--overwrite` replaces OUT's dump, which is its
annotations.json, the files that lists and contact_sheet.png, and nothing else:
other files in OUT stay untouched (a new file that would overwrite one stops the
dump instead). The swap moves the old dump into OUT/.dump-old (annotations.json
last), the new one into OUT (annotations.json first), then deletes .dump-old, so
OUT never holds an image without the annotations.json that lists it.

A dump killed part way is recovered by the next dump into the same OUT (one
dump per OUT at a time), before anything else: .dump-new alone is an unfinished
dump and is deleted (OUT still holds the old dump, whole); .dump-new beside
.dump-old is a whole new dump half swapped in, and the swap is finished;
.dump-old alone is a finished swap and is deleted. Interrupted in Python
(Ctrl-C), the dump deletes .dump-new itself.
"""

import argparse
import io
import math
import os
import pathlib
import re
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402
import tqdm  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from augment_tf import annotations, pipeline, synthesize  # noqa: E402
from augment_tf.config import SynthesisConfig, add_recipe_flag, recipe  # noqa: E402
from mtg_tfds import atomic_files  # noqa: E402

_CORNER_COLOURS = ["#ff3030", "#30ff30", "#3080ff", "#ffe030"]  # TL, TR, BR, BL
_SHEET_TILE = 256
_SHEET_COUNT = 16
_CONTACT_SHEET = "contact_sheet.png"
_NEW = ".dump-new"      # inside OUT: the dump being written, then moved into OUT
_OLD = ".dump-old"      # inside OUT: the replaced dump during the swap


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m augment_tf.dump", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data_dir", default=os.path.expanduser("~/tensorflow_datasets"),
                        help="TFDS data folder that `tfds build mtg_tfds` wrote to")
    parser.add_argument("--config", default="procedural", help="which mtg_tfds config to read cards from")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--num", type=int, required=True, help="number of images to write")
    parser.add_argument("--size", type=int, default=1024, help="image side in pixels (a multiple of 16)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same images")
    parser.add_argument("--batch_size", type=int, default=8, help="images synthesised per step")
    parser.add_argument("--quality", type=int, default=92, help="JPEG quality of the written images")
    add_recipe_flag(parser)
    parser.add_argument("--xla", choices=["auto", "on", "off"], default="auto",
                        help="compile the synthesis with XLA; auto: on with a GPU or for 256+ images")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into a non-empty OUT, replacing an earlier dump's files")
    args = parser.parse_args(argv)
    for name, low in (("num", 1), ("batch_size", 1), ("size", 16)):
        if getattr(args, name) < low:
            parser.error(f"--{name} must be at least {low}, got {getattr(args, name)}")
    if args.size % 16:
        parser.error(f"--size must be a multiple of 16, got {args.size}")
    if not 1 <= args.quality <= 100:
        parser.error(f"--quality must be in 1..100, got {args.quality}")
    args.synthesis = synthesis_config(parser, args)
    return args


def synthesis_config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> SynthesisConfig:
    """The default recipe at --size, changed by the --synthesis_config file if one is given."""
    try:
        config = recipe(args.size, args.synthesis_config)
    except ValueError as error:
        parser.error(f"--synthesis_config {args.synthesis_config}: {error}")
    if config.scene.empty_p >= 1.0:
        parser.error(f"--synthesis_config {args.synthesis_config}: empty_p {config.scene.empty_p} leaves no card "
                     "to dump")
    return config


def prepare_output(out: pathlib.Path, overwrite: bool) -> pathlib.Path:
    """Creates OUT, recovers an interrupted dump there, and refuses a non-empty OUT unless `overwrite`.

    Returns:
      The empty folder OUT/.dump-new to write the new dump into.
    """
    if out.exists() and not out.is_dir():
        raise SystemExit(f"error: --out {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    recover(out)
    if any(out.iterdir()) and not overwrite:
        raise SystemExit(f"error: --out {out} is not empty; pass --overwrite to replace its dump")
    try:
        own_files(out)                      # a malformed annotations.json stops the dump now, not after the synthesis
    except annotations.AnnotationError as error:
        raise SystemExit(f"error: {error}; --overwrite cannot tell which files are the old dump's") from None
    new = out / _NEW
    new.mkdir()
    return new


def recover(out: pathlib.Path) -> None:
    """Deletes or finishes what a dump killed part way left in OUT (see the module docstring)."""
    new, old = out / _NEW, out / _OLD
    if new.exists() and not old.exists():
        print(f"deleting an unfinished dump in {new}", file=sys.stderr)
        shutil.rmtree(new)
    elif new.exists():
        print(f"finishing an interrupted swap of a whole dump into {out}", file=sys.stderr)
        swap_in(out)
    elif old.exists():
        shutil.rmtree(old)


def own_files(folder: pathlib.Path) -> list[str]:
    """The dump in `folder`: the files its annotations.json lists, contact_sheet.png, then annotations.json.

    Without an annotations.json there is no dump. Only plain, visible names directly in
    `folder` count, so a listed `../x` or `sub/x` never makes `--overwrite` move anything.

    Raises:
      annotations.AnnotationError: annotations.json is malformed.
    """
    if not (folder / annotations.ANNOTATIONS).is_file():
        return []
    listed = [record["filename"] for record in annotations.read_annotations(folder)] + [_CONTACT_SHEET]
    plain = [name for name in dict.fromkeys(listed)
             if name == pathlib.PurePath(name).name and not name.startswith(".") and name != annotations.ANNOTATIONS]
    return [name for name in plain if (folder / name).is_file()] + [annotations.ANNOTATIONS]


def commit(out: pathlib.Path) -> None:
    """Swaps the whole dump in OUT/.dump-new in for OUT's; stops instead if it would overwrite another file."""
    new = out / _NEW
    ours = set(own_files(out))
    clashes = sorted(path.name for path in new.iterdir()
                     if os.path.lexists(out / path.name) and path.name not in ours)
    if clashes:
        shutil.rmtree(new)
        raise SystemExit(f"error: the new dump would overwrite {out / clashes[0]}, which is not the old dump's "
                         f"({len(clashes)} such files); move them or choose another --out")
    swap_in(out)


def swap_in(out: pathlib.Path) -> None:
    """Moves OUT's dump into OUT/.dump-old and the whole one in OUT/.dump-new into OUT, then deletes the old.

    Safe to run again after being killed at any point: while .dump-new holds its
    annotations.json, OUT's annotations.json (if any) is still the old one.
    """
    new, old = out / _NEW, out / _OLD
    old.mkdir(exist_ok=True)
    if (new / annotations.ANNOTATIONS).exists():
        for name in own_files(out):                                 # annotations.json last
            os.replace(out / name, old / name)
        os.replace(new / annotations.ANNOTATIONS, out / annotations.ANNOTATIONS)
    for path in sorted(new.iterdir()):
        os.replace(path, out / path.name)
    new.rmdir()
    shutil.rmtree(old)


def whole_cards(result: dict[str, tf.Tensor]) -> list[list[np.ndarray]]:
    """Per image, the whole cards other than the labelled one, nearest the frame's centre first.

    With the labelled card first, they are a record's `cards`, as the real-photo labels list them.
    """
    cards, whole = result["cards"].numpy(), result["card_whole"].numpy()                # [B, K, 4, 2], [B, K]
    size = result["image"].shape[1]
    found = []
    for quads, flags in zip(cards[:, 1:], whole[:, 1:]):
        others = quads[flags]
        order = np.argsort(np.linalg.norm(others.mean(axis=1) - size / 2, axis=-1))
        found.append([others[index] for index in order])
    return found


def filename(index: int, card_name: str) -> str:
    """`00042_Llanowar_Elves.jpg`, as the seed named its images."""
    return f"{index:05d}_{re.sub(r'[^A-Za-z0-9]+', '_', card_name).strip('_') or 'card'}.jpg"


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def contact_sheet(images: list[np.ndarray], corners: list[np.ndarray]) -> Image.Image:
    """A grid of thumbnails with each corner drawn in its own colour (TL red, TR green, BR blue, BL yellow)."""
    columns = math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / columns)
    sheet = Image.new("RGB", (columns * _SHEET_TILE, rows * _SHEET_TILE), "black")
    for index, (image, points) in enumerate(zip(images, corners)):
        tile = Image.fromarray(image).resize((_SHEET_TILE, _SHEET_TILE), Image.Resampling.BILINEAR)
        scaled = points * (_SHEET_TILE / image.shape[1])
        draw = ImageDraw.Draw(tile)
        draw.polygon([tuple(p) for p in scaled], outline="white")
        for (x, y), colour in zip(scaled, _CORNER_COLOURS):
            draw.ellipse((x - 4, y - 4, x + 4, y + 4), outline=colour, width=2)
        sheet.paste(tile, ((index % columns) * _SHEET_TILE, (index // columns) * _SHEET_TILE))
    return sheet


def dump(args: argparse.Namespace) -> None:
    """Writes the dump into OUT/.dump-new, then swaps it in (see the module docstring)."""
    out = pathlib.Path(args.out)
    builder = pipeline.load_builder(args.data_dir, args.config)
    new = prepare_output(out, args.overwrite)
    try:
        count = write_dump(args, builder, new)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    commit(out)
    print(f"wrote {count} images, {out / annotations.ANNOTATIONS} and {out / _CONTACT_SHEET}")


def write_dump(args: argparse.Namespace, builder: tfds.core.DatasetBuilder, folder: pathlib.Path) -> int:
    """Synthesises `args.num` images into `folder` with their annotations.json and contact sheet; returns the count."""
    config = args.synthesis
    use_xla = args.xla == "on" or (args.xla == "auto" and (tf.config.list_physical_devices("GPU") or args.num >= 256))
    synthesise = synthesize.compile_synthesis(config, jit_compile=bool(use_xla))
    batches = pipeline.training_batches(builder, config, args.batch_size, seed=args.seed)
    records, sheet_images, sheet_corners = [], [], []
    with tqdm.tqdm(total=args.num, unit="img", desc=f"dumping to {args.out}") as progress:
        for step, batch in enumerate(batches):
            result = synthesise(batch["cards"], batch["backgrounds"], tf.constant([args.seed, step]))
            images = np.uint8(np.round(result["image"].numpy() * 255))
            for image, corners, cards, name, present in zip(images, result["corners"].numpy(), whole_cards(result),
                                                            batch["name"].numpy(), result["present"].numpy()):
                if len(records) == args.num:
                    break
                if not present:                     # a frame without a whole card has no corners to record
                    continue
                card_name = name.decode()
                path = folder / filename(len(records), card_name)
                atomic_files.write_bytes(path, encode_jpeg(image, args.quality))
                records.append({"filename": path.name, "card_name": card_name, "corners": corners,
                                "cards": [corners, *cards]})
                if len(sheet_images) < _SHEET_COUNT:
                    sheet_images.append(image)
                    sheet_corners.append(corners)
                progress.update(1)
            if len(records) == args.num:
                break
    annotations.write_annotations(folder, records)
    buffer = io.BytesIO()
    contact_sheet(sheet_images, sheet_corners).save(buffer, format="PNG")
    atomic_files.write_bytes(folder / _CONTACT_SHEET, buffer.getvalue())
    return len(records)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        dump(args)
    except pipeline.DatasetNotFoundError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
