"""Training learns: the inference model beats predicting the mean corners, and finds when no card is there."""

import numpy as np
import pytest
from model_helpers import TINY_SYNTHESIS, mean_corner_error

from augment_tf import pipeline
from model.evaluation import validation
from model.inference.predictor import Predictor

pytestmark = pytest.mark.slow             # the session's tiny_model: a few hundred training steps


def _validation_set(data_dir):
    """Fresh samples of the tiny training set's own cards: the test is whether training learns."""
    builder = pipeline.load_builder(data_dir, "procedural_tiny")
    return validation.synthetic_set(builder, TINY_SYNTHESIS, 64, seed=validation.VAL_SEED, held_out=False)


def test_trained_model_beats_the_mean_corners_by_half_in_inference_mode(tiny_dataset, tiny_model):
    val = _validation_set(tiny_dataset)
    present = val["present"]
    # One view: the tiny recipe turns cards at most 30 degrees, so the ensemble's turned views are
    # photos it never learned (with them the error doubles); the ensemble is for full-rotation recipes.
    predicted, _ = Predictor(tiny_model, refine=False, rotate=False).predict_inputs(
        val["image"][present].astype(np.float32))
    truth = val["corners"][present]
    baseline = mean_corner_error(np.broadcast_to(truth.mean(axis=0), truth.shape), truth)
    error = mean_corner_error(predicted, truth)
    assert error < 0.5 * baseline, f"model {error:.2f} px against mean corners {baseline:.2f} px"


def test_presence_is_low_without_a_card_and_high_with_one(tiny_dataset, tiny_model):
    val = _validation_set(tiny_dataset)
    if val["present"].all():
        raise AssertionError("the synthesis made no frame without a card (SceneConfig.empty_p)")
    _, presence = Predictor(tiny_model, refine=False).predict_inputs(val["image"].astype(np.float32))
    assert presence[~val["present"]].mean() < 0.5 < presence[val["present"]].mean()
    blank = np.full([1, 64, 64, 3], 90.0, np.float32)
    assert Predictor(tiny_model).predict_inputs(blank)[1][0] < 0.5
