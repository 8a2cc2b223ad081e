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


def test_scores_by_group_cover_present_images_and_count_cards_read_turned():
    """Per group: a turned read counts as found order-free but not order-aware, a half turn also as half turned;
    absent images and a group with none present are left out; the median is the group's own."""
    turned, near, far = np.roll(CARD, 1, axis=0), CARD + [0, 10.24], CARD + 100    # 10.24 px: 2% of 512
    pred = np.stack([CARD, turned, near, far, far, np.roll(CARD, 2, axis=0)])
    groups = ["1993", "1993", "2015", "2015", "saga", "token"]
    scores = metrics.by_group(pred, np.stack([CARD] * 6), [[512, 400]] * 6, groups,
                              present=[True, True, True, True, False, True])
    assert list(scores) == ["1993", "2015", "token"]
    assert scores["1993"] == pytest.approx({"count": 2, "worst_frac_median_free": 0.0, "within3_free": 1.0,
                                            "within3_aware": 0.5, "turned": 0.5, "half_turned": 0.0})
    far_worst = np.hypot(100, 100) / 512
    assert scores["2015"] == pytest.approx({"count": 2, "worst_frac_median_free": (0.02 + far_worst) / 2,
                                            "within3_free": 0.5, "within3_aware": 0.5, "turned": 0.0,
                                            "half_turned": 0.0})
    assert scores["token"]["turned"] == scores["token"]["half_turned"] == 1.0
    table = metrics.group_table(scores, "family").splitlines()
    assert len(table) == 5 and table[2].startswith("| 1993 | 2 | 0.0% | 100% | 50% | 50% |")


def test_turns_read_names_the_shift_of_the_best_matching_candidate():
    """Against ties, the turn is the one to the nearest candidate; order-aware errors are the unshifted ones."""
    other = CARD + 300
    pred = np.stack([np.roll(CARD, 3, axis=0), np.roll(other, 2, axis=0)])
    targets = [np.stack([CARD, other]), np.stack([CARD, other])]
    assert metrics.turns_read(pred, targets).tolist() == [1, 2]
    assert metrics.corner_errors(pred, targets, order_free=True).max() == 0.0
    assert metrics.corner_errors(pred, targets, order_free=False).min() > 0.0


# Every card in the frame: one-to-one matching, tolerances, scene kinds.
PORTRAIT = np.array([[0, 0], [630, 0], [630, 880], [0, 880]], np.float64)      # 880 px long: 5% is 44 px


def test_the_docstring_examples_hold():
    import doctest
    assert doctest.testmod(metrics).failed == 0


def test_two_touching_cards_each_match_their_own_prediction():
    cards = np.stack([PORTRAIT, PORTRAIT + [630, 0]])                      # sharing an edge
    pred = cards[::-1] + [20, -10]                                          # listed the other way round
    pairs = metrics.match_cards(pred, [0.9, 0.9], cards, 0.05 * metrics.card_sides(cards))
    assert sorted(pairs.tolist()) == [[0, 1], [1, 0]]
    assert metrics.scene_kind(cards) == "few"


def test_a_quad_spanning_two_touching_cards_matches_neither():
    cards = np.stack([PORTRAIT, PORTRAIT + [630, 0]])
    spanning = np.array([[0, 0], [1260, 0], [1260, 880], [0, 880]], np.float64)[None]
    row = metrics.score_cards(spanning, [0.99], cards, (2000, 1000))
    assert row["matched_card5"] == row["matched_photo3"] == 0 and row["found"] == 1 and row["labelled"] == 2


def test_a_duplicate_is_a_false_card_and_the_better_one_matches():
    pred = np.stack([PORTRAIT + 30, PORTRAIT + 5])                         # 42 px and 7 px off
    pairs = metrics.match_cards(pred, [0.9, 0.6], PORTRAIT[None], [44.0])
    assert pairs.tolist() == [[1, 0]]
    row = metrics.score_cards(pred, [0.9, 0.6], PORTRAIT[None], (2000, 1000))
    assert (row["found"], row["matched_card5"], row["matched_card2"]) == (2, 1, 1)


def test_equal_errors_go_to_the_higher_score_then_the_card_listed_first():
    twins = np.stack([PORTRAIT + [0, 10], PORTRAIT + [0, -10]])            # both 10 px from the card
    assert metrics.match_cards(twins, [0.5, 0.8], PORTRAIT[None], [44.0]).tolist() == [[1, 0]]
    tied = np.stack([PORTRAIT + [10, 0], PORTRAIT - [10, 0]])              # two labelled cards, one answer between
    assert metrics.match_cards(PORTRAIT[None], [0.9], tied, [44.0, 44.0]).tolist() == [[0, 0]]


def test_a_cyclic_shift_matches_order_free_but_not_in_order():
    turned = np.roll(PORTRAIT, 2, axis=0)[None]                             # read upside down
    row = metrics.score_cards(turned, [0.9], PORTRAIT[None], (2000, 1000))
    assert row["matched_card5"] == 1 and row["ordered_card5"] == 0


def test_tolerances_scale_with_the_card_and_with_the_photo():
    small = PORTRAIT / 4                                                    # 220 px long: 5% is 11 px, 2% is 4.4 px
    off = small + [[8, 0], [0, 0], [0, 0], [0, 0]]                          # one corner 8 px off
    row = metrics.score_cards(off[None], [0.9], small[None], (1000, 800))   # 3% of the photo is 30 px
    assert (row["matched_card5"], row["matched_card2"], row["matched_photo3"]) == (1, 0, 1)
    row = metrics.score_cards((small + 40)[None], [0.9], small[None], (1000, 800))
    assert (row["matched_card5"], row["matched_photo3"]) == (0, 0)


def test_predictions_below_the_threshold_are_dropped_and_empty_lists_score():
    row = metrics.score_cards(PORTRAIT[None], [0.3], PORTRAIT[None], (2000, 1000))
    assert (row["found"], row["matched_card5"]) == (0, 0)
    row = metrics.score_cards(np.zeros([0, 4, 2]), [], np.zeros([0, 4, 2]), (2000, 1000))
    assert row["kind"] == "none" and row["labelled"] == row["found"] == 0
    assert metrics.summarize_cards([row])["exact_card5"] == 1


def test_scene_kinds_count_cards_and_overlap_wins():
    grid = np.stack([PORTRAIT + [640 * i, 890 * j] for i in range(3) for j in range(2)])   # 6, 10 px apart
    assert [metrics.scene_kind(grid[:n]) for n in (1, 2, 4, 5, 6)] == ["one", "few", "few", "grid", "grid"]
    nudged = np.concatenate([grid[:2], (PORTRAIT + [600, 0])[None]])       # 30 px over the first card: 3.4%
    assert metrics.scene_kind(nudged) == "overlapping"
    label_noise = np.stack([PORTRAIT, PORTRAIT + [625, 0]])                 # 5 px over: 0.8%, touching
    assert metrics.scene_kind(label_noise) == "few"


def test_summaries_split_exact_photos_by_scene_kind():
    one = metrics.score_cards(PORTRAIT[None], [0.9], PORTRAIT[None], (2000, 1000))
    pair = np.stack([PORTRAIT, PORTRAIT + [700, 0]])
    half = metrics.score_cards(PORTRAIT[None], [0.9], pair, (2000, 1000))   # one of two found
    extra = metrics.score_cards(pair, [0.9, 0.9], PORTRAIT[None], (2000, 1000))   # one right, one false
    scores = metrics.summarize_cards([one, half, extra])
    assert scores["recall_card5"] == pytest.approx(3 / 4) and scores["precision_card5"] == pytest.approx(3 / 4)
    assert scores["f1_card5"] == pytest.approx(3 / 4) and scores["exact_card5"] == pytest.approx(1 / 3)
    assert (scores["photos_one"], scores["photos_few"], scores["photos_grid"]) == (2, 1, 0)
    assert scores["exact_card5_one"] == 0.5 and scores["exact_card5_few"] == 0
    assert np.isnan(scores["exact_card5_grid"])
