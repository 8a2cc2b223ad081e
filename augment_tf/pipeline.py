"""`tf.data` streams of cards and backgrounds from the `mtg_tfds` dataset.

Cards and backgrounds are decoded once, turned into textures at the
synthesis's working resolution (`texture.card_atlas`, `texture.background_atlas`),
cached in memory and repeated forever. Batches carry textures only: the
synthesis itself runs on the accelerator, in the train step or the dump loop.
"""

import pathlib

import tensorflow as tf
import tensorflow_datasets as tfds

from augment_tf import texture
from augment_tf.config import SynthesisConfig

DATASET = "mtg_tfds"


class DatasetNotFoundError(FileNotFoundError):
    """The requested `mtg_tfds` config has not been built in the data folder."""


def load_builder(data_dir: str | pathlib.Path, config_name: str = "procedural") -> tfds.core.DatasetBuilder:
    """Opens a built `mtg_tfds` config from its files (no builder code needed, so JSON configs work too).

    Args:
      data_dir: the TFDS data folder `tfds build` wrote to.
      config_name: which config of the dataset.

    Returns:
      A read-only builder of the newest built version.

    Raises:
      DatasetNotFoundError: a one-line message that says how to build it.
    """
    folder = pathlib.Path(data_dir).expanduser() / DATASET / config_name
    # A killed `tfds build` leaves `incomplete.*` folders beside the versions: only version folders count.
    versions = sorted((p for p in folder.glob("*/dataset_info.json") if tfds.core.Version.is_valid(p.parent.name)),
                      key=lambda p: tfds.core.Version(p.parent.name))
    if not versions:
        raise DatasetNotFoundError(
            f"no {DATASET}/{config_name} dataset in {data_dir}: run "
            f"`tfds build mtg_tfds --data_dir {data_dir} --config {config_name}` first")
    return tfds.builder_from_directory(str(versions[-1].parent))


def card_textures(builder: tfds.core.DatasetBuilder, config: SynthesisConfig, split: str = "cards") -> tf.data.Dataset:
    """Cached card pyramids with their names: {"texels": [N] int32, "name": string}."""
    def to_texture(example):
        return {"texels": texture.card_atlas(example["image"], config.card_height, config.card_width,
                                             config.mip_levels),
                "name": example["name"]}
    return (builder.as_dataset(split=split, shuffle_files=False)
            .map(to_texture, num_parallel_calls=tf.data.AUTOTUNE).cache())


def background_textures(builder: tfds.core.DatasetBuilder, config: SynthesisConfig,
                        split: str = "backgrounds") -> tf.data.Dataset:
    """Cached background pyramids: [N] int32 (`texture.background_atlas`)."""
    return (builder.as_dataset(split=split, shuffle_files=False)
            .map(lambda example: texture.background_atlas(example["image"][..., :3], config.size),
                 num_parallel_calls=tf.data.AUTOTUNE).cache())


def training_batches(builder: tfds.core.DatasetBuilder, config: SynthesisConfig, batch_size: int, seed: int = 0,
                     card_split: str = "cards", background_split: str = "backgrounds") -> tf.data.Dataset:
    """An endless stream of shuffled texture batches for `synthesize`.

    The order is a pure function of `seed`. Splits accept TFDS slicing
    ("cards[:90%]") so training and validation can use different cards.

    Args:
      builder: a prepared `mtg_tfds` builder (`load_builder`).
      config: the synthesis recipe (sets texture sizes).
      batch_size: B; the last partial batch is dropped so shapes stay static.
      seed: shuffling seed.
      card_split: which cards.
      background_split: which backgrounds.

    Returns:
      Dataset of {"cards": [B, N] int32 card pyramids (`texture.card_atlas`),
      "backgrounds": [B, M] int32 background pyramids (`texture.background_atlas`
      at `config.size`), "name": [B] string}.
    """
    cards = card_textures(builder, config, card_split).repeat().shuffle(512, seed=seed)
    backgrounds = background_textures(builder, config, background_split).repeat().shuffle(64, seed=seed + 1)
    pairs = tf.data.Dataset.zip(cards, backgrounds).map(
        lambda card, background: {"cards": card["texels"], "backgrounds": background, "name": card["name"]})
    return pairs.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
