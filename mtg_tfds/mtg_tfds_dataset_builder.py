"""mtg_tfds: Magic: The Gathering card images with their 4 corners, and background photos.

Two splits share one feature set:
  * `cards`: one card per example, RGBA (alpha is the card's true outline), its
    corners TL, TR, BR, BL of the printed card, and Scryfall's metadata fields;
  * `backgrounds`: the photos and textures cards are composited onto, opaque
    RGBA, corners at the image's own corners, with `source` and `license`.

Configs:
  * `procedural` (default, offline): cards drawn by `generators.procedural_cards`.
  * `scryfall`: real cards from Scryfall's `unique_artwork` bulk file. It is
    not in `BUILDER_CONFIGS`, so a plain `tfds build mtg_tfds` stays offline;
    ask for it with `--config scryfall` (or JSON: `--config '{"name":
    "scryfall_30", "source": "scryfall", "cycles": 30}'`). The bulk file used
    is recorded in the dataset's metadata (`info.metadata["scryfall_bulk_file"]`);
    `"bulk_file": "<its path>"` builds from that file again.
  * a card folder: card images a user already has (Scryfall PNGs downloaded
    elsewhere, scans), offline: `--config '{"name": "my_cards", "source":
    "folder", "cards_dir": "/path/to/cards"}'`.
"""

import contextlib
import dataclasses
import logging
import pathlib
from typing import Iterator

import numpy as np
import tensorflow_datasets as tfds
from PIL import Image

from mtg_tfds import background_folder, card_shape, scryfall
from mtg_tfds.generators import procedural_cards

_LOG = logging.getLogger(__name__)
_PROCEDURAL_LICENSE = "GPL-3.0-or-later (drawn by mtg_tfds/generators/procedural_cards.py)"
_SCRYFALL_LICENSE = "Wizards of the Coast Fan Content Policy; image via Scryfall"


@dataclasses.dataclass
class MtgConfig(tfds.core.BuilderConfig):
    """How to build the dataset.

    Attributes:
      source: "procedural" (offline) or "scryfall".
      num_cards: procedural cards to draw.
      seed: seed of the procedural cards and of Scryfall's parity sampling.
      cycles: Scryfall parity cycles; each takes one card per (border colour,
        colour group) pair.
      border_colors: the border colours Scryfall sampling crosses with colour
        groups ("silver" and "gold" are off by default).
      backgrounds_dir: folder of background images; "" means the bundled
        `backgrounds/`.
      cards_dir: with source "folder": the folder of card images (png, jpg,
        webp), each a whole card filling its image; its name is the file's.
      bulk_file: with source "scryfall": a bulk file on disk to draw from
        instead of downloading Scryfall's current one, e.g. the `path` an
        earlier build recorded in `info.metadata["scryfall_bulk_file"]`, so
        builds made on different days draw the same cards. "" downloads.
    """
    source: str = "procedural"
    num_cards: int = 400
    seed: int = 0
    cycles: int = 10
    border_colors: tuple[str, ...] = scryfall.DEFAULT_BORDER_COLORS
    backgrounds_dir: str = ""
    cards_dir: str = ""
    bulk_file: str = ""


PROCEDURAL = MtgConfig(
    name="procedural", description="400 procedural cards drawn offline from seed 0, and the bundled backgrounds.")
SCRYFALL = MtgConfig(
    name="scryfall", source="scryfall",
    description="Real cards from Scryfall's unique_artwork bulk file, 10 parity cycles over black, white and "
                "borderless cards, and the bundled backgrounds. Needs network (or $SCRYFALL_API_URL).")


class Builder(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for mtg_tfds."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Cards with corners and metadata; backgrounds with source and licence.",
        "1.0.1": "Procedural cards' `license` and generated backgrounds' `source` name the generators' new "
                 "home, mtg_tfds/generators/; every image is unchanged.",
        "1.1.0": "Procedural cards come in 11 layout families drawn evenly: the 1993, 1997, 2003 and 2015 frames, "
                 "borderless, basic lands (and full-art lands), planeswalkers, sagas, split cards, adventures "
                 "and tokens; their `frame`, `layout`, `full_art` and `border_color` say which "
                 "(`generators.card_families.family_of`). Art adds figures in landscapes and dark and bright "
                 "scenes. Every procedural card changed.",
    }
    BUILDER_CONFIGS = [PROCEDURAL]  # What a plain `tfds build mtg_tfds` builds: offline only.
    DEFAULT_BUILDER_CONFIG_NAME = "procedural"

    @tfds.core.utils.classproperty
    @classmethod
    def builder_configs(cls) -> dict[str, MtgConfig]:
        """Every named config, the online `scryfall` one included."""
        return {config.name: config for config in (*cls.BUILDER_CONFIGS, SCRYFALL)}

    def _info(self) -> tfds.core.DatasetInfo:
        text = tfds.features.Text()
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(None, None, 4)),
                "corners": tfds.features.Tensor(shape=(4, 2), dtype=np.float32),
                "name": text, "id": text, "set": text, "border_color": text, "frame": text,
                "full_art": tfds.features.Tensor(shape=(), dtype=np.bool_),
                "colors": tfds.features.Sequence(text), "color_identity": tfds.features.Sequence(text),
                "layout": text, "source": text, "license": text,
            }),
            homepage="https://scryfall.com/docs/api",
            # Scryfall builds record their bulk file here (`_split_generators`).
            metadata=tfds.core.MetadataDict(),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        config = self.builder_config
        folder = (pathlib.Path(config.backgrounds_dir) if config.backgrounds_dir
                  else background_folder.default_folder())
        with _input_errors_end_the_build():
            photos = list(background_folder.iter_backgrounds(folder))   # read once: a split, and card art
        if config.source == "scryfall":
            client = scryfall.ScryfallClient(cache_dir=pathlib.Path(dl_manager.download_dir) / "scryfall")
            with _input_errors_end_the_build():
                bulk = scryfall.local_bulk_file(config.bulk_file) if config.bulk_file else client.bulk_file()
                usable = scryfall.usable_cards(bulk.cards())
            self.info.metadata["scryfall_bulk_file"] = bulk.as_metadata()
            chosen = scryfall.parity_sample(usable, config.cycles, tuple(config.border_colors), config.seed)
            cards = _scryfall_examples(client, chosen)
        elif config.source == "procedural":
            cards = _procedural_examples(config, [photo.image for photo in photos])
        elif config.source == "folder":
            with _input_errors_end_the_build():
                paths = _card_files(pathlib.Path(config.cards_dir))
            cards = _folder_examples(paths)
        else:
            raise ValueError("MtgConfig.source must be 'procedural', 'scryfall' or 'folder'. "
                             f"Received: {config.source!r}")
        return {"cards": self._generate_examples(cards), "backgrounds": self._generate_examples(_backgrounds(photos))}

    def _generate_examples(self, examples: Iterator[tuple[str, dict]]):
        """Yields (stable key, example); the feature types encode the arrays."""
        yield from examples


def _card_example(meta: dict, rgba: np.ndarray, source: str, license_: str) -> dict:
    height, width = rgba.shape[:2]
    return {**meta, "image": rgba, "corners": card_shape.card_corners(width, height),
            "source": source, "license": license_}


def _procedural_examples(config: MtgConfig, photos: list[np.ndarray]) -> Iterator[tuple[str, dict]]:
    """Procedural cards; some art boxes are cut from the background photos."""
    for meta, rgba in procedural_cards.generate_cards(config.num_cards, config.seed, photos):
        yield meta["id"], _card_example(meta, rgba, f"procedural (seed {config.seed})", _PROCEDURAL_LICENSE)


@contextlib.contextmanager
def _input_errors_end_the_build():
    """Ends the build with one line `error: ...` naming the file or URL, instead of a traceback.

    For what the user gave or the network answered (a missing folder, a bulk
    file that cannot be had, an HTTP error), not for bugs: `tfds build` prints
    the message of the SystemExit and exits with status 1.
    """
    try:
        yield
    except (FileNotFoundError, scryfall.BulkFileError, scryfall.ScryfallError) as error:
        raise SystemExit(f"error: {error}") from None


def _scryfall_examples(client: scryfall.ScryfallClient, cards: list[dict]) -> Iterator[tuple[str, dict]]:
    """Downloaded (or cached) Scryfall cards; corrupt images are skipped and reported."""
    for card in cards:
        path = client.card_image(card)
        if path is None:
            continue
        with Image.open(path) as image:
            rgba = card_shape.card_rgba(image)
        yield card["id"], _card_example(scryfall.card_metadata(card), rgba, path.name, _SCRYFALL_LICENSE)
    if client.skipped:
        _LOG.warning("Skipped %d Scryfall cards whose images were corrupt or unavailable "
                     "(reasons logged above): %s", len(client.skipped),
                     ", ".join(f"{name} ({card_id})" for card_id, name, _ in client.skipped))


def _card_files(folder: pathlib.Path) -> list[pathlib.Path]:
    """The card images (by suffix) in a folder, sorted; FileNotFoundError if there is no folder or no image."""
    if not folder.is_dir():
        raise FileNotFoundError(f"cards_dir {folder}: no such folder")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in background_folder.IMAGE_SUFFIXES)
    if not paths:
        raise FileNotFoundError(f"cards_dir {folder}: no card images ({', '.join(background_folder.IMAGE_SUFFIXES)})")
    return paths


def _folder_examples(paths: list[pathlib.Path]) -> Iterator[tuple[str, dict]]:
    """Card images from a folder; unreadable ones are skipped and named in one warning."""
    folder = paths[0].parent
    skipped = []
    for path in paths:
        try:
            with Image.open(path) as image:
                rgba = card_shape.card_rgba(image)
        except (OSError, SyntaxError, ValueError) as error:
            skipped.append(f"{path.name} ({error})")
            continue
        name = path.stem.replace("_", " ")
        meta = {"name": name, "id": f"folder-{path.stem}", "set": "", "border_color": "", "frame": "",
                "full_art": False, "colors": [], "color_identity": [], "layout": ""}
        yield path.name, _card_example(meta, rgba, path.name, f"from {folder} (the user's own)")
    if skipped:
        _LOG.warning("Skipped %d unreadable card images in %s: %s", len(skipped), folder, ", ".join(skipped))


def _backgrounds(photos: list[background_folder.Background]) -> Iterator[tuple[str, dict]]:
    """Background images as opaque RGBA examples with empty card metadata."""
    for background in photos:
        height, width = background.image.shape[:2]
        rgba = np.concatenate([background.image, np.full((height, width, 1), 255, np.uint8)], axis=-1)
        yield background.filename, {
            "image": rgba, "corners": card_shape.card_corners(width, height),
            "name": "", "id": "", "set": "", "border_color": "", "frame": "", "full_art": False,
            "colors": [], "color_identity": [], "layout": "", "source": background.source,
            "license": background.license,
        }
