"""web/src in Node: the letterbox, the warp, the rotations, `findCard` and `findCards` answer as the Python side
does, on the numbers of the model card that export.py writes from the Python constants and the model."""

import json
import pathlib

import numpy as np
import pytest
from PIL import Image
from web_helpers import card_photo

import export
from augment_tf import letterbox
from model.inference import predictor as predictor_module
from model.inference import rectify as rectify_module
from model.inference import rotations
from model.inference.loading import load_model
from model.inference.predictor import Predictor
from model.inference.rectify import CARD_SIZE, rectify
from web.harness import run_node, write_rgba

pytestmark = pytest.mark.slow             # Node runs web/src on the tiny model's TF.js export (tiny_export)

# Photos of random pixels whose letterbox shrinks, enlarges, or takes a region; (name, (width, height), size, region).
# "tie" scales its height to exactly 2.5 pixels: rounding half up gives 3, Python's round (half to even) 2. "huge"
# shrinks 25 times, where letterbox.js reads every other row and column (its KERNEL_SAMPLES), with a camera's
# pixel noise (sigma 3) instead of 30: white noise is what such sampling aliases.
LETTERBOX_CASES = [("wide", (301, 177), 64, None), ("small", (37, 50), 64, None), ("big", (900, 700), 64, None),
                   ("big", (900, 700), 48, (100, 200, 400, 650)), ("tie", (128, 5), 64, None),
                   ("huge", (1600, 1200), 64, None)]
WARP_CORNERS = [[100.3, 80.2], [600.7, 120.1], [560.2, 850.9], [90.4, 800.5]]
TURN_SIZE, TURN_POINT = 5, [1.25, 3.5]


def view_answers(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """[4, 4, 2] four views' quads around one card, some slipped or read turned; [4] presences."""
    rng = np.random.default_rng(seed)
    card = np.array([[20, 15], [70, 18], [68, 95], [18, 92]], np.float64)
    quads = card + rng.normal(0, 1.5, (4, 4, 2))
    quads[rng.integers(4), rng.integers(4)] += rng.uniform(-40, 40, 2)             # a corner on a neighbour
    for view in rng.choice(4, rng.integers(0, 3), replace=False):
        quads[view] = np.roll(quads[view], rng.integers(1, 4), axis=0)             # the face read turned
    return quads, rng.uniform(0, 1, 4)


def noise_photo(size: tuple[int, int], seed: int, sigma: float = 30.0) -> np.ndarray:
    """[height, width, 3] uint8: smooth blobs plus pixel noise of `sigma` levels, so both resampling and detail
    matter."""
    width, height = size
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (max(2, height // 16), max(2, width // 16), 3)).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC), np.float64)
    return np.clip(smooth + rng.normal(0, sigma, smooth.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def node_run(tiny_model, tiny_export, tiny_dump, tmp_path_factory):
    """The photos, and what web/node/module_check.mjs computed on them."""
    scratch = tmp_path_factory.mktemp("web_module")
    photos = {name: noise_photo(size, seed, 3.0 if name == "huge" else 30.0)
              for seed, (name, size, _, _) in enumerate(LETTERBOX_CASES)}
    dumped = sorted(tiny_dump.glob("*.jpg"))
    for index, path in enumerate(dumped[:3]):
        card = np.asarray(Image.open(path).convert("RGB"))
        photos[f"card{index}"] = card_photo(card, (260 + 40 * index, 200), (30 + 50 * index, 20, 150), seed=index)
    job = {"card": str(tiny_export["web"] / "model_card.json"),
           "photos": {name: write_rgba(photo, scratch / f"{name}.rgba") for name, photo in photos.items()},
           "letterbox": [{"photo": name, "size": size, **({"region": region} if region else {})}
                         for name, _, size, region in LETTERBOX_CASES],
           "rectify": [{"photo": "big", "corners": WARP_CORNERS}],
           "turn": {"size": TURN_SIZE, "point": TURN_POINT},
           "combine": [dict(zip(("quads", "presences"), (answer.tolist() for answer in view_answers(seed))))
                       for seed in range(20)],
           "find": {"model": str(tiny_export["web"]), "photos": [name for name in photos if name.startswith("card")]}}
    (scratch / "job.json").write_text(json.dumps(job))
    run_node("module_check.mjs", scratch / "job.json", scratch)
    return {"photos": photos, "scratch": scratch, "job": job,
            "result": json.loads((scratch / "result.json").read_text())}


@pytest.mark.parametrize("case", range(len(LETTERBOX_CASES)))
def test_letterbox_matches_python(node_run, case):
    name, _, size, region = LETTERBOX_CASES[case]
    photo = node_run["photos"][name]
    x0, y0, x1, y1 = region or (0, 0, photo.shape[1], photo.shape[0])
    expected, frame = letterbox.letterbox(photo[y0:y1, x0:x1], size)
    got = np.fromfile(node_run["scratch"] / f"letterbox_{case}.bin", np.float32).reshape(size, size, 3)
    difference = np.abs(got - expected)
    print(f"\n[letterbox] {name} {size} px: max {difference.max():.2g}, mean {difference.mean():.2g}")
    if max(x1 - x0, y1 - y0) / size < 24:         # every pixel read
        assert difference.max() < 0.01            # TF resizes in float32, the port in float64: measured 7.5e-4
    else:                                         # a quarter of the pixels read: measured max 1.4, mean 0.10
        assert difference.max() < 2.5 and difference.mean() < 0.2
    js_frame = node_run["result"]["letterbox"][case]
    assert (js_frame["innerW"], js_frame["innerH"], js_frame["ox"], js_frame["oy"]) == (
        frame.inner_w, frame.inner_h, frame.ox, frame.oy)


def test_rectify_matches_pillow(node_run):
    expected = rectify(node_run["photos"]["big"], np.array(WARP_CORNERS))
    width, height = CARD_SIZE
    got = np.fromfile(node_run["scratch"] / "rectify_0.bin", np.uint8).reshape(height, width, 4)
    difference = np.abs(got[..., :3].astype(int) - expected)
    assert difference.max() <= 1 and (difference > 0).mean() < 1e-4     # rounding at Pillow's truncation; measured 0
    assert (got[..., 3] == 255).all()


def test_turns_match_numpy(node_run):
    image = np.arange(TURN_SIZE * TURN_SIZE * 3, dtype=np.float32).reshape(1, TURN_SIZE, TURN_SIZE, 3)
    for turns, got in zip(rotations.TURNS, node_run["result"]["turn"]):
        np.testing.assert_array_equal(np.reshape(got["pixels"], image.shape), rotations.turn_images(image, turns))
        np.testing.assert_allclose(got["point"], rotations.turn_points(np.array(TURN_POINT), turns, TURN_SIZE))
        np.testing.assert_allclose(got["back"], TURN_POINT)


def test_combine_matches_python(node_run):
    for seed, got in enumerate(node_run["result"]["combine"]):
        quads, presences = view_answers(seed)
        corners, presence = rotations.combine(quads[None], presences[None])
        np.testing.assert_allclose(got["corners"], corners[0], atol=1e-9, err_msg=f"seed {seed}")
        assert got["presence"] == pytest.approx(presence[0])


def assert_finds_as_the_predictor(found: dict, photos: dict, scratch: pathlib.Path, tiny_model) -> None:
    """findCard's answers (module_check's "find") are `Predictor.predict_photo`'s and `rectify`'s, under the Python
    constants as they are now (read at call time, so a test may change them)."""
    predictor = Predictor(tiny_model)
    width, height = rectify_module.CARD_SIZE
    found_any = False
    for name, got in found.items():
        photo = photos[name]
        expected = predictor.predict_photo(photo)
        side = max(photo.shape[:2])
        # float32 rounding in TF.js against TF: measured at most 3.9e-7 of the side and 7.2e-7 of presence.
        assert np.abs(np.array(got["corners"]) - expected["corners"]).max() < 1e-5 * side, name
        assert np.abs(np.array(got["firstPass"]) - expected["first_pass"]).max() < 1e-5 * side, name
        assert got["presence"] == pytest.approx(expected["presence"], abs=1e-5)
        assert got["found"] == (expected["presence"] >= predictor_module.PRESENCE_THRESHOLD)
        assert len(got["cards"]) == len(expected["cards"]), name                 # every card, as findCards lists
        crop_path = scratch / f"find_{name}.bin"
        assert crop_path.exists() == got["found"]
        if got["found"]:
            found_any = True
            crop = np.fromfile(crop_path, np.uint8).reshape(height, width, 4)[..., :3]
            # The warp of its own corners: where a corner lies outside the photo, corners 1e-5 px apart may
            # choose between the photo's edge pixel and the fill for one sample.
            difference = np.abs(crop.astype(int) - rectify(photo, np.array(got["corners"]), (width, height)))
            assert difference.max() <= 1 and difference.mean() < 2e-3, name     # measured max 1, mean 2.1e-4
    assert found_any, "the tiny model found no card in the test photos: nothing compared the warp"


def test_find_card_matches_the_predictor(node_run, tiny_model):
    assert_finds_as_the_predictor(node_run["result"]["find"], node_run["photos"], node_run["scratch"], tiny_model)


# Python constants other than the shipped ones, for `test_module_runs_on_the_cards_values`.
OTHER_CONSTANTS = {"model.inference.predictor.PRESENCE_THRESHOLD": 0.3, "model.inference.predictor.CROP_MARGIN": 0.45,
                   "model.inference.predictor.MAX_REFINE_SHIFT": 0.3, "model.inference.rotations.TURNS": (0, 2),
                   "model.inference.rectify.CARD_SIZE": (252, 352), "augment_tf.letterbox.FILL": 128}


def write_card(net, model_path: pathlib.Path, web: pathlib.Path, path: pathlib.Path) -> None:
    """Writes the card export.py writes under the Python constants as they are now, for the graph exported to `web`."""
    card = export.model_card(net, model_path, "none", 0)
    exported = json.loads((web / "model_card.json").read_text())
    for name, output in card["outputs"].items():
        output["node"] = exported["outputs"][name]["node"]
    path.write_text(json.dumps(card))


def test_module_runs_on_the_cards_values(node_run, tiny_model, tiny_export, monkeypatch, tmp_path):
    """Other Python constants, carried by the card, change the JavaScript as they change Python: the letterbox's
    fill, the turns, the crop, the threshold and the straightened card's size."""
    for name, value in OTHER_CONSTANTS.items():
        monkeypatch.setattr(name, value)
    write_card(tiny_model, tiny_export["model"], tiny_export["web"], tmp_path / "model_card.json")
    cards = [name for name in node_run["photos"] if name.startswith("card")]
    job = {"card": str(tmp_path / "model_card.json"),
           "photos": {name: node_run["job"]["photos"][name] for name in cards + ["wide"]},
           "letterbox": [{"photo": "wide", "size": 64}], "turn": {"size": TURN_SIZE, "point": TURN_POINT},
           "find": {"model": str(tiny_export["web"]), "photos": cards}}
    (tmp_path / "job.json").write_text(json.dumps(job))
    run_node("module_check.mjs", tmp_path / "job.json", tmp_path)
    result = json.loads((tmp_path / "result.json").read_text())

    expected, _ = letterbox.letterbox(node_run["photos"]["wide"], 64)
    got = np.fromfile(tmp_path / "letterbox_0.bin", np.float32).reshape(64, 64, 3)
    assert got[0, 0].tolist() == [128.0] * 3 and np.abs(got - expected).max() < 0.01
    assert [got["point"] for got in result["turn"]] == [rotations.turn_points(np.array(TURN_POINT), turns, TURN_SIZE)
                                                        .tolist() for turns in (0, 2)]
    assert_finds_as_the_predictor(result["find"], node_run["photos"], tmp_path, tiny_model)
    moved = [np.abs(np.array(result["find"][name]["corners"]) - node_run["result"]["find"][name]["corners"]).max()
             for name in cards]
    assert max(moved) > 1.0, moved                          # pixels: the shipped card's run answered otherwise


def test_module_refuses_a_card_without_the_inference_constants(tiny_export, tmp_path):
    """The CardFinder constructor takes the card export.py writes, with or without the card head's entries, and
    refuses, in one line naming model_card.json, an older card (no schema, no inference section), another schema,
    or a card missing one value (the card head's threshold where it has the card head's outputs)."""
    exported = json.loads((tiny_export["web"] / "model_card.json").read_text())
    inference = exported["inference"]
    cards = {"exported": exported,
             "old": {key: value for key, value in exported.items() if key not in ("schema", "inference")},
             "newer": {**exported, "schema": export.CARD_SCHEMA + 1},
             "no_margin": {**exported, "inference": {key: value for key, value in inference.items()
                                                     if key != "crop_margin"}},
             "bad_turns": {**exported, "inference": {**inference, "turns": "0123"}},
             "no_card_threshold": {**exported, "inference": {key: value for key, value in inference.items()
                                                             if key != "card_threshold"}},
             "no_card_head": {**exported, "outputs": {key: value for key, value in exported["outputs"].items()
                                                      if key not in export.CARD_OUTPUTS},
                              "inference": {key: value for key, value in inference.items()
                                            if key not in ("card_threshold", "max_cards")}}}
    for name, card in cards.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(card))
    job = {"card": str(tmp_path / "exported.json"), "photos": {},
           "check_cards": [str(tmp_path / f"{name}.json") for name in cards]}
    (tmp_path / "job.json").write_text(json.dumps(job))
    run_node("module_check.mjs", tmp_path / "job.json", tmp_path)
    errors = dict(zip(cards, json.loads((tmp_path / "result.json").read_text())["check_cards"]))
    assert errors.pop("exported") is None                   # the JavaScript reads the schema export.py writes
    assert errors.pop("no_card_head") is None               # a model exported before the card head: no card outputs
    for name, message in errors.items():
        assert message.startswith("model_card.json") and "\n" not in message, message
    assert "has no schema" in errors["old"] and f"reads schema {export.CARD_SCHEMA}" in errors["old"]
    assert "re-export the model with export.py" in errors["old"]
    assert f"has schema {export.CARD_SCHEMA + 1}" in errors["newer"]
    assert "inference.crop_margin is missing" in errors["no_margin"]
    assert 'inference.turns is "0123"' in errors["bad_turns"]
    assert "inference.card_threshold is missing" in errors["no_card_threshold"]


def run_find_cards(card: pathlib.Path, web: pathlib.Path, photos: dict, scratch: pathlib.Path) -> dict:
    """web/node/module_check.mjs's `findCard` ("find") and `findCards` ("cards") on each photo with the export in
    `web` and `card`."""
    files = {name: write_rgba(photo, scratch / f"{name}.rgba") for name, photo in photos.items()}
    job = {"card": str(card), "photos": files, "find": {"model": str(web), "photos": list(photos),
                                                        "cards": list(photos)}}
    (scratch / "job.json").write_text(json.dumps(job))
    run_node("module_check.mjs", scratch / "job.json", scratch)
    return json.loads((scratch / "result.json").read_text())


def assert_cards_as_the_predictor(found: dict, photos: dict, scratch: pathlib.Path, predictor: Predictor) -> int:
    """findCards' answers (module_check's "cards") are `Predictor.predict_cards`'s, card by card, in the same order,
    and each crop is `rectify`'s; returns how many cards were compared."""
    width, height = rectify_module.CARD_SIZE
    compared = 0
    for name, cards in found.items():
        expected = predictor.predict_cards(photos[name])
        assert len(cards) == len(expected), (name, len(cards), len(expected))
        for k, (got, card) in enumerate(zip(cards, expected)):
            side = float((card["corners"].max(axis=0) - card["corners"].min(axis=0)).max())
            error = np.abs(np.array(got["corners"]) - card["corners"]).max()
            print(f"{name} card {k}: corners {error / side:.1e} of its side from the predictor's")
            # float32 rounding in TF.js against TF: measured at most 9.2e-7 of the side.
            assert error < 0.01 * side, (name, k, got["corners"], card["corners"])
            assert np.abs(np.array(got["firstPass"]) - card["first_pass"]).max() < 0.01 * side, (name, k)
            assert got["score"] == pytest.approx(card["score"], abs=1e-5)
            assert got["orientationConfidence"] == pytest.approx(card["orientation_confidence"], abs=1e-5)
            crop = np.fromfile(scratch / f"cards_{name}_{k}.bin", np.uint8).reshape(height, width, 4)[..., :3]
            difference = np.abs(crop.astype(int) - rectify(photos[name], card["corners"], (width, height)))
            assert difference.max() <= 1 and difference.mean() < 2e-3, (name, k, difference.mean())
            compared += 1
    return compared


def test_find_cards_matches_the_predictor(cards_export, tmp_path, capsys):
    """Every card of a photo of four boards, which the placed card head proposes at their places: findCards lists
    them nearest the centre first, each refined and straightened as `Predictor.predict_cards` does."""
    photos = {"boards": cards_export["photo"]}
    result = run_find_cards(cards_export["web"] / "model_card.json", cards_export["web"], photos, tmp_path)
    predictor = Predictor(cards_export["model"])
    expected = predictor.predict_cards(cards_export["photo"])
    # The head proposes each board where it lies (its first pass), the one nearest the photo's centre first.
    quads, centre = cards_export["quads"], np.float32(cards_export["photo"].shape[1::-1]) / 2
    order = np.argsort(np.linalg.norm(quads.mean(axis=1) - centre, axis=-1))
    np.testing.assert_allclose(np.stack([card["first_pass"] for card in expected]), quads[order], atol=0.5)
    with capsys.disabled():
        print()
        assert assert_cards_as_the_predictor(result["cards"], photos, tmp_path, predictor) == len(quads)
    # findCard's primary card is the first of its cards, as `predict_photo`'s is.
    primary, side = result["find"]["boards"], float(np.ptp(quads[order[0]], axis=0).max())
    assert primary["cards"] == result["cards"]["boards"] and primary["corners"] == primary["cards"][0]["corners"]
    assert primary["sharedCrop"]                        # the primary card is straightened once, when first read
    expected = predictor.predict_photo(photos["boards"])["corners"]
    assert np.abs(np.array(primary["corners"]) - expected).max() < 0.01 * side


def test_find_cards_keeps_the_same_card_past_the_shift(cards_export, monkeypatch, tmp_path):
    """With a largest shift (in the card and in Python) smaller than the head's proposals are off by, the first
    refinement still keeps the crop's answer where it is the same card (its centre inside the proposal), as
    `Predictor.predict_cards` does: some card ends further from its proposal than the shift rule alone allows."""
    shift = 0.05                                  # the placed head's proposals are 8% to 14% of their side off
    monkeypatch.setattr("model.inference.predictor.MAX_REFINE_SHIFT", shift)
    write_card(cards_export["model"], cards_export["path"], cards_export["web"], tmp_path / "model_card.json")
    photos = {"boards": cards_export["photo"]}
    result = run_find_cards(tmp_path / "model_card.json", cards_export["web"], photos, tmp_path)
    predictor = Predictor(cards_export["model"])
    moved = [np.linalg.norm(card["corners"] - card["first_pass"], axis=-1).max()
             / (card["first_pass"].max(axis=0) - card["first_pass"].min(axis=0)).max()
             for card in predictor.predict_cards(cards_export["photo"])]
    assert max(moved) > shift, moved
    assert assert_cards_as_the_predictor(result["cards"], photos, tmp_path, predictor) == len(cards_export["quads"])


def test_find_cards_falls_back_to_the_primary_card(primary_export, monkeypatch, tmp_path):
    """A model exported before the card head: its card has no card outputs, and findCards answers the primary card
    as `Predictor.predict_cards` does (here with a presence threshold of 0, so the untrained model finds one)."""
    monkeypatch.setattr("model.inference.predictor.PRESENCE_THRESHOLD", 0.0)
    net = load_model(primary_export["path"])
    write_card(net, primary_export["path"], primary_export["web"], tmp_path / "model_card.json")
    photos = {"noise": noise_photo((120, 90), seed=9)}
    result = run_find_cards(tmp_path / "model_card.json", primary_export["web"], photos, tmp_path)
    assert len(result["cards"]["noise"]) == 1 and result["cards"]["noise"][0]["orientationConfidence"] == 1
    assert assert_cards_as_the_predictor(result["cards"], photos, tmp_path, Predictor(net)) == 1


def geometry_cases(seed: int) -> tuple[list, list]:
    """`inside` tasks [(point, quad)] and `distinct_cards` tasks [(quads, scores)]: points on edges and corners,
    both windings, answers on one card (a few pixels apart) among other cards, and tied scores."""
    rng = np.random.default_rng(seed)
    card = np.float32([[0, 0], [60, 0], [60, 90], [0, 90]])
    points = [(30, 45), (60, 45), (0, 0), (60, 90), (61, 45), (30, -1), (-1e-3, 45)]
    inside = [(point, quad) for point in points for quad in (card, card[::-1])]
    for _ in range(40):
        quad = card + rng.normal(0, 6, (4, 2)).astype(np.float32) + rng.uniform(0, 200, 2).astype(np.float32)
        inside.append((rng.uniform(-10, 280, 2).astype(np.float32), quad[::rng.choice([1, -1])]))
    distinct = [(np.stack([card, card + 3, card + 100]), np.float32([0.5, 0.9, 0.4])),
                (np.stack([card, card + 2, card - 2]), np.float32([0.7, 0.7, 0.7])),
                (np.zeros([0, 4, 2], np.float32), np.zeros([0], np.float32))]
    for _ in range(20):
        places = rng.uniform(0, 300, (rng.integers(1, 5), 2)).astype(np.float32)
        twins = rng.integers(1, 4, len(places))                       # answers per card, a few pixels apart
        quads = np.concatenate([card + place + rng.normal(0, 4, (twin, 4, 2)).astype(np.float32)
                                for place, twin in zip(places, twins)])
        order = rng.permutation(len(quads))
        distinct.append((quads[order], rng.choice(np.float32([0.3, 0.5, 0.8, 0.95]), len(quads))))
    return inside, distinct


def test_distinct_cards_and_inside_match_python(tmp_path):
    """`distinctCards` and `inside` (Node) keep what `predictor.distinct_cards` and `_inside` keep."""
    inside, distinct = geometry_cases(seed=3)
    job = {"inside": [{"point": np.asarray(point).tolist(), "quad": quad.tolist()} for point, quad in inside],
           "distinct": [{"quads": quads.tolist(), "scores": scores.tolist()} for quads, scores in distinct]}
    (tmp_path / "job.json").write_text(json.dumps(job))
    run_node("module_check.mjs", tmp_path / "job.json", tmp_path)
    result = json.loads((tmp_path / "result.json").read_text())
    expected = [predictor_module._inside(np.float32(point), quad) for point, quad in inside]
    assert result["inside"] == expected
    assert all(expected[:8]) and not any(expected[8:14])                   # edges and corners in, outside out
    assert result["distinct"] == [predictor_module.distinct_cards(quads, scores).tolist() for quads, scores in distinct]
    assert result["distinct"][:3] == [[1, 2], [0], []]
    assert sum(len(kept) < len(quads) for kept, (quads, _) in zip(result["distinct"], distinct)) >= 10  # drops


def test_image_kinds_and_dispose_over_100_frames(tiny_model, tiny_export, tiny_dump, tmp_path):
    """100 frames of two small photos, cycling ImageData-like RGBA, an int32 RGBA tf.Tensor3D and a float32 RGB
    tf.Tensor3D, each through findCard and the live path: every kind answers as its pixels do under
    `Predictor.predict_photo`, no tensor stays behind a frame, and dispose() brings tf.memory().numTensors back to
    where it was before the model was loaded; the finder then refuses to run, in one line. One view (`rotate:
    false`, the live path's) keeps the 100 frames to seconds; the second pass and the warp still run."""
    predictor = Predictor(tiny_model, rotate=False)
    cards = [np.asarray(Image.open(path).convert("RGB")) for path in sorted(tiny_dump.glob("*.jpg"))]
    placed = [card_photo(card, (96, 72), (22, 8, 56), seed=4) for card in cards]
    photos = {"card": placed[int(np.argmax([predictor.predict_photo(photo)["presence"] for photo in placed]))],
              "empty": noise_photo((80, 60), seed=5)}
    job = {"card": str(tiny_export["web"] / "model_card.json"),
           "photos": {name: write_rgba(photo, tmp_path / f"{name}.rgba") for name, photo in photos.items()},
           "memory": {"model": str(tiny_export["web"]), "photos": list(photos), "frames": 100,
                      "options": {"rotate": False}}}
    (tmp_path / "job.json").write_text(json.dumps(job))
    run_node("module_check.mjs", tmp_path / "job.json", tmp_path)
    result = json.loads((tmp_path / "result.json").read_text())["memory"]

    answers = result["answers"]
    assert len(answers) == 100 and {answer["kind"] for answer in answers} == {
        "pixels", "int32 RGBA tensor", "float32 RGB tensor"}
    predicted = {name: predictor.predict_photo(photo) for name, photo in photos.items()}
    for answer in answers:
        expected = predicted[answer["name"]]
        side = max(photos[answer["name"]].shape[:2])
        assert np.abs(np.array(answer["corners"]) - expected["corners"]).max() < 1e-5 * side, answer
        assert answer["presence"] == pytest.approx(expected["presence"], abs=1e-5), answer
        assert answer["cropSize"] == (list(rectify_module.CARD_SIZE) if answer["found"] else None), answer
    assert any(answer["found"] for answer in answers), "the tiny model found no card: nothing was warped"
    counts = result["numTensors"]
    assert counts["loaded"] > counts["start"]                       # the model's weights
    assert counts["afterFrames"] == counts["loaded"], counts        # nothing stays behind a frame
    assert counts["afterDispose"] == counts["start"], counts        # dispose() frees the model
    assert result["afterDispose"].startswith("CardFinder: the finder is disposed") and "\n" not in result[
        "afterDispose"]
