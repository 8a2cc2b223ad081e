"""The card and background atlases kept on the accelerator, one table each, drawn from per step.

The table is uploaded once; each train step draws which rows it uses from its
own seed and gathers them on the device, so the host sends almost nothing per
step (`pipeline.training_batches` instead streams whole atlases every step).
Rows are gathered before sampling, so the sampler indexes one batch's atlases
and its int32 flat indices stay small however many cards the table holds.
`AtlasTable.rows` and `card_groups` say which card, of which layout family and
border colour, each drawn sample shows (for the per-family scores of validation).
"""

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
import tqdm

from augment_tf import pipeline, seeds
from augment_tf.config import SynthesisConfig
from mtg_tfds.generators.card_families import family_of


class AtlasTable:
    """Every card atlas and background pyramid of a split, as non-trainable variables.

    Created inside a `tf.distribute` strategy's scope, each replica holds its own copy.

    Args:
      cards: [Nc, N] int32 card atlases (`texture.card_atlas`).
      backgrounds: [Nb, M] int32 background pyramids (`texture.background_atlas`).
      names: the Nc card names, for logs and pictures.
    """

    def __init__(self, cards: np.ndarray, backgrounds: np.ndarray, names: list[str]):
        if not len(cards) or not len(backgrounds):
            raise ValueError(f"AtlasTable needs at least one card and one background. "
                             f"Received: {len(cards)} cards, {len(backgrounds)} backgrounds")
        self.cards = tf.Variable(cards, trainable=False, name="card_table")
        self.backgrounds = tf.Variable(backgrounds, trainable=False, name="background_table")
        self.names = names

    def draw(self, seed: tf.Tensor, batch_size: int) -> tuple[tf.Tensor, tf.Tensor]:
        """Gathers a batch of random rows, a pure function of `seed`.

        Returns:
          (cards [B, N] int32, backgrounds [B, M] int32).
        """
        card, background = self.rows(seed, batch_size)
        return tf.gather(self.cards, card), tf.gather(self.backgrounds, background)

    def rows(self, seed: tf.Tensor, batch_size: int) -> tuple[tf.Tensor, tf.Tensor]:
        """Which rows `draw` gathers for `seed`: row b of the cards is sample b's labelled card, so
        `names` and `card_groups` say which card each sample shows.

        Returns:
          (card rows [B] int32, background rows [B] int32).
        """
        return (seeds.integers(seed, "table/card", [batch_size], 0, self.cards.shape[0]),
                seeds.integers(seed, "table/background", [batch_size], 0, self.backgrounds.shape[0]))


def load_atlases(builder, config: SynthesisConfig, card_split: str,
                background_split: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Decodes a split's cards and backgrounds into atlases, with a progress bar.

    Returns:
      (cards [Nc, N] int32, backgrounds [Nb, M] int32, card names).
    """
    cards, names = [], []
    total = builder.info.splits[card_split].num_examples
    for example in tqdm.tqdm(pipeline.card_textures(builder, config, card_split).batch(16), unit="card",
                             total=-(-total // 16), desc=f"textures of {card_split}", leave=False):
        cards.append(example["texels"].numpy())
        names += [name.decode() for name in example["name"].numpy()]
    backgrounds = [batch.numpy() for batch in pipeline.background_textures(builder, config, background_split).batch(16)]
    return np.concatenate(cards), np.concatenate(backgrounds), names


def card_groups(builder, split: str) -> dict[str, np.ndarray]:
    """Each card's layout family and border colour, in the order `load_atlases` stacks the split's cards.

    Read from the dataset's fields without decoding an image, so a per-family score
    of the synthetic set costs a second's read. The family is
    `card_families.family_of`; a card without the fields (a `folder` build) is "unknown".

    Returns:
      {"name": [Nc] str, "family": [Nc] str, "border": [Nc] str}.
    """
    dataset = builder.as_dataset(split=split, shuffle_files=False, decoders={"image": tfds.decode.SkipDecoding()})
    groups = {"name": [], "family": [], "border": []}
    for example in tfds.as_numpy(dataset):
        meta = {key: example[key] for key in ("name", "layout", "frame", "border_color", "full_art")}
        groups["name"].append(example["name"].decode())
        groups["family"].append(family_of(meta) or "unknown")
        groups["border"].append(example["border_color"].decode() or "unknown")
    return {key: np.asarray(values, str) for key, values in groups.items()}
