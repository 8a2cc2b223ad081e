"""`model.evaluation.metrics`: corner scores with ties, cyclic shifts and photo-size normalisation."""

import numpy as np
import pytest

from model.evaluation import metrics

CARD = np.array([[100, 100], [300, 110], [290, 400], [95, 390]], np.float64)   # TL, TR, BR, BL in a 512 photo


def test_an_exact_prediction_scores_zero_and_is_within3():
    scores = metrics.summarize(CARD[None], CARD[None], [[512, 400]], input_size=256)
    for kind in ("aware", "free"):
        assert scores[f"mean_px_1024_{kind}"] == 0 and scores[f"worst_frac_median_{kind}"] == 0
        assert scores[f"within3_{kind}"] == 1 and scores[f"pck5_{kind}"] == 1
    assert scores["count"] == 1 and "presence_accuracy" not in scores


def test_a_prediction_rolled_by_one_corner_is_wrong_in_order_only():
    rolled = np.roll(CARD, 1, axis=0)[None]                                 # right corners, wrong rotation
    aware = metrics.corner_errors(rolled, CARD[None], order_free=False)
    free = metrics.corner_errors(rolled, CARD[None], order_free=True)
    assert aware.shape == (1, 4) and aware.min() > 150
    np.testing.assert_allclose(free, 0, atol=1e-9)
    scores = metrics.summarize(rolled, CARD[None], [[512, 512]], input_size=256)
    assert scores["within3_aware"] == 0 and scores["within3_free"] == 1


def test_the_nearest_of_tied_candidates_is_scored():
    other = CARD + [200, 0]
    pred = (other + [3, 4])[None]                                           # 5 px from the second card
    errors = metrics.corner_errors(pred, [np.stack([CARD, other])], order_free=False)
    np.testing.assert_allclose(errors, 5, atol=1e-9)
    alone = metrics.corner_errors(pred, [CARD[None]], order_free=False)
    assert alone.min() > 150


def test_candidates_are_the_labelled_card_and_its_ties():
    record = {"corners": CARD, "cards": np.stack([CARD, CARD + 1, CARD + 2]), "equally_near": [2]}
    np.testing.assert_array_equal(metrics.candidates(record), [CARD, CARD + 2])
    np.testing.assert_array_equal(metrics.candidates({"corners": CARD}), [CARD])


def test_scores_scale_with_the_photo_not_its_resolution():
    def scores_at(side):
        card = CARD / 512 * side
        pred = card + np.array([[6, 8], [0, 0], [0, 0], [0, 0]]) / 512 * side   # 10 px at 512 on one corner
        return metrics.summarize(pred[None], card[None], [[side, side * 0.75]], input_size=256)

    small, large = scores_at(512), scores_at(4096)
    for name in ("pck5_aware", "pck10_aware", "pck20_aware", "mean_frac_free", "worst_frac_mean_aware",
                 "mean_px_1024_aware", "mean_px_input_free", "within3_free"):
        assert small[name] == pytest.approx(large[name])
    assert small["pck10_aware"] == 0.75 and small["pck20_aware"] == 1     # 20 px at 1024 scale
    assert small["worst_frac_mean_aware"] == pytest.approx(10 / 512)
    assert small["mean_px_input_aware"] == pytest.approx(10 / 512 * 256 / 4)


def test_presence_accuracy_and_corners_only_where_a_card_is_present():
    far = CARD + 100
    pred = np.stack([CARD, far, far])
    scores = metrics.summarize(pred, np.stack([CARD, CARD, CARD]), [[512, 512]] * 3, input_size=256,
                               presence=[0.9, 0.2, 0.6], present=[True, False, False])
    assert scores["presence_accuracy"] == pytest.approx(2 / 3)
    assert scores["count"] == 1 and scores["mean_px_1024_aware"] == 0      # the far misses were not scored


def test_per_image_lists_each_photos_worst_fraction():
    pred = np.stack([CARD, np.roll(CARD, 2, axis=0)])
    rows = metrics.per_image(pred, np.stack([CARD, CARD]), [[512, 256], [1024, 512]])
    assert rows["worst_frac_aware"][0] == 0 and rows["worst_frac_aware"][1] > 0.1
    np.testing.assert_allclose(rows["worst_frac_free"], 0, atol=1e-12)


def test_an_image_without_candidates_is_an_error():
    with pytest.raises(ValueError, match="at least one candidate"):
        metrics.corner_errors(CARD[None], [np.zeros([0, 4, 2])], order_free=True)
