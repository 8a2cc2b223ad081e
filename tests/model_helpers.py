"""A tiny corner model trained once per test session, and the settings it was trained with."""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from synthesis_helpers import PHOTOMETRIC_OFF, SCENE_OFF

from augment_tf import pipeline
from augment_tf.atlas_table import AtlasTable, load_atlases
from augment_tf.config import GeometryConfig, SynthesisConfig
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


def train_tiny_model(data_dir, steps: int = TINY_STEPS, seed: int = 0) -> keras.Model:
    """Trains `TINY_MODEL` on all the tiny dataset's cards with the default strategy."""
    builder = pipeline.load_builder(data_dir, "procedural_tiny")
    tf.keras.utils.set_random_seed(seed)
    strategy = tf.distribute.get_strategy()
    net = build_model(TINY_MODEL)
    table = AtlasTable(*load_atlases(builder, TINY_SYNTHESIS, "cards", "backgrounds"))
    optimizer = keras.optimizers.AdamW(keras.optimizers.schedules.CosineDecay(
        0.0, steps - 50, warmup_target=3e-3, warmup_steps=50))
    trainer = train_step.Trainer(strategy, net, table, TINY_SYNTHESIS, optimizer,
                                 train_step.StepConfig(batch_size=16, xla="synthesis", seed=seed))
    for _ in range(steps):
        trainer.run_step()
    return net


def mean_corner_error(predicted: np.ndarray, corners: np.ndarray) -> float:
    """Mean Euclidean corner distance in pixels."""
    return float(np.linalg.norm(predicted - corners, axis=-1).mean())
