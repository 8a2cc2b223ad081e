"""The curriculum: the recipe eased by a difficulty, a number or a tensor alike, and a trainer that moves through
every difficulty on one compiled synthesis."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from augment_tf import synthesize
from augment_tf.config import SynthesisConfig
from model.network.corner_model import build_model
from model.training import curriculum, train_step

from model_helpers import TINY_MODEL, TINY_SYNTHESIS, tiny_table
from synthesis_helpers import textures, marked_card


def test_difficulty_one_is_the_full_recipe_and_zero_draws_no_effect():
    config = SynthesisConfig.for_size(64)
    assert curriculum.at_difficulty(config, 1.0) is config
    easy = curriculum.at_difficulty(config, 0.0)
    assert easy.scene.occluder.p == easy.photometric.noise.p == easy.geometry.barrel.p == 0.0
    assert not easy.scene.occluder.used and easy.scene.empty_p == config.scene.empty_p
    assert easy.geometry.scale[0] == pytest.approx(0.45) and easy.geometry.max_tilt_deg == pytest.approx(20.0)
    with pytest.raises(ValueError, match="0..1"):
        curriculum.at_difficulty(config, 1.5)


@pytest.mark.parametrize("difficulty", [0.0, 0.5])
def test_a_tensor_difficulty_synthesises_what_the_same_number_does(difficulty):
    """The tensor recipe keeps every layer in the graph (a layer at p = 0 draws nothing), so the photos and their
    labels match the number recipe's, which leaves those layers out. All but the JPEG stage: its neutral strength,
    quality 100, still halves the chroma, so it is off in both here."""
    config = dataclasses.replace(SynthesisConfig.for_size(64), card_height=128)
    config = dataclasses.replace(config, photometric=dataclasses.replace(
        config.photometric, jpeg=dataclasses.replace(config.photometric.jpeg, p=0.0)))
    inputs = textures(config, [marked_card()] * 4)
    number = synthesize.synthesize(*inputs, tf.constant([4, 2]), curriculum.at_difficulty(config, difficulty))
    tensor = synthesize.synthesize(*inputs, tf.constant([4, 2]),
                                   curriculum.at_difficulty(config, tf.constant(difficulty)))
    np.testing.assert_allclose(tensor["corners"], number["corners"], atol=1e-3)
    np.testing.assert_array_equal(tensor["card_whole"], number["card_whole"])
    difference = np.abs(tensor["image"].numpy() - number["image"].numpy())   # float32 vs float64 bounds: edges
    assert difference.max() < 0.02 and difference.mean() < 1e-5


def test_the_trainer_moves_through_the_difficulties_on_one_compiled_synthesis(tiny_dataset):
    synthesis = dataclasses.replace(TINY_SYNTHESIS, scene=dataclasses.replace(
        TINY_SYNTHESIS.scene, occluder=dataclasses.replace(SynthesisConfig().scene.occluder, p=1.0)))
    net = build_model(TINY_MODEL)
    trainer = train_step.Trainer(tf.distribute.get_strategy(), net, tiny_table(tiny_dataset, synthesis), synthesis,
                                 keras.optimizers.AdamW(1e-3),
                                 train_step.StepConfig(batch_size=4, xla="none", curriculum=True))
    seed = tf.constant([0, 7])
    samples = {}
    for difficulty in (0.0, 1.0, 0.0):
        trainer.set_difficulty(difficulty)
        samples.setdefault(difficulty, []).append(trainer.sample(seed)["image"].numpy())
    assert trainer._synthesise.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(*samples[0.0])                           # the difficulty alone decides
    assert np.abs(samples[0.0][0] - samples[1.0][0]).max() > 0.1          # occluders at 1, none at 0
    plain = train_step.Trainer(tf.distribute.get_strategy(), net, tiny_table(tiny_dataset, synthesis), synthesis,
                               keras.optimizers.AdamW(1e-3), train_step.StepConfig(batch_size=4, xla="none"))
    with pytest.raises(ValueError, match="without StepConfig.curriculum"):
        plain.set_difficulty(0.5)
