"""web/src in Node: the letterbox, the warp, the rotations and `findCard` answer as the Python side does."""

import json

import numpy as np
import pytest
from PIL import Image
from web_helpers import card_photo, run_node, write_rgba

from augment_tf import letterbox
from model.inference import rotations
from model.inference.predictor import Predictor
from model.inference.rectify import CARD_SIZE, rectify

# Photos of random pixels whose letterbox shrinks, enlarges, or takes a region; (name, (width, height), size, region).
LETTERBOX_CASES = [("wide", (301, 177), 64, None), ("small", (37, 50), 64, None), ("big", (900, 700), 64, None),
                   ("big", (900, 700), 48, (100, 200, 400, 650))]
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


def noise_photo(size: tuple[int, int], seed: int) -> np.ndarray:
    """[height, width, 3] uint8: smooth blobs plus pixel noise, so both resampling and detail matter."""
    width, height = size
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (max(2, height // 16), max(2, width // 16), 3)).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC), np.float64)
    return np.clip(smooth + rng.normal(0, 30, smooth.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def node_run(tiny_model, tiny_export, tiny_dump, tmp_path_factory):
    """The photos, and what web/node/module_check.mjs computed on them."""
    scratch = tmp_path_factory.mktemp("web_module")
    photos = {name: noise_photo(size, seed) for seed, (name, size, _, _) in enumerate(LETTERBOX_CASES)}
    dumped = sorted(tiny_dump.glob("*.jpg"))
    for index, path in enumerate(dumped[:3]):
        card = np.asarray(Image.open(path).convert("RGB"))
        photos[f"card{index}"] = card_photo(card, (260 + 40 * index, 200), (30 + 50 * index, 20, 150), seed=index)
    job = {"photos": {name: write_rgba(photo, scratch / f"{name}.rgba") for name, photo in photos.items()},
           "letterbox": [{"photo": name, "size": size, **({"region": region} if region else {})}
                         for name, _, size, region in LETTERBOX_CASES],
           "rectify": [{"photo": "big", "corners": WARP_CORNERS}],
           "turn": {"size": TURN_SIZE, "point": TURN_POINT},
           "combine": [dict(zip(("quads", "presences"), (answer.tolist() for answer in view_answers(seed))))
                       for seed in range(20)],
           "find": {"model": str(tiny_export["web"]), "photos": [name for name in photos if name.startswith("card")]}}
    (scratch / "job.json").write_text(json.dumps(job))
    run_node("module_check.mjs", scratch / "job.json", scratch)
    return {"photos": photos, "scratch": scratch, "result": json.loads((scratch / "result.json").read_text())}


@pytest.mark.parametrize("case", range(len(LETTERBOX_CASES)))
def test_letterbox_matches_python(node_run, case):
    name, _, size, region = LETTERBOX_CASES[case]
    photo = node_run["photos"][name]
    x0, y0, x1, y1 = region or (0, 0, photo.shape[1], photo.shape[0])
    expected, frame = letterbox.letterbox(photo[y0:y1, x0:x1], size)
    got = np.fromfile(node_run["scratch"] / f"letterbox_{case}.bin", np.float32).reshape(size, size, 3)
    assert np.abs(got - expected).max() < 0.01                # TF resizes in float32, the port in float64
    js_frame = node_run["result"]["letterbox"][case]
    assert (js_frame["innerW"], js_frame["innerH"], js_frame["ox"], js_frame["oy"]) == (
        frame.inner_w, frame.inner_h, frame.ox, frame.oy)


def test_rectify_matches_pillow(node_run):
    expected = rectify(node_run["photos"]["big"], np.array(WARP_CORNERS))
    width, height = CARD_SIZE
    got = np.fromfile(node_run["scratch"] / "rectify_0.bin", np.uint8).reshape(height, width, 4)
    difference = np.abs(got[..., :3].astype(int) - expected)
    assert difference.max() <= 1 and (difference > 0).mean() < 1e-3     # rounding at Pillow's truncation only
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


def test_find_card_matches_the_predictor(node_run, tiny_model):
    predictor = Predictor(tiny_model)
    found_any = False
    for name, got in node_run["result"]["find"].items():
        photo = node_run["photos"][name]
        expected = predictor.predict_photo(photo)
        side = max(photo.shape[:2])
        assert np.abs(np.array(got["corners"]) - expected["corners"]).max() < 1e-3 * side, name
        assert np.abs(np.array(got["firstPass"]) - expected["first_pass"]).max() < 1e-3 * side, name
        assert got["presence"] == pytest.approx(expected["presence"], abs=1e-4)
        assert got["found"] == (expected["presence"] >= 0.5)
        crop_path = node_run["scratch"] / f"find_{name}.bin"
        assert crop_path.exists() == got["found"]
        if got["found"]:
            found_any = True
            crop = np.fromfile(crop_path, np.uint8).reshape(CARD_SIZE[1], CARD_SIZE[0], 4)[..., :3]
            assert np.abs(crop.astype(int) - rectify(photo, expected["corners"])).mean() < 0.5, name
    assert found_any, "the tiny model found no card in the test photos: nothing compared the warp"
