"""Models saved by earlier layouts of the code still load and answer as they did.

`fixtures/tiny_before_layout.keras` is an untrained `ModelConfig(input_size=64, alpha=0.35,
decoder_channels=16)` saved before `model/` was split into rooms (layers, network, training,
inference, evaluation); `tiny_before_layout.json` holds its outputs for a fixed random input,
recorded by the code that saved it. Its config names the layers' old modules
(`model.soft_argmax`, ...): they load through the `mtg_corners>` registered names.
"""

import json
import pathlib

import numpy as np

from model.inference.loading import load_model

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def test_a_model_saved_before_the_layout_change_loads_and_answers_as_it_did():
    recorded = json.loads((FIXTURES / "tiny_before_layout.json").read_text())
    net = load_model(FIXTURES / "tiny_before_layout.keras")
    size = recorded["model"]["input_size"]
    images = np.random.default_rng(recorded["input_seed"]).integers(0, 256, (2, size, size, 3)).astype("float32")
    out = net.predict(images, verbose=0)
    np.testing.assert_allclose(out["coords"], recorded["coords"], atol=1e-4)
    np.testing.assert_allclose(out["presence"], recorded["presence"], atol=1e-5)
