"""The bundled DejaVu Serif faces, in which procedural cards and background photos set their text.

The files live in `mtg_tfds/fonts/` (installed as package data), with their licence.
"""

import functools
import pathlib

from PIL import ImageFont

FONT_DIR = pathlib.Path(__file__).parent.parent / "fonts"
_FILES = {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf", "italic": "DejaVuSerif-Italic.ttf"}


@functools.lru_cache(maxsize=64)
def font(style: str, size: int) -> ImageFont.FreeTypeFont:
    """Returns the "regular", "bold" or "italic" face at `size` pixels (at least 1)."""
    return ImageFont.truetype(str(FONT_DIR / _FILES[style]), max(1, size))
