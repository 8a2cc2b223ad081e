"""The page (web/index.html) in headless Chromium, driven by playwright-core: it finds what Keras finds.

Two browser runs. In the first every canvas refuses a WebGL context, as in a browser without WebGL
(Chromium 156's `--disable-webgl` leaves it on in headless mode), so the page must fall back to the WASM
backend, and the test asserts that it did; it feeds a PNG, a sideways JPEG with EXIF orientation 6 and a photo
without a card, then runs the webcam path on Chromium's fake capture device. The second lets WebGL run
on SwiftShader (`--enable-unsafe-swiftshader`) and asserts the WebGL backend.
"""

import base64
import io

import numpy as np
import pytest
from PIL import Image
from web_helpers import card_photo, ground, save_sideways_jpeg

from augment_tf import letterbox
from model.inference.predictor import Predictor
from model.inference.rectify import rectify
from web.harness import page_site, run_page, serve, write_y4m

pytestmark = pytest.mark.slow             # two headless Chromium runs of the page on the tiny export

# Of the photo's longer side. The page feeds TF.js the pixels Pillow decodes for Keras, so the corners differ
# by float32 rounding: measured 2.2e-7 (card.png), 1.1e-7 (sideways.jpg), 1.6e-7 (WebGL), floored at 1e-5. (A
# JPEG decoded one level apart on 1% of its pixels would move the tiny model's corners by ~1e-4: if sideways.jpg
# fails alone, compare Chromium's decoded pixels with Pillow's first.)
CORNER_TOLERANCE = 1e-5
WEBCAM_TOLERANCE = 0.02      # the fake webcam hands over the frame through 4:2:0 YUV, which blurs colours: 2.0e-3


@pytest.fixture(scope="module")
def photos(tiny_model, tiny_dump, tmp_path_factory):
    """Test photos on disk, and Keras's `model.predict` answer on each (read as displayed)."""
    folder = tmp_path_factory.mktemp("web_photos")
    predictor = Predictor(tiny_model)
    cards = [np.asarray(Image.open(path).convert("RGB")) for path in sorted(tiny_dump.glob("*.jpg"))]
    # The dumped frame the tiny model is surest of, in two photos; and the ground alone.
    placed = [card_photo(card, (300, 230), (100, 40, 150), seed=1) for card in cards]
    best = int(np.argmax([predictor.predict_photo(photo)["presence"] for photo in placed]))
    Image.fromarray(placed[best]).save(folder / "card.png")
    save_sideways_jpeg(card_photo(cards[best], (320, 240), (120, 50, 170), seed=2), folder / "sideways.jpg")
    Image.fromarray(ground((300, 230), seed=3)).save(folder / "empty.png")
    write_y4m(placed[best], folder / "webcam.y4m")
    keras = {path.name: predictor.predict_photo(letterbox.load_photo(path)) for path in folder.glob("*.*g")}
    presence = {name: round(found["presence"], 3) for name, found in keras.items()}
    if not (presence["card.png"] >= 0.5 and presence["sideways.jpg"] >= 0.5 and presence["empty.png"] < 0.5):
        pytest.fail(f"the tiny model's presences {presence} no longer suit these photos (a card, a card, none)")
    return {"folder": folder, "keras": keras}


@pytest.fixture(scope="module")
def site(tiny_export, tmp_path_factory):
    return page_site(tmp_path_factory.mktemp("web_site") / "site", tiny_export["web"])


@pytest.fixture(scope="module")
def wasm_run(site, photos, tmp_path_factory):
    folder = photos["folder"]
    with serve(site) as url:
        scratch = tmp_path_factory.mktemp("web_run")
        return run_page({"url": url + "index.html", "webgl": False, "saveDir": str(scratch),
                         "photos": [str(folder / name) for name in ("card.png", "sideways.jpg", "empty.png")],
                         "webcam": {"video": str(folder / "webcam.y4m"), "frames": 4}},
                        scratch, "wasm")


def png_pixels(data_url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGB"))


def assert_matches_keras(record: dict, photo: np.ndarray, expected: dict, tolerance: float) -> None:
    side = max(photo.shape[:2])
    assert (record["last"]["width"], record["last"]["height"]) == (photo.shape[1], photo.shape[0])
    assert record["last"]["found"] and "Card found" in record["status"]
    error = np.abs(np.array(record["last"]["corners"]) - expected["corners"]).max()
    assert error < tolerance * side, (error, record["last"]["corners"], expected["corners"])


def test_page_falls_back_to_wasm_without_webgl(wasm_run):
    assert wasm_run.get("error") is None, wasm_run["console"]
    assert wasm_run["backend"] == "wasm"


@pytest.mark.parametrize("name", ["card.png", "sideways.jpg"])
def test_page_corners_and_card_match_keras(wasm_run, photos, name, capsys):
    """Corners within 1% of the side (EXIF applied exactly once), and the straightened card as --rectify's."""
    photo = letterbox.load_photo(photos["folder"] / name)
    record, expected = wasm_run["photos"][name], photos["keras"][name]
    assert_matches_keras(record, photo, expected, CORNER_TOLERANCE)
    card = png_pixels(record["card"])
    difference = np.abs(card.astype(int) - rectify(photo, expected["corners"]))
    assert difference.max() <= 1 and difference.mean() < 2e-3, difference.mean()    # measured max 1, mean 1.2e-4
    assert record["saved"].endswith("card.png")                 # the save button downloads the same picture
    np.testing.assert_array_equal(np.asarray(Image.open(record["saved"]).convert("RGB")), card)
    with capsys.disabled():
        print(f"\n[web page, wasm] {name}: {record['milliseconds'][0]:.0f} ms a frame")


def test_page_says_no_card(wasm_run, photos):
    record = wasm_run["photos"]["empty.png"]
    assert photos["keras"]["empty.png"]["presence"] < 0.5
    assert not record["last"]["found"] and "No card" in record["status"] and record["card"] is None


def test_webcam_path_runs_on_the_fake_camera(wasm_run, photos, capsys):
    record = wasm_run["webcam"]
    assert record["last"]["source"] == "webcam" and record["frames"] >= 4 + 3
    milliseconds = record["milliseconds"]
    assert len(milliseconds) >= 4 and all(value > 0 for value in milliseconds)
    assert_matches_keras(record, letterbox.load_photo(photos["folder"] / "card.png"), photos["keras"]["card.png"],
                         WEBCAM_TOLERANCE)
    with capsys.disabled():
        print(f"\n[web page, wasm] webcam: median {np.median(milliseconds):.0f} ms a frame over {len(milliseconds)}")


def test_page_runs_on_webgl_with_swiftshader(site, photos, tmp_path):
    with serve(site) as url:
        run = run_page({"url": url + "index.html", "swiftshader": True, "photos": [str(photos["folder"] / "card.png")]},
                       tmp_path, "webgl")
    assert run.get("error") is None and run["backend"] == "webgl", run["console"]
    photo = letterbox.load_photo(photos["folder"] / "card.png")
    assert_matches_keras(run["photos"]["card.png"], photo, photos["keras"]["card.png"], CORNER_TOLERANCE)
