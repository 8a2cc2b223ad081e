"""web/src's live path in Node: the TF.js-ops letterbox against Python's, the crop rule and the One Euro filter on
scripted sequences, and `LiveTracker` on 100 frames of the tiny model (tensors freed, the photo path at capture)."""

import json
import math

import numpy as np
import pytest
from PIL import Image
from web_helpers import card_photo, ground, live_letterbox, live_view

from augment_tf import letterbox
from model.inference import predictor as predictor_module
from model.inference.predictor import Predictor, _inside
from web.harness import live_tuning, run_node, write_rgba

pytestmark = pytest.mark.slow             # Node runs web/src, the live run on the tiny model's TF.js export

FRAME = (640, 480)                         # the live path's frames: a webcam's
# (photo, size, region, largest and mean difference allowed from TF's triangle filter, in 0..255): whole frames that
# pool exactly, a frame whose sides are no multiple of the factor, regions. Measured on the card frames at most 14.7
# levels (an edge of the card), mean 0.51-0.85; on uniform pixel noise, where the filters differ most, at most 16.1,
# mean 2.47. The last two regions shrink 1.81 times (`poolFactor`: a 2 x 2 pool, then a bilinear enlargement): card
# 11.0 / 0.52, noise 69.6 / 12.3 (a bilinear shrink alone, as below 1.75 times: 32.2 / 0.78 and 124.0 / 24.7).
_CROP = (150, 60, 440, 350)
LETTERBOX_CASES = [("noise", 64, None, 25.0, 4.0), ("card", 64, None, 25.0, 1.5), ("card", 160, None, 25.0, 1.5),
                   ("odd", 64, None, 25.0, 1.5), ("card", 64, (101, 33, 400, 411), 25.0, 1.5),
                   ("card", 160, (150, 60, 470, 420), 25.0, 1.5), ("card", 160, _CROP, 20.0, 1.0),
                   ("noise", 160, _CROP, 100.0, 18.0)]
# The live path's raw corners against Python's one view of the same input (`web_helpers.live_view`: the region
# letterboxed as the live path does), in % of the frame's longer side, and its presence: float rounding, measured
# at most 6.5e-5% on the tiny model (AVX2, 2026-12-07). Against TF's triangle filter instead, the box filter alone
# moves the tiny 64-px model's corners by whole percents (0.6-5.3% on one training, 0.59-1.14% on two others):
# `benchmarks/live_letterbox.py` measures that on a trained model.
LIVE_CORNER_PERCENT, PRESENCE_TOLERANCE = 1e-3, 1e-4


def live_frames(card: np.ndarray, count: int) -> list[np.ndarray]:
    """`count` 640 x 480 frames of `card` sliding right and down, 12 pixels a frame."""
    return [card_photo(card, FRAME, (100 + 12 * k, 60 + 6 * k, 300), seed=k) for k in range(count)]


@pytest.fixture(scope="module")
def best_card(tiny_model, tiny_dump):
    """The dumped photo the tiny model is surest of, placed in a 640 x 480 frame."""
    predictor = Predictor(tiny_model, refine=False, rotate=False)
    cards = [np.asarray(Image.open(path).convert("RGB")) for path in sorted(tiny_dump.glob("*.jpg"))]
    presences = [predictor.predict_photo(live_frames(card, 1)[0])["presence"] for card in cards]
    if max(presences) < 0.5:
        pytest.fail(f"the tiny model sees no card in the 640 x 480 frames: presences {presences}")
    return cards[int(np.argmax(presences))]


def run_live_check(job: dict, scratch) -> dict:
    (scratch / "job.json").write_text(json.dumps(job))
    run_node("live_check.mjs", scratch / "job.json", scratch)
    return json.loads((scratch / "result.json").read_text())


@pytest.fixture(scope="module")
def letterbox_run(best_card, tiny_export, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("web_live_letterbox")
    rng = np.random.default_rng(0)
    photos = {"noise": rng.integers(0, 256, FRAME[::-1] + (3,), dtype=np.uint8),
              "card": live_frames(best_card, 1)[0], "odd": card_photo(best_card, (301, 177), (40, 10, 150), seed=3)}
    job = {"card": str(tiny_export["web"] / "model_card.json"),
           "photos": {name: write_rgba(photo, scratch / f"{name}.rgba") for name, photo in photos.items()},
           "letterbox": [{"photo": name, "size": size, **({"region": region} if region else {})}
                         for name, size, region, _, _ in LETTERBOX_CASES]}
    return {"photos": photos, "scratch": scratch, "result": run_live_check(job, scratch)}


def test_live_letterbox_pools_exactly(letterbox_run):
    """640 x 480 into 64: a 10 x 10 box mean of the frame, centred on the fill."""
    got = np.fromfile(letterbox_run["scratch"] / "live_letterbox_0.bin", np.float32).reshape(64, 64, 3)
    means = letterbox_run["photos"]["noise"].astype(np.float64).reshape(48, 10, 64, 10, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(got[8:56], means, atol=1e-3)
    assert (got[:8] == letterbox.FILL).all() and (got[56:] == letterbox.FILL).all()


@pytest.mark.parametrize("case", range(len(LETTERBOX_CASES)))
def test_live_letterbox_against_python(letterbox_run, case, capsys):
    """The same layout as Python's letterbox of the region used, the pixels of Python's twin of the ops, and within
    the box-vs-triangle difference of TF's letterbox."""
    name, size, _, largest, mean = LETTERBOX_CASES[case]
    layout = letterbox_run["result"]["letterbox"][case]
    x0, y0, x1, y1 = layout["region"]
    expected, frame = letterbox.letterbox(letterbox_run["photos"][name][y0:y1, x0:x1], size)
    assert (layout["innerW"], layout["innerH"], layout["ox"], layout["oy"]) == (
        frame.inner_w, frame.inner_h, frame.ox, frame.oy)
    got = np.fromfile(letterbox_run["scratch"] / f"live_letterbox_{case}.bin", np.float32).reshape(size, size, 3)
    twin, _ = live_letterbox(letterbox_run["photos"][name], layout["region"], layout["factors"], size)
    np.testing.assert_allclose(got, twin, atol=2e-3)            # the tests' twin of the ops (measured 3.5e-4)
    difference = np.abs(got - expected)
    with capsys.disabled():
        print(f"\n[live letterbox] {name} {size} px {layout['region']}: max {difference.max():.1f}, "
              f"mean {difference.mean():.2f} of 255")
    assert difference.max() < largest and difference.mean() < mean


def one_euro(samples):
    """The One Euro filter (Casiez et al. 2012), written again from the paper, for the JavaScript's, with
    `LIVE_TUNING`'s numbers (web/src/tracking.js)."""
    tuning = live_tuning()
    min_cutoff, beta, derivative_cutoff = tuning["minCutoff"], tuning["beta"], tuning["derivativeCutoff"]

    def alpha(cutoff, dt):
        return 1 / (1 + 1 / (2 * math.pi * cutoff * dt))

    out, last, speed, time = [], None, 0.0, None
    for seconds, value in samples:
        if last is None:
            last, time = value, seconds
        else:
            dt = seconds - time
            speed += alpha(derivative_cutoff, dt) * ((value - last) / dt - speed)
            last += alpha(min_cutoff + beta * abs(speed), dt) * (value - last)
            time = seconds
        out.append(last)
    return out


def test_crop_rule_and_one_euro_on_scripted_sequences(tiny_export, tmp_path):
    """The crop follows the corners plus the card's margin, low-pass filtered, and falls back to the whole frame
    when the presence drops or the card leaves; the One Euro filter is the paper's."""
    card = json.loads((tiny_export["web"] / "model_card.json").read_text())
    margin = card["inference"]["crop_margin"]
    quad = np.array([[200, 100], [300, 100], [300, 240], [200, 240]], float)     # 140 px tall
    answers = [(quad, 0.9), (quad + [40, 0], 0.9), (quad + [40, 0], 0.9), (quad, 0.2), (quad, 0.9),
               (quad + [700, 0], 0.9), (quad, 0.9)]
    rng = np.random.default_rng(1)
    # A still corner's noise of 0.3% of the side, about the raw jitter of the real photos' videos (0.03-0.5%):
    # the filter's cutoff rises with the speed it reads, so much larger noise is followed more.
    still = [(k / 30, 0.5 + rng.normal(0, 0.003)) for k in range(60)]
    ramp = [(k / 30, 0.01 * k) for k in range(60)]
    job = {"card": str(tiny_export["web"] / "model_card.json"),
           "crops": {"width": 640, "height": 480,
                     "answers": [{"corners": corners.tolist(), "presence": p} for corners, p in answers]},
           "euro": {"samples": still + [(2 + t, v) for t, v in ramp]}}
    result = run_live_check(job, tmp_path)

    side = 140 * (1 + 2 * margin)

    def square(cx, cy):
        return [math.floor(cx - side / 2), max(0, math.floor(cy - side / 2)), math.ceil(cx + side / 2),
                math.ceil(cy + side / 2)]
    regions = [crop["region"] for crop in result["crops"]]
    assert regions[0] == [0, 0, 640, 480]                           # nothing seen yet: the whole frame
    assert regions[1] == square(250, 170)                           # the first answer plus the margin
    assert regions[2] == square(270, 170)                           # halfway to the moved card: low-pass filtered
    assert regions[3] == square(280, 170)
    assert regions[4] == [0, 0, 640, 480]                           # the presence dropped
    assert regions[6] == [0, 0, 640, 480]                           # the card left the frame
    assert [crop["tracking"] for crop in result["crops"]] == [True, True, True, False, True, False, True]

    filtered = result["euro"]
    np.testing.assert_allclose(filtered[:60], one_euro(still), rtol=1e-12)
    assert np.std(filtered[30:60]) < 0.5 * np.std([v for _, v in still[30:]])    # a still value jitters less
    lag = [abs(v - f) for (_, v), f in zip(ramp[30:], filtered[90:])]
    assert max(lag) < 0.05                                                       # a moving one follows


@pytest.fixture(scope="module")
def live_run(best_card, tiny_export, tmp_path_factory):
    """LiveTracker on 100 frames: 10 of a sliding card, then one without it, round again; capture on the last."""
    scratch = tmp_path_factory.mktemp("web_live_run")
    frames = {f"frame{k}": frame for k, frame in enumerate(live_frames(best_card, 10))}
    frames["empty"] = ground(FRAME, seed=99)
    job = {"card": str(tiny_export["web"] / "model_card.json"),
           "photos": {name: write_rgba(photo, scratch / f"{name}.rgba") for name, photo in frames.items()},
           "live": {"model": str(tiny_export["web"]), "frames": list(frames), "count": 100, "capture": True}}
    return {"frames": frames, "names": list(frames), "result": run_live_check(job, scratch)["live"]}


def test_live_path_tracks_and_falls_back(live_run, tiny_model, capsys):
    frames, names, result = live_run["frames"], live_run["names"], live_run["result"]
    answers = result["frames"]
    predictor = Predictor(tiny_model, refine=False, rotate=False)
    worst = 0.0
    for k, answer in enumerate(answers[:22]):
        name = names[k % len(names)]
        corners, presence = live_view(predictor, frames[name], answer["region"], answer["factors"])
        assert answer["found"] == (name != "empty") == (presence >= predictor_module.PRESENCE_THRESHOLD), k
        assert answer["presence"] == pytest.approx(presence, abs=PRESENCE_TOLERANCE)
        if answer["found"]:
            worst = max(worst, np.abs(np.array(answer["raw"]) - corners).max() / max(FRAME))
    with capsys.disabled():
        print(f"\n[live path] raw corners vs Python's one view of the same inputs: {100 * worst:.1e}% of the side")
    assert 100 * worst < LIVE_CORNER_PERCENT
    assert answers[0]["region"] == [0, 0, *FRAME]                   # the first frame is searched whole
    assert answers[1]["region"] != [0, 0, *FRAME] and answers[1]["tracking"]      # then the card is followed
    after_empty = names.index("empty") + 1
    assert answers[after_empty]["region"] == [0, 0, *FRAME]         # no card: the whole frame again
    assert all(answer["milliseconds"] > 0 for answer in answers)


def test_live_path_frees_its_tensors_and_captures_with_the_photo_path(live_run, tiny_model):
    counts = live_run["result"]["numTensors"]
    assert counts["afterFrames"] > counts["start"]                  # the model's weights, until dispose()
    assert counts["afterDispose"] == counts["start"], counts
    last = live_run["frames"][live_run["names"][99 % len(live_run["names"])]]
    expected = Predictor(tiny_model).predict_photo(last)
    capture = live_run["result"]["capture"]
    assert np.abs(np.array(capture["corners"]) - expected["corners"]).max() < 1e-5 * max(FRAME)
    assert capture["presence"] == pytest.approx(expected["presence"], abs=1e-5)


def test_every_card_is_followed_on_its_own_crop(cards_export, tmp_path, capsys):
    """`processCards` on 12 frames of the boards photo whose placed card head proposes every board: the first frame
    is searched whole and shows nothing yet; from the next, the boards the tiny model's crops answer are followed,
    each on its own crop, with raw corners and presence near Python's one view on that region, one track a board,
    nearest the centre first, each with the number it started with; the search of the 10th frame starts tracks on
    no followed board."""
    photo = cards_export["photo"]
    job = {"card": str(cards_export["web"] / "model_card.json"),
           "photos": {"boards": write_rgba(photo, tmp_path / "boards.rgba")},
           "cards": {"model": str(cards_export["web"]), "frames": ["boards"], "count": 12}}
    result = run_live_check(job, tmp_path)["cards"]
    frames, whole = result["frames"], [0, 0, photo.shape[1], photo.shape[0]]
    assert frames[0]["searched"] and frames[0]["regions"] == [whole] and frames[0]["cards"] == []
    assert [frame["searched"] for frame in frames[1:]] == [False] * 9 + [True, False]   # the 10th: searched
    predictor, side = Predictor(cards_export["model"], refine=False, rotate=False), max(photo.shape[:2])
    steady = set.intersection(*({card["id"] for card in frame["cards"]} for frame in frames[1:]))
    assert len(steady) >= 2, frames[1]["cards"]                  # boards the tiny model's crops see on every frame
    worst, presences, newest = 0.0, 0.0, -1
    for before, frame in zip(frames, frames[1:]):
        ids = [card["id"] for card in frame["cards"]]
        fresh = [track for track in ids if track not in {card["id"] for card in before["cards"]}]
        assert len(set(ids)) == len(ids) and all(track > newest for track in fresh)
        assert before["searched"] or not fresh                     # new cards only from a search
        newest = max([newest, *ids])
        quads = [np.array(card["raw"]) for card in frame["cards"]]
        assert not any(_inside(np.mean(a, axis=0), b) for i, a in enumerate(quads) for j, b in enumerate(quads)
                       if i != j)                                  # one track a board
        centres = [np.linalg.norm(np.mean(card["corners"], axis=0) - np.float32(photo.shape[1::-1]) / 2)
                   for card in frame["cards"]]
        assert centres == sorted(centres)
        for card in (card for card in frame["cards"] if card["id"] in steady):
            assert card["region"] in frame["regions"]
            factors = frame["factors"][frame["regions"].index(card["region"])]
            corners, presence = live_view(predictor, photo, card["region"], factors)
            presences = max(presences, abs(card["presence"] - presence))
            worst = max(worst, np.abs(np.array(card["raw"]) - corners).max() / side)
    with capsys.disabled():
        print(f"\n[live cards] {len(steady)} of {len(cards_export['quads'])} boards followed on every frame; raw "
              f"corners vs Python's one view of the same inputs: {100 * worst:.1e}% of the side, presence "
              f"{presences:.1e}")
    assert 100 * worst < LIVE_CORNER_PERCENT and presences < PRESENCE_TOLERANCE
    counts = result["numTensors"]
    assert counts["afterDispose"] == counts["start"], counts
