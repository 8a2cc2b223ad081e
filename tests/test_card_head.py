"""The card head: decoding every card from its maps (`CardPeaks`), and its losses (`losses.card_losses`)."""

import doctest

import numpy as np
import pytest
import tensorflow as tf
from layer_test_helpers import run_layer_test

from model.inference import predictor, rotations
from model.layers import card_peaks
from model.layers.card_peaks import CardPeaks
from model.training import losses

CELLS = 16          # heatmap side of these tests, in cells


def _quad(cx: float, cy: float, half_w: float, half_h: float) -> np.ndarray:
    """[4, 2] TL, TR, BR, BL of an upright card centred on (cx, cy), in 0..1 units."""
    return np.float32([[cx - half_w, cy - half_h], [cx + half_w, cy - half_h],
                       [cx + half_w, cy + half_h], [cx - half_w, cy + half_h]])


def _oracle_maps(quads: list[np.ndarray], scores: list[float], turns: list[int] | None = None):
    """The card head's maps that answer `quads` exactly: a peak (logit of `score`) at each card's centre
    cell, its corners as offsets there, held in channel order turned by `turns` (channel j holds face
    corner (j + k) % 4), with the orientation logits saying so. The losses' convention, written out."""
    centre = np.full((1, CELLS, CELLS, 1), -12.0, np.float32)
    offsets = np.zeros((1, CELLS, CELLS, 8), np.float32)
    orientation = np.zeros((1, CELLS, CELLS, 4), np.float32)
    for index, (quad, score) in enumerate(zip(quads, scores)):
        turn = 0 if turns is None else turns[index]
        mean = quad.mean(axis=0)
        col, row = np.minimum(np.floor(mean * CELLS).astype(int), CELLS - 1)
        cell = (np.float32([col, row]) + 0.5) / CELLS
        channels = np.roll(quad, -turn, axis=0)                          # channel j = face corner (j + turn) % 4
        centre[0, row, col, 0] = np.log(score / (1 - score))
        offsets[0, row, col] = (channels - cell).reshape(-1)
        orientation[0, row, col, turn] = 8.0
    return centre, offsets, orientation


@pytest.mark.parametrize("module", [card_peaks, predictor, rotations])
def test_docstring_examples_run(module):
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


def test_card_peaks_is_a_well_formed_layer():
    maps = _oracle_maps([_quad(0.3, 0.4, 0.1, 0.14)], [0.9])
    run_layer_test(CardPeaks, {"max_cards": 5, "threshold": 0.4}, maps,
                   expected_output_shape=((1, 5, 4, 2), (1, 5), (1, 5)), expected_mixed_dtype="float32")


def test_two_touching_cards_are_two_answers_with_their_own_corners():
    left, right = _quad(0.34, 0.5, 0.1, 0.14), _quad(0.56, 0.5, 0.1, 0.14)       # edges 0.02 apart
    cards, scores, _ = (np.asarray(value)[0] for value in CardPeaks(max_cards=4)(*_oracle_maps([left, right],
                                                                                                 [0.8, 0.9])))
    assert (scores[:2] > 0.75).all() and (scores[2:] < 0.01).all()
    np.testing.assert_allclose(cards[0], right, atol=1e-6)                       # nearer the centre: first
    np.testing.assert_allclose(cards[1], left, atol=1e-6)


def test_a_card_at_the_frame_edge_and_a_turned_face_decode_in_face_order():
    edge = _quad(0.06, 0.2, 0.05, 0.07)
    turned = _quad(0.6, 0.7, 0.1, 0.14)
    cards, _, confidence = (np.asarray(value)[0] for value in CardPeaks(max_cards=2)(
        *_oracle_maps([edge, turned], [0.9, 0.9], turns=[0, 3])))
    np.testing.assert_allclose(cards[0], turned, atol=1e-6)                      # channels turned back
    np.testing.assert_allclose(cards[1], edge, atol=1e-6)
    assert (confidence > 0.99).all()


def test_more_cards_than_k_keeps_the_k_best_and_orders_answers_under_the_threshold_last():
    quads = [_quad(0.125 + 0.25 * (i % 4), 0.125 + 0.25 * (i // 4), 0.08, 0.1) for i in range(5)]
    scores = [0.5, 0.2, 0.9, 0.35, 0.8]
    cards, found, _ = (np.asarray(value)[0] for value in CardPeaks(max_cards=4, threshold=0.4)(
        *_oracle_maps(quads, scores)))
    np.testing.assert_allclose(sorted(found[:3]), [0.5, 0.8, 0.9], atol=1e-5)   # 0.2 is cut,
    assert found[3] == pytest.approx(0.35, abs=1e-5)                             # and 0.35 comes after the rest
    distance = np.linalg.norm(cards[:3].mean(axis=1) - 0.5, axis=-1)
    assert (np.diff(distance) >= 0).all()                                        # above the threshold: nearest first


def _labels(quads: list[np.ndarray], whole: list[bool], slots: int = 4):
    cards = np.zeros((1, slots, 4, 2), np.float32)
    cards[0, :len(quads)] = np.stack(quads) * (CELLS * 4)                        # input pixels at stride 4
    return tf.constant(cards), tf.constant([whole + [False] * (slots - len(whole))])


def _outputs(maps) -> dict[str, tf.Tensor]:
    centre, offsets, orientation = maps
    return {"card_centre": tf.constant(centre[..., 0]), "card_offsets": tf.constant(offsets),
            "card_orientation": tf.constant(orientation)}


def test_card_losses_are_small_for_the_oracle_maps_and_order_free():
    quads = [_quad(0.3, 0.4, 0.12, 0.17), _quad(0.7, 0.6, 0.12, 0.17)]
    cards, whole = _labels(quads, [True, True])
    exact = losses.card_losses(_outputs(_oracle_maps(quads, [0.999, 0.999], turns=[1, 2])), cards, whole, CELLS * 4)
    assert float(exact["card_corners"][0]) < 1e-3 and float(exact["card_orientation"][0]) < 0.01
    wrong_turn = _oracle_maps(quads, [0.999, 0.999], turns=[1, 2])
    wrong_turn[2][...] = np.roll(wrong_turn[2], 1, axis=-1)                      # says turn 2 and 3
    worse = losses.card_losses(_outputs(wrong_turn), cards, whole, CELLS * 4)
    assert float(worse["card_orientation"][0]) > 5.0
    assert float(worse["card_corners"][0]) == pytest.approx(float(exact["card_corners"][0]), abs=1e-4)


def test_a_card_that_is_not_whole_is_a_negative_and_the_centre_loss_sees_it():
    whole_card, cut = _quad(0.35, 0.5, 0.12, 0.17), _quad(0.9, 0.5, 0.12, 0.17)
    cards, whole = _labels([whole_card, cut], [True, False])
    right = losses.card_losses(_outputs(_oracle_maps([whole_card], [0.99])), cards, whole, CELLS * 4)
    both = losses.card_losses(_outputs(_oracle_maps([whole_card, cut], [0.99, 0.99])), cards, whole, CELLS * 4)
    missed = losses.card_losses(_outputs(_oracle_maps([cut], [0.99])), cards, whole, CELLS * 4)
    assert float(right["card_centre"][0]) < 0.05
    assert float(both["card_centre"][0]) > 1.0 + float(right["card_centre"][0])   # a false card costs
    assert float(missed["card_centre"][0]) > float(both["card_centre"][0])         # a missed one costs more


def test_card_losses_train_the_maps_towards_the_labels():
    quads = [_quad(0.3, 0.35, 0.12, 0.17), _quad(0.65, 0.62, 0.12, 0.17)]
    cards, whole = _labels(quads, [True, True])
    rng = np.random.default_rng(0)
    variables = {"card_centre": tf.Variable(rng.normal(-3, 0.1, (1, CELLS, CELLS)).astype(np.float32)),
                 "card_offsets": tf.Variable(rng.normal(0, 0.05, (1, CELLS, CELLS, 8)).astype(np.float32)),
                 "card_orientation": tf.Variable(np.zeros((1, CELLS, CELLS, 4), np.float32))}
    optimizer = tf.keras.optimizers.Adam(0.1)
    for _ in range(150):
        with tf.GradientTape() as tape:
            loss = losses.card_losses(variables, cards, whole, CELLS * 4)["cards_total"]
        optimizer.apply_gradients(zip(tape.gradient(loss, list(variables.values())), list(variables.values())))
    found, scores, _ = (np.asarray(value)[0] for value in CardPeaks(max_cards=3)(
        variables["card_centre"][..., None], variables["card_offsets"], variables["card_orientation"]))
    assert (scores[:2] > 0.5).all() and scores[2] < 0.3
    for quad in quads:
        errors = np.abs(found[:2] - quad).max(axis=(1, 2))
        assert errors.min() < 0.5 / CELLS


def _centres_found(pred: np.ndarray, labelled: np.ndarray, share: float) -> int:
    """How many labelled cards [L, 4, 2] have a predicted card [P, 4, 2] centred within `share` of their width."""
    if not len(pred):
        return 0
    width = np.linalg.norm(labelled[:, 1] - labelled[:, 0], axis=-1)                   # [L]
    distance = np.linalg.norm(labelled.mean(axis=1)[:, None] - pred.mean(axis=1)[None], axis=-1)   # [L, P]
    return int((distance.min(axis=1) <= share * width).sum())


@pytest.mark.slow
def test_a_tiny_model_finds_both_cards_of_two_card_scenes_better_than_one_answer(tiny_dataset):
    """Trained here on scenes with neighbour cards, the card head finds more of the whole cards than any
    answer of one card a scene can (the labelled card itself: 1 of the 2 or 3 whole cards).

    A card counts as found by its centre (within a fifth of its width): the tiny model's corners, on cards
    14 px wide, are as coarse as its corner path's (about 6 px); corner precision is the oracle tests' job.
    """
    import dataclasses

    import model_helpers

    from augment_tf import synthesize

    tiny = model_helpers.TINY_SYNTHESIS
    recipe = dataclasses.replace(
        tiny, geometry=dataclasses.replace(tiny.geometry, scale=(0.3, 0.45)),
        scene=dataclasses.replace(tiny.scene, empty_p=0.1, neighbor_slots=2, loose_neighbor_p=0.0,
                                  neighbor=dataclasses.replace(tiny.scene.neighbor, p=1.0, low=0.05, high=0.3)))
    net = model_helpers.train_tiny_model(tiny_dataset, synthesis=recipe, steps=400)
    cards, backgrounds = model_helpers.tiny_table(tiny_dataset, recipe).draw(tf.constant([7, 7]), 64)
    batch = synthesize.compile_synthesis(recipe, jit_compile=True)(cards, backgrounds, tf.constant([7, 7]))
    out = net(batch["image"] * 255.0, training=False)
    labelled, found, by_one = 0, 0, 0
    for i in np.flatnonzero(batch["card_whole"].numpy().sum(axis=1) >= 2):
        whole = batch["cards"].numpy()[i][batch["card_whole"].numpy()[i]]              # [L, 4, 2]
        pred = out["cards"].numpy()[i][out["card_scores"].numpy()[i] >= 0.3] * 64
        labelled, found, by_one = labelled + len(whole), found + _centres_found(pred, whole, 0.2), by_one + 1
    assert labelled >= 20
    assert found / labelled > by_one / labelled + 0.2, (found, by_one, labelled)


class _CentredAnswers(predictor.Predictor):
    """A `Predictor` without a network: every crop it is shown holds a card filling the middle half of the
    input, presence 1. What the corner path answers in a crop around a card, made exact."""

    def __init__(self, size: int = 64, shift: float = 0.0, fill: float = 0.5, turn: int = 0):
        self.size, self.refine, self.shift, self.fill, self.turn = size, True, shift, fill, turn
        self.turns, self.views = rotations.TURNS, []          # views: how many turns each call saw

    def predict_inputs(self, images, batch_size: int = 32, turns=None):
        """The card fills `fill` of the input's side (a half by default), its face read `turn` corners on."""
        self.views.append(len(turns or self.turns))
        low, high = 0.5 - self.fill / 2, 0.5 + self.fill / 2
        quad = np.float32([[low, low], [high, low], [high, high], [low, high]]) * self.size + self.shift
        return np.repeat(np.roll(quad, self.turn, axis=0)[None], len(images), axis=0), np.ones(len(images), np.float32)


def test_a_rough_proposal_is_refined_where_its_crop_answers_the_same_card():
    photo = np.zeros((200, 200, 3), np.uint8)
    rough = np.float32([[60, 50], [150, 70], [140, 160], [50, 130]])                # far from the crop's answer
    for finder, kept in ((_CentredAnswers(), True), (_CentredAnswers(shift=-60.0), False)):   # -60: another card
        refined = finder.refine_quads([photo], [rough[None]], same_card=True)[0][0]
        assert np.allclose(refined, rough) != kept
        assert np.allclose(finder.refine_quads([photo], [rough[None]])[0][0], rough)   # the shift rule refuses
    finder = _CentredAnswers()
    both = finder._refine_proposals([photo, photo], [rough[None], np.zeros([0, 4, 2], np.float32)])
    assert both[0].shape == (1, 4, 2) and both[1].shape == (0, 4, 2)
    assert finder.views == [1, 4]       # the first look places the crop (one view), the second votes (four turns)


def test_the_crop_reads_the_face_its_own_way_up_where_its_card_is_the_first_quads():
    """The shift rule asks whether the crop answers the same card, whichever corner it names first: an answer on
    the first quad's card, its face read a quarter turn on, is kept in its own order; another card is not."""
    photo = np.zeros((200, 200, 3), np.uint8)
    first = np.float32([[50, 50], [150, 50], [150, 150], [50, 150]])
    fill = 1 / (1 + 2 * predictor.CROP_MARGIN)              # the crop's answer lies on the first quad
    for turn in (0, 1, 3):
        refined = _CentredAnswers(fill=fill, turn=turn).refine_quads([photo], [first[None]])[0][0]
        np.testing.assert_allclose(refined, np.roll(first, turn, axis=0), atol=1e-3)
    elsewhere = _CentredAnswers(fill=fill, turn=1, shift=20.0).refine_quads([photo], [first[None]])[0][0]
    np.testing.assert_array_equal(elsewhere, first)          # 20 input px = 44 photo px: another card
