"""A tiny corner model trained once per test session, the settings it was trained with, and a card head placed by
hand on it."""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from synthesis_helpers import PHOTOMETRIC_OFF, SCENE_OFF

from augment_tf import pipeline
from augment_tf.atlas_table import AtlasTable, load_atlases
from augment_tf.config import GeometryConfig, SynthesisConfig
from model.layers.card_peaks import CardPeaks
from model.network import corner_model
from model.network.corner_model import ModelConfig, build_model
from model.training import train_step

TINY_MODEL = ModelConfig(input_size=64, alpha=0.35, decoder_channels=16)
# Effects off, cards large and mostly upright, a quarter of the frames without a card: learnable in seconds.
TINY_SYNTHESIS = SynthesisConfig(
    size=64, card_height=128,
    geometry=GeometryConfig(scale=(0.55, 0.9), max_rotation_deg=30.0, max_tilt_deg=30.0,
                            barrel=dataclasses.replace(GeometryConfig().barrel, p=0.0)),
    scene=dataclasses.replace(SCENE_OFF, empty_p=0.25),
    photometric=PHOTOMETRIC_OFF)
TINY_STEPS = 300


def tiny_table(data_dir, synthesis: SynthesisConfig = TINY_SYNTHESIS) -> AtlasTable:
    """The tiny dataset's cards and backgrounds as a texture table for `synthesis`."""
    return AtlasTable(*load_atlases(pipeline.load_builder(data_dir, "procedural_tiny"), synthesis, "cards",
                                    "backgrounds"))


def train_tiny_model(data_dir, steps: int = TINY_STEPS, seed: int = 0,
                     synthesis: SynthesisConfig = TINY_SYNTHESIS) -> keras.Model:
    """Trains `TINY_MODEL` on all the tiny dataset's cards, in the recipe `synthesis`, with the default strategy."""
    tf.keras.utils.set_random_seed(seed)
    strategy = tf.distribute.get_strategy()
    net = build_model(TINY_MODEL)
    table = tiny_table(data_dir, synthesis)
    optimizer = keras.optimizers.AdamW(keras.optimizers.schedules.CosineDecay(
        0.0, steps - 50, warmup_target=3e-3, warmup_steps=50))
    trainer = train_step.Trainer(strategy, net, table, synthesis, optimizer,
                                 train_step.StepConfig(batch_size=16, xla="synthesis", seed=seed))
    for _ in range(steps):
        trainer.run_step()
    return net


def mean_corner_error(predicted: np.ndarray, corners: np.ndarray) -> float:
    """Mean Euclidean corner distance in pixels."""
    return float(np.linalg.norm(predicted - corners, axis=-1).mean())


# The card `with_placed_card_head` finds: (width, height) in heatmap cells, odd so that a card centred on a cell
# covers whole cells.
PLACED_CARD_CELLS = (3, 5)


def with_placed_card_head(net: keras.Model, gain: float = 15.0, bias: float = -4.0) -> keras.Model:
    """`net` with its card head replaced by one that finds bright cards of `PLACED_CARD_CELLS` on a black ground.

    A barely trained model's card head finds few cards in a photo of several,
    so the tests of every card's path (export, web module, page) run on this
    one instead: its centre logits are the input's luminance averaged over a
    card's cells (a box filter at stride 4: on a black ground it peaks, strictly,
    at the cell under each card's centre), times `gain`, plus `bias`; every cell's
    card is the `PLACED_CARD_CELLS` rectangle around it, read upright with
    probability 0.95. The primary card (`coords`, `presence`, `heatmaps`) is
    `net`'s, as is the second pass that refines each card. The layers are
    plain Keras ones and the real `CardPeaks`, so the export converts them as it
    does the trained head.

    Args:
      net: an inference model (`corner_model.build_model`).
      gain: centre logit per unit of mean luminance in 0..1.
      bias: centre logit of a black card's place (-4: probability 0.018).

    Returns:
      A model with `net`'s input and outputs, the card head's replaced.
    """
    width, height = PLACED_CARD_CELLS
    cells = net.input.shape[1] // corner_model.HEATMAP_STRIDE
    pooled = keras.layers.AveragePooling2D(corner_model.HEATMAP_STRIDE, name="placed_pool")(net.input)  # [B, h, w, 3]
    centre = keras.layers.Conv2D(1, (height, width), padding="same", name="placed_centre")(pooled)
    offsets = keras.layers.Conv2D(8, 1, name="placed_offsets")(pooled)
    orientation = keras.layers.Conv2D(4, 1, name="placed_orientation")(pooled)
    cards, scores, confidence = CardPeaks(name="card_peaks")(centre, offsets, orientation)
    placed = keras.Model(net.input, {**{name: net.output[name] for name in ("coords", "presence", "heatmaps")},
                                     "cards": cards, "card_scores": scores, "card_orientation": confidence},
                         name=f"{net.name}_placed_cards")
    luminance = np.array([0.299, 0.587, 0.114], np.float32) * gain / (255 * width * height)
    placed.get_layer("placed_centre").set_weights(
        [np.tile(luminance[None, None, :, None], (height, width, 1, 1)), np.array([bias], np.float32)])
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * np.float32([width, height]) / 2
    placed.get_layer("placed_offsets").set_weights([np.zeros((1, 1, 3, 8), np.float32),
                                                    corners.reshape(8) / cells])
    placed.get_layer("placed_orientation").set_weights([np.zeros((1, 1, 3, 4), np.float32),
                                                        np.array([np.log(0.95 / 0.05 * 3), 0, 0, 0], np.float32)])
    return placed
