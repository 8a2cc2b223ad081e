"""Tests for the background reader (`mtg_tfds.background_folder`), the bundled `backgrounds/`
folder, and the procedural generators (`mtg_tfds.generators.background_photos`) that made part of it."""

import logging
import pathlib

import numpy as np
import pytest
from PIL import Image

from mtg_tfds import background_folder
from mtg_tfds.generators import background_photos

SMALL = 64  # min_side used with the tiny test images


def _save(folder: pathlib.Path, name: str, image: Image.Image, **params) -> pathlib.Path:
    path = folder / name
    image.save(path, **params)
    return path


def _noise_image(width: int, height: int, seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def _read(folder: pathlib.Path, max_side: int = background_folder.MAX_SIDE) -> list[background_folder.Background]:
    return list(background_folder.iter_backgrounds(folder, max_side=max_side, min_side=SMALL))


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --------------------------------------------------------------------------
# Reading files.

def test_corrupt_file_is_skipped_with_a_warning(tmp_path, caplog):
    (tmp_path / "broken.jpg").write_bytes(b"this is not a JPEG at all")
    _save(tmp_path, "good.png", _noise_image(80, 80))
    with caplog.at_level(logging.WARNING):
        found = _read(tmp_path)
    assert [b.filename for b in found] == ["good.png"]
    assert any("broken.jpg" in message for message in _warnings(caplog))


def test_truncated_jpeg_is_skipped_with_a_warning(tmp_path, caplog):
    whole = _save(tmp_path, "whole.jpg", _noise_image(120, 90), quality=90)
    (tmp_path / "cut.jpg").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        found = _read(tmp_path)
    assert [b.filename for b in found] == ["whole.jpg"]
    assert any("cut.jpg" in message for message in _warnings(caplog))


def test_too_small_image_is_skipped_with_a_warning(tmp_path, caplog):
    _save(tmp_path, "thin.png", _noise_image(200, SMALL - 1))
    _save(tmp_path, "fits.png", _noise_image(SMALL, SMALL))
    with caplog.at_level(logging.WARNING):
        found = _read(tmp_path)
    assert [b.filename for b in found] == ["fits.png"]
    assert any("thin.png" in message for message in _warnings(caplog))


def _palette_image() -> Image.Image:
    return _noise_image(80, 70).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)


def _transparent_palette_image() -> Image.Image:
    image = Image.new("P", (80, 70), 3)
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] * 64)
    image.info["transparency"] = 3
    return image


@pytest.mark.parametrize("name, make, expected_corner", [
    ("gray.png", lambda: Image.new("L", (80, 70), 77), (77, 77, 77)),
    ("gray_alpha.png", lambda: Image.new("LA", (80, 70), (77, 255)), (77, 77, 77)),
    ("rgba_clear.png", lambda: Image.new("RGBA", (80, 70), (10, 20, 30, 0)), (255, 255, 255)),
    ("rgba_opaque.png", lambda: Image.new("RGBA", (80, 70), (10, 20, 30, 255)), (10, 20, 30)),
    ("palette.png", _palette_image, None),
    ("palette_clear.png", _transparent_palette_image, (255, 255, 255)),
    ("deep.png", lambda: Image.fromarray(np.full((70, 80), 60000, np.uint16)), (233, 233, 233)),
    ("cmyk.jpg", lambda: Image.new("CMYK", (80, 70), (0, 255, 255, 0)), None),
    ("bilevel.png", lambda: Image.new("1", (80, 70), 1), (255, 255, 255)),
])
def test_any_mode_becomes_rgb_uint8(tmp_path, name, make, expected_corner):
    _save(tmp_path, name, make())
    [found] = _read(tmp_path)
    assert found.image.shape == (70, 80, 3)
    assert found.image.dtype == np.uint8
    if expected_corner is not None:
        assert tuple(found.image[0, 0]) == pytest.approx(expected_corner, abs=2)


def test_cmyk_red_stays_red(tmp_path):
    _save(tmp_path, "cmyk.jpg", Image.new("CMYK", (80, 70), (0, 255, 255, 0)), quality=95)
    [found] = _read(tmp_path)
    red, green, blue = found.image[35, 40].astype(int)
    assert red > 200 and green < 60 and blue < 60


def test_webp_is_read(tmp_path):
    _save(tmp_path, "mat.webp", Image.new("RGB", (90, 80), (200, 40, 10)), lossless=True)
    [found] = _read(tmp_path)
    assert found.image.shape == (80, 90, 3)
    assert tuple(found.image[10, 10]) == (200, 40, 10)


@pytest.mark.parametrize("size, expected_shape", [
    ((800, 300), (150, 400, 3)),  # landscape: width limited
    ((300, 800), (400, 150, 3)),  # portrait: height limited
    ((200, 100), (100, 200, 3)),  # already small enough: untouched
])
def test_large_images_are_downscaled_keeping_aspect(tmp_path, size, expected_shape):
    _save(tmp_path, "big.jpg", _noise_image(*size), quality=90)
    [found] = _read(tmp_path, max_side=400)
    assert found.image.shape == expected_shape


def test_exif_orientation_is_applied(tmp_path):
    stored = Image.new("RGB", (120, 80), (0, 0, 255))  # stored landscape, left half red
    stored.paste((255, 0, 0), (0, 0, 60, 80))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    _save(tmp_path, "phone.jpg", stored, exif=exif, quality=95)
    [found] = _read(tmp_path)
    assert found.image.shape == (120, 80, 3)  # displayed portrait
    assert found.image[10, 40, 0] > 200 and found.image[110, 40, 2] > 200  # red on top, blue below


def test_only_image_files_directly_in_the_folder_are_read_in_sorted_order(tmp_path):
    for name, side in (("b.png", 80), ("a.jpg", 64), ("C.jpeg", 200)):  # byte sizes in another order
        _save(tmp_path, name, _noise_image(side, side))
    (tmp_path / "README.md").write_text("# notes\n")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "image.gif").write_bytes(b"GIF89a")
    (tmp_path / "nested").mkdir()
    _save(tmp_path / "nested", "inside.jpg", _noise_image(80, 80))
    (tmp_path / "folder.jpg").mkdir()  # a directory with an image suffix
    assert [b.filename for b in _read(tmp_path)] == ["C.jpeg", "a.jpg", "b.png"]


def test_missing_folder_raises_naming_it(tmp_path):
    missing = tmp_path / "no_such_backgrounds"
    with pytest.raises(FileNotFoundError, match="no_such_backgrounds"):
        _read(missing)


# --------------------------------------------------------------------------
# The README table.

_README = """# My backgrounds

Some prose, then an unrelated table:

| name | value |
|------|-------|
| x.jpg | 1 |

| File | Source | License |
| :--- | :----- | ------: |
| `mat.png` | my own photo, [link](https://example.com/a) | CC-BY-4.0 |
| desk.jpg | generated (seed 3) | CC0-1.0 |

| desk.jpg | a later table that is not read | nope |
"""


def test_read_sources_parses_the_table(tmp_path):
    (tmp_path / "README.md").write_text(_README)
    assert background_folder.read_sources(tmp_path) == {
        "mat.png": ("my own photo, [link](https://example.com/a)", "CC-BY-4.0"),
        "desk.jpg": ("generated (seed 3)", "CC0-1.0"),
    }


def test_read_sources_without_readme_is_empty(tmp_path):
    assert background_folder.read_sources(tmp_path) == {}


def test_files_without_a_row_are_user_supplied(tmp_path):
    (tmp_path / "README.md").write_text(_README)
    _save(tmp_path, "mat.png", _noise_image(80, 80))
    _save(tmp_path, "mine.jpg", _noise_image(80, 80))
    found = {b.filename: (b.source, b.license) for b in _read(tmp_path)}
    assert found == {
        "mat.png": ("my own photo, [link](https://example.com/a)", "CC-BY-4.0"),
        "mine.jpg": (background_folder.USER_SOURCE, background_folder.UNKNOWN_LICENSE),
    }
    assert background_folder.USER_SOURCE == "user-supplied" and background_folder.UNKNOWN_LICENSE == "unknown"


# --------------------------------------------------------------------------
# The bundled folder.

def test_default_folder_is_the_repository_backgrounds():
    assert background_folder.default_folder() == pathlib.Path(__file__).resolve().parent.parent / "backgrounds"


def test_every_bundled_file_has_a_row_and_every_row_a_file():
    folder = background_folder.default_folder()
    files = {p.name for p in folder.iterdir() if p.suffix.lower() in background_folder.IMAGE_SUFFIXES}
    sources = background_folder.read_sources(folder)
    assert files == set(sources)
    assert all(source and license_ and license_ != "unknown" for source, license_ in sources.values())


def test_bundled_files_read_without_warnings(caplog):
    with caplog.at_level(logging.WARNING):
        found = list(background_folder.iter_backgrounds(background_folder.default_folder()))
    assert _warnings(caplog) == []
    assert len(found) >= 40
    for background in found:
        assert background.image.dtype == np.uint8 and background.image.ndim == 3
        assert background.image.shape[2] == 3
        assert background_folder.MIN_SIDE <= min(background.image.shape[:2])
        assert max(background.image.shape[:2]) <= background_folder.MAX_SIDE


def test_bundle_plan_matches_the_bundled_files_and_their_rows():
    sources = background_folder.read_sources(background_folder.default_folder())
    plan = background_photos.bundle_plan(seed=0)
    assert len({name for name, *_ in plan}) == len(plan)
    for name, family, seed, (height, width) in plan:
        assert name.startswith(family + "_")
        assert sources[name][0] == f"generated by mtg_tfds/generators/background_photos.py (seed {seed})"
        with Image.open(background_folder.default_folder() / name) as image:
            assert image.size == (width, height)


_FIRST_OF_EACH_FAMILY = {family: (name, seed, size)
                         for name, family, seed, size in reversed(background_photos.bundle_plan(seed=0))}


@pytest.mark.parametrize("family", sorted(_FIRST_OF_EACH_FAMILY))
def test_bundled_files_match_what_the_code_generates_now(family):
    """Fails when background_photos.py changes without the bundled files being regenerated."""
    name, seed, (height, width) = _FIRST_OF_EACH_FAMILY[family]
    fresh = Image.fromarray(background_photos.FAMILIES[family](np.random.default_rng(seed), height, width))
    with Image.open(background_folder.default_folder() / name) as stored:
        # Compared at 1/8 scale, where JPEG's error (grain, chroma subsampling) averages out.
        difference = np.asarray(fresh.reduce(8), np.float32) - np.asarray(stored.reduce(8), np.float32)
    assert np.abs(difference).mean() < 1.5


# --------------------------------------------------------------------------
# Background photo generators.

@pytest.mark.parametrize("family", sorted(background_photos.FAMILIES))
@pytest.mark.parametrize("height, width", [(48, 80), (90, 60)])
def test_texture_shape_dtype_and_determinism(family, height, width):
    generate = background_photos.FAMILIES[family]
    first = generate(np.random.default_rng(7), height, width)
    again = generate(np.random.default_rng(7), height, width)
    other = generate(np.random.default_rng(8), height, width)
    assert first.shape == (height, width, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, again)
    assert np.abs(first.astype(int) - other.astype(int)).mean() > 1
    assert first.std() > 0.5  # a picture, not a flat fill
