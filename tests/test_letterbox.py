"""The image contract: EXIF-aware loading, the letterbox and its point map."""

import numpy as np
import pytest
from PIL import Image

from augment_tf import letterbox


def _save_sideways(path, exif_orientation):
    """A 200 x 100 stored JPEG, red marker at stored x 10..30, y 10..30, with an EXIF orientation tag."""
    stored = np.zeros([100, 200, 3], np.uint8)
    stored[10:30, 10:30] = [255, 0, 0]
    exif = Image.Exif()
    exif[0x0112] = exif_orientation
    Image.fromarray(stored).save(path, exif=exif, quality=95)


def test_exif_orientation_6_is_loaded_as_displayed(tmp_path):
    _save_sideways(tmp_path / "sideways.jpg", 6)
    photo = letterbox.load_photo(tmp_path / "sideways.jpg")
    assert photo.shape == (200, 100, 3) and photo.dtype == np.uint8
    # Orientation 6 displays the stored image turned 90 degrees clockwise: stored (x, y) -> shown (99 - y, x).
    assert photo[15:25, 75:85, 0].min() > 200 and photo[15:25, 75:85, 1:].max() < 60
    assert photo[15:25, 15:25].max() < 60                                  # not left where it was stored


def test_grayscale_and_palette_photos_become_rgb(tmp_path):
    Image.new("L", (8, 6), 128).save(tmp_path / "gray.png")
    Image.new("P", (8, 6), 3).save(tmp_path / "palette.png")
    Image.new("RGBA", (8, 6), (1, 2, 3, 4)).save(tmp_path / "rgba.png")
    for name in ("gray.png", "palette.png", "rgba.png"):
        assert letterbox.load_photo(tmp_path / name).shape == (6, 8, 3)


@pytest.mark.parametrize("content", [None, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
                                     np.random.default_rng(0).bytes(2000)])
def test_unreadable_photos_raise_a_one_line_error_naming_the_file(tmp_path, content):
    path = tmp_path / "photo.jpg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(letterbox.PhotoError) as error:
        letterbox.load_photo(path)
    message = str(error.value)
    assert message.startswith(f"{path}: cannot read image (") and "\n" not in message


def test_letterbox_puts_the_photo_in_the_content_box_and_fill_around_it():
    image = np.full([30, 90, 3], 200, np.uint8)                             # landscape, 3:1
    canvas, box = letterbox.letterbox(image, 64)
    assert canvas.shape == (64, 64, 3) and canvas.dtype == np.float32
    x0, y0, x1, y1 = box.content_box
    assert (x0, x1) == (0, 64) and y1 - y0 == round(30 * 64 / 90) and y0 == (64 - (y1 - y0)) // 2
    np.testing.assert_allclose(canvas[y0:y1, x0:x1], 200, atol=1e-3)
    outside = np.ones([64, 64], bool)
    outside[y0:y1, x0:x1] = False
    assert outside.any() and np.all(canvas[outside] == letterbox.FILL)


def test_points_round_trip_and_photo_corners_meet_the_content_box():
    box = letterbox.Letterbox(width=333, height=517, size=96)
    points = np.array([[0.0, 0.0], [12.34, 400.5], [332.9, 1.0], [333.0, 517.0]])
    np.testing.assert_allclose(box.to_photo(box.to_input(points)), points, atol=1e-4)
    x0, y0, x1, y1 = box.content_box
    np.testing.assert_array_equal(box.to_input([[0, 0], [333, 517]]), [[x0, y0], [x1, y1]])
    assert (box.inner_w, box.inner_h) == (round(333 * 96 / 517), 96)


def test_a_dot_in_the_photo_lands_where_to_input_puts_it():
    image = np.zeros([300, 400, 3], np.uint8)
    image[187:193, 247:253] = 255                                           # 6 x 6 dot centred on (250, 190)
    canvas, box = letterbox.letterbox(image, 64)
    weights = canvas[..., 0]
    rows, cols = np.mgrid[:64, :64] + 0.5                                   # pixel centres
    found = np.array([(weights * cols).sum(), (weights * rows).sum()]) / weights.sum()
    np.testing.assert_allclose(found, box.to_input([250.0, 190.0]), atol=0.05)   # a half-pixel slip is ~0.4
    assert found[1] > box.oy + 0.5 * box.inner_h                           # and not somewhere trivial


def test_inner_sides_round_half_up_as_the_javascript_port_does():
    box = letterbox.Letterbox(width=5, height=8, size=4)                   # inner width 2.5
    assert (box.inner_w, box.inner_h, box.ox) == (3, 4, 0)
