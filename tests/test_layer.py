"""The Keras layer gives the same batches as `synthesize`, serialises, and compiles with XLA."""

import doctest

import keras
import numpy as np
import pytest
import tensorflow as tf

from augment_tf import layer as layer_module
from augment_tf import synthesize
from augment_tf.config import SynthesisConfig
from augment_tf.layer import Synthesis
from synthesis_helpers import marked_card, small_config, textures


def _inputs(config: SynthesisConfig):
    return textures(config, [marked_card()] * 2)


@pytest.mark.slow                                     # XLA compiles the whole synthesis: ~80 s on 2 AVX2 cores
def test_layer_matches_synthesize_eagerly_and_under_xla():
    """The layer draws what `synthesize` draws, and so does XLA's compilation of it: the one test that the whole
    synthesis compiles and keeps its numbers under XLA, as training, `dump` and the benchmarks run it."""
    config = small_config(geometry=SynthesisConfig().geometry)
    cards, backgrounds = _inputs(config)
    seed = tf.constant([5, 6])
    expected = synthesize.synthesize(cards, backgrounds, seed, config)
    layer = Synthesis(config)
    compiled = tf.function(lambda c, b, s: layer(c, b, s), jit_compile=True)
    for batch in (layer(cards, backgrounds, seed), compiled(cards, backgrounds, seed)):
        np.testing.assert_allclose(batch["corners"].numpy(), expected["corners"].numpy(), atol=1e-3)
        np.testing.assert_allclose(batch["image"].numpy(), expected["image"].numpy(), atol=2e-3)
    assert not layer.weights


def test_config_round_trip_rebuilds_the_same_synthesis():
    layer = Synthesis(small_config(size=32), name="synth")
    rebuilt = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(rebuilt, Synthesis) and rebuilt.name == "synth"
    assert rebuilt.synthesis_config == layer.synthesis_config
    assert Synthesis().synthesis_config == SynthesisConfig()


def test_a_layer_saved_with_old_field_names_loads():
    layer = Synthesis(small_config(size=32))
    saved = keras.layers.serialize(layer)
    scene = saved["config"]["config"]["scene"]
    scene["neighbors"] = scene.pop("neighbor_slots")           # as saved before the field's rename
    assert keras.layers.deserialize(saved).synthesis_config == layer.synthesis_config


def test_layer_in_a_functional_model_saves_and_loads(tmp_path):
    config = small_config(size=32)
    cards, backgrounds = _inputs(config)
    inputs = [keras.Input(batch_shape=cards.shape, dtype="int32"),
              keras.Input(batch_shape=backgrounds.shape, dtype="int32"),
              keras.Input(batch_shape=[2], dtype="int32")]
    model = keras.Model(inputs, Synthesis(config)(*inputs)["image"])
    path = tmp_path / "synthesis.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    seed = tf.constant([1, 2])
    np.testing.assert_allclose(loaded([cards, backgrounds, seed]).numpy(), model([cards, backgrounds, seed]).numpy(),
                               atol=1e-6)


def test_docstring_example_runs():
    failures, tried = doctest.testmod(layer_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0
