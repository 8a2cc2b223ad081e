"""Reads the background photos that synthetic training images are composited onto.

The dataset builder walks a folder of photos (by default the repository's
`backgrounds/`) and stores each one, with where it came from and its licence,
so that the on-device synthesis can put cards on real-looking surfaces. Users
extend the set by dropping their own jpg/png/webp files into the folder.

A folder's `README.md` names the source and licence of each file in a markdown
table (`| file | source | license |`); files without a row are reported as
user-supplied with an unknown licence. Bad input never stops a build: unreadable,
truncated or tiny files are skipped with a warning, and every other image is
converted to RGB, turned upright by its EXIF orientation and shrunk so that its
longer side is at most `MAX_SIDE`.
"""

import dataclasses
import logging
import pathlib
import sys
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageOps

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MIN_SIDE = 256  # smaller images are skipped with a warning
MAX_SIDE = 1024  # larger images are downscaled (keeping the aspect) so the dataset stays small

USER_SOURCE = "user-supplied"
UNKNOWN_LICENSE = "unknown"
_TABLE_HEADER = ("file", "source", "license")
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")  # 16-bit grayscale as Pillow opens it

_log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Background:
    """One background photo and its provenance.

    Attributes:
      filename: the file's name inside the folder.
      image: uint8 [H, W, 3] RGB.
      source: where the file came from, from the README table; "user-supplied" if it has no row.
      license: the file's licence, from the README table; "unknown" if it has no row.
    """

    filename: str
    image: np.ndarray
    source: str
    license: str


# Where `pip install .` puts the bundled photos (setup.cfg's data_files), for an install without the checkout.
INSTALLED_FOLDER = pathlib.Path(sys.prefix) / "share" / "mtg-card-corners" / "backgrounds"


def default_folder() -> pathlib.Path:
    """Returns the bundled `backgrounds/` folder: the checkout's, else the installed copy's."""
    checkout = pathlib.Path(__file__).resolve().parent.parent / "backgrounds"
    return checkout if checkout.is_dir() or not INSTALLED_FOLDER.is_dir() else INSTALLED_FOLDER


def read_sources(folder: pathlib.Path) -> dict[str, tuple[str, str]]:
    """Reads the provenance table from a folder's README.md.

    The table is the first markdown table whose header row is exactly
    `| file | source | license |` (case and spacing aside); it ends at the first
    line that is not a table row. File names may be wrapped in backticks.

    Args:
      folder: the background folder.

    Returns:
      {file name: (source, license)}; empty if there is no README.md or no such table.
    """
    readme = pathlib.Path(folder) / "README.md"
    if not readme.is_file():
        return {}
    sources = {}
    in_table = False
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = _table_cells(line)
        if not in_table:
            in_table = cells is not None and tuple(c.lower() for c in cells) == _TABLE_HEADER
        elif cells is None:
            break
        elif len(cells) == 3 and not set("".join(cells)) <= set("-: "):  # skip the |---| row
            name, source, license_ = cells
            sources[name.strip("`")] = (source, license_)
    return sources


def iter_backgrounds(folder: pathlib.Path, max_side: int = MAX_SIDE,
                     min_side: int = MIN_SIDE) -> Iterator[Background]:
    """Yields the usable images of a folder, one at a time, in sorted file-name order.

    Only files directly in the folder whose suffix is in `IMAGE_SUFFIXES` are
    read; other files (README.md, ...) and subfolders are ignored. Corrupt,
    truncated and too-small files are skipped with a warning.

    Args:
      folder: the background folder.
      max_side: images whose longer side exceeds this are downscaled to it.
      min_side: images whose shorter side is below this are skipped.

    Yields:
      `Background`s, each holding uint8 [H, W, 3] RGB pixels.

    Raises:
      FileNotFoundError: if `folder` is not a directory.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Background folder not found: {folder}")
    sources = read_sources(folder)
    paths = sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
                   key=lambda p: p.name)
    for path in paths:
        image = _load_rgb(path, max_side, min_side)
        if image is not None:
            source, license_ = sources.get(path.name, (USER_SOURCE, UNKNOWN_LICENSE))
            yield Background(path.name, image, source, license_)


def _table_cells(line: str) -> list[str] | None:
    """Returns the stripped cells of a markdown table row, or None if `line` is not one."""
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|") and len(line) > 1):
        return None
    return [cell.strip() for cell in line[1:-1].split("|")]


def _load_rgb(path: pathlib.Path, max_side: int, min_side: int) -> np.ndarray | None:
    """Returns a file's pixels as upright uint8 RGB no larger than `max_side`, or None (with a
    warning) if the file cannot be decoded or is smaller than `min_side`."""
    try:
        with Image.open(path) as image:
            if min(image.size) < min_side:
                _log.warning("Skipping background %s: %dx%d is smaller than %d pixels on a side.",
                             path, *image.size, min_side)
                return None
            image.draft("RGB", (max_side, max_side))  # JPEG only: decode at a reduced scale, saving memory
            rgb = _to_rgb(ImageOps.exif_transpose(image))
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return np.asarray(rgb, np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        _log.warning("Skipping background %s: cannot read it (%s).", path, error)
        return None


def _to_rgb(image: Image.Image) -> Image.Image:
    """Converts any Pillow mode to RGB: transparency is flattened onto white, and 16-bit grey is
    scaled down to 8 bits rather than clipped (which Pillow's own conversion does)."""
    if image.mode in _SIXTEEN_BIT_MODES:
        grey = np.asarray(image, np.float64) / 257
        return Image.fromarray(np.clip(grey + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return image.convert("RGB")
