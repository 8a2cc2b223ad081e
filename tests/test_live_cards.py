"""benchmarks/live_cards.py's measurement (issue 21): the still frames hold the photo where the labels say, with
new noise each frame; recall, precision and the cost per card come from the answers as the docstring says. Node's
run itself is `processCards`, tested in tests/test_web_live.py."""

import numpy as np
from synthesis_helpers import benchmark_script

bench = benchmark_script("live_cards")
CARD = np.float64([[100, 50], [160, 50], [160, 134], [100, 134]])     # a 60 x 84 card in a 400 x 400 photo


def test_the_frames_show_the_photo_where_the_labels_say():
    photo = np.full((400, 400, 3), 40, np.uint8)                            # a table of level 40
    photo[50:134, 100:160] = 255
    frames, cards = bench.still_frames(photo, CARD[None], 3, noise=3.0)
    assert frames.shape == (3, 480, 640, 3) and not np.array_equal(frames[0], frames[1])
    bright = np.argwhere(frames[0].mean(axis=-1) > 128)                     # [N, 2] (row, column)
    low, high = bright.min(axis=0)[::-1], bright.max(axis=0)[::-1] + 1      # (x, y) of the bright box's edges
    np.testing.assert_allclose(low, cards[0].min(axis=0), atol=1.0)
    np.testing.assert_allclose(high, cards[0].max(axis=0), atol=1.0)
    assert abs(frames[0][240, 5].mean() - 40) < 12            # left of the photo (480 x 480, centred): its table


def test_recall_precision_and_the_cost_per_card_come_from_the_answers():
    far = CARD + 200

    def answer(quads, milliseconds, searched=False):
        return {"cards": [{"corners": quad.tolist(), "presence": 0.9} for quad in quads],
                "milliseconds": milliseconds, "searched": searched}

    answers = [answer([], 50, True), answer([CARD], 20), answer([CARD + 2, far], 30), answer([far], 20)]
    score = bench.score_photo(answers, np.stack([CARD, CARD + 100]), settle=1)
    assert score["recall"] == 2 / 6 and score["precision"] == 2 / 4 and score["followed"] == 1
    assert score["median_ms"] == 20 and score["frames"][0] == (0, 50, True)
    cost = bench.cost_per_card({"one": score}, settle=1)                    # (1, 20), (2, 30), (1, 20)
    assert abs(cost["ms_per_extra_card"] - 10) < 1e-9 and abs(cost["ms_at_one_card"] - 20) < 1e-9
