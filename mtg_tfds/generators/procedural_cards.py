"""Procedural Magic cards for the offline default dataset.

Each card is drawn at Scryfall's `png` size (745 x 1040) with the parts a photo
of a real card shows: a black, white, silver or gold border (or none), a
coloured and textured frame, a title bar with mana symbols, a painted art box,
a type line with a set symbol, a text box of serif rules and flavour text, a
P/T box, the collector line, and 3 mm rounded corners that are transparent.

Card `i` of seed `s` is a function of (s, i) and of the photos passed in (the
builder passes the background folder's), so building fewer cards gives a prefix
of the same dataset. Given photos, about 30% of art boxes are cut from one, so
any change to the background photos changes those cards (which photo, the crop,
possibly the rest of the card); given none, no art is cut from a photo, and every
card differs from the same card drawn with photos (one random draw fewer).
"""

import dataclasses
import re
from typing import Iterator

import numpy as np
from PIL import Image, ImageDraw

from mtg_tfds import card_shape
from mtg_tfds.generators import card_text, fonts, noise, procedural_art

BORDER_COLORS = ("black", "white", "borderless", "silver", "gold")
_BORDER_WEIGHTS = (0.58, 0.14, 0.13, 0.07, 0.08)
_BORDER_RGB = {"black": (14, 13, 15), "white": (238, 236, 230), "silver": (176, 178, 182),
               "gold": (196, 164, 84)}
FRAMES = ("1997", "2003", "2015")
_COLOR_GROUPS = ("W", "U", "B", "R", "G", "colorless", "multicolor")
# Frame colour and text-box colour of each colour group.
_PALETTE = {
    "W": ((226, 220, 196), (246, 241, 226)), "U": ((40, 105, 170), (196, 216, 232)),
    "B": ((52, 46, 46), (188, 182, 178)), "R": ((186, 64, 44), (236, 204, 188)),
    "G": ((46, 112, 66), (198, 216, 196)), "multicolor": ((204, 172, 86), (236, 226, 192)),
    "colorless": ((150, 152, 160), (212, 212, 216)), "land": ((146, 118, 90), (216, 202, 182)),
}
_SYMBOL_RGB = {"W": (248, 231, 185), "U": (170, 224, 250), "B": (203, 194, 191), "R": (249, 170, 143),
               "G": (155, 211, 174), "T": (205, 200, 195)}
_RARITY_RGB = {"common": (20, 20, 20), "uncommon": (170, 182, 190), "rare": (212, 176, 92),
               "mythic": (230, 110, 40)}
# Boxes as fractions of the card (x0, y0, x1, y1): modern (2003, 2015) and old (1997) layouts.
_LAYOUTS = {
    "modern": {"title": (0.057, 0.046, 0.943, 0.1), "art": (0.08, 0.107, 0.92, 0.556),
               "type": (0.057, 0.561, 0.943, 0.615), "text": (0.075, 0.62, 0.925, 0.913),
               "pt": (0.765, 0.893, 0.935, 0.944)},
    "old": {"title": (0.08, 0.045, 0.92, 0.092), "art": (0.105, 0.1, 0.895, 0.5),
            "type": (0.08, 0.507, 0.92, 0.557), "text": (0.095, 0.567, 0.905, 0.884),
            "pt": (0.74, 0.893, 0.92, 0.94)},
}


@dataclasses.dataclass(frozen=True)
class CardSpec:
    """What one procedural card shows; drawn by `render_card`."""
    index: int
    name: str
    colors: tuple[str, ...]
    card_type: str
    type_line: str
    mana_cost: tuple[str, ...]
    border_color: str
    frame: str
    full_art: bool
    rarity: str
    set_code: str


def _mana_cost(rng: np.random.Generator, colors: tuple[str, ...]) -> tuple[str, ...]:
    generic = [str(rng.integers(1, 6))] if rng.random() < 0.7 else []
    coloured = [str(c) for c in colors for _ in range(rng.integers(1, 3))]
    return tuple(generic + coloured)


def sample_spec(rng: np.random.Generator, index: int) -> CardSpec:
    """Draws what card `index` shows: colours, type, border, frame, rarity.

    Args:
      rng: the card's own random generator.
      index: the card's position in the dataset, part of its id.

    Returns:
      A `CardSpec`.
    """
    group = _COLOR_GROUPS[rng.integers(len(_COLOR_GROUPS))]
    if group == "multicolor":
        colors = tuple(sorted(rng.choice(list("WUBRG"), size=rng.integers(2, 4), replace=False)))
    else:
        colors = () if group == "colorless" else (group,)
    card_type = str(rng.choice(["Creature", "Instant", "Sorcery", "Enchantment", "Artifact", "Land"],
                               p=[0.45, 0.13, 0.12, 0.1, 0.1, 0.1]))
    if card_type == "Land":
        colors = ()
    border = str(rng.choice(BORDER_COLORS, p=_BORDER_WEIGHTS))
    return CardSpec(
        index=index, name=card_text.card_name(rng), colors=colors, card_type=card_type,
        type_line=card_text.type_line(rng, card_type),
        mana_cost=() if card_type == "Land" else _mana_cost(rng, colors),
        border_color=border, frame=str(rng.choice(FRAMES, p=[0.3, 0.25, 0.45])),
        full_art=bool(border == "borderless" or rng.random() < 0.08),
        rarity=str(rng.choice(list(_RARITY_RGB), p=[0.45, 0.3, 0.18, 0.07])),
        set_code="".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), size=3)))


def metadata(spec: CardSpec, seed: int) -> dict:
    """Returns the card's metadata in the dataset's (Scryfall's) field names."""
    return {"name": spec.name, "id": f"procedural-{seed}-{spec.index:05d}", "set": spec.set_code.lower(),
            "border_color": spec.border_color, "frame": spec.frame, "full_art": spec.full_art,
            "colors": list(spec.colors), "color_identity": list(spec.colors), "layout": "normal"}


def _box(layout: dict, key: str, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = layout[key]
    return int(x0 * width), int(y0 * height), int(x1 * width), int(y1 * height)


def _palette(spec: CardSpec) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if spec.card_type == "Land":
        return _PALETTE["land"]
    if len(spec.colors) > 1:
        return _PALETTE["multicolor"]
    return _PALETTE[spec.colors[0] if spec.colors else "colorless"]


def _textured(rng: np.random.Generator, height: int, width: int, rgb, strength: float) -> np.ndarray:
    """A flat colour modulated by fractal noise, like printed frame textures."""
    tex = noise.fractal_noise(rng, height, width, cells=rng.uniform(3, 10))[..., None]
    return np.clip(np.float32(rgb) * (1 - strength / 2 + strength * tex), 0, 255)


def _border_and_frame(rng: np.random.Generator, spec: CardSpec, width: int, height: int):
    """Paints the border colour and the frame inside it; returns (canvas, frame box)."""
    frame_rgb, _ = _palette(spec)
    canvas = _textured(rng, height, width, frame_rgb, 0.35)
    if spec.border_color == "borderless":
        return canvas, (0, 0, width, height)
    side = int(width * rng.uniform(0.034, 0.05))
    bottom = int(height * rng.uniform(0.05, 0.062))
    border = _textured(rng, height, width, _BORDER_RGB[spec.border_color],
                       0.25 if spec.border_color in ("silver", "gold") else 0.06)
    inner = np.zeros((height, width, 1), bool)
    inner[side:height - bottom, side:width - side] = True
    return np.where(inner, canvas, border), (side, side, width - side, height - bottom)


def _bevel(draw: ImageDraw.ImageDraw, box, fill, radius: int, outline=(20, 18, 16)) -> None:
    """A filled rounded box with a dark outline and a light inner edge."""
    draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=3)
    x0, y0, x1, y1 = box
    light = tuple(min(255, c + 40) for c in fill[:3])
    draw.rounded_rectangle((x0 + 3, y0 + 3, x1 - 3, y1 - 3), radius=max(radius - 3, 0), outline=light, width=1)


def _symbol(draw: ImageDraw.ImageDraw, centre, diameter: int, symbol: str) -> None:
    """A mana or tap symbol: a shadowed circle with its letter or number."""
    x, y = centre
    r = diameter / 2
    draw.ellipse((x - r + 2, y - r + 3, x + r + 2, y + r + 3), fill=(10, 10, 10))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=_SYMBOL_RGB.get(symbol, (204, 196, 192)))
    draw.text((x, y), symbol, font=fonts.font("bold", int(diameter * 0.62)), fill=(18, 16, 14), anchor="mm")


def _text_line(draw: ImageDraw.ImageDraw, x: float, y: float, text: str, size: int, style: str, fill) -> float:
    """Draws one line with `{X}` symbols inline; returns the x where it ended."""
    for token in re.split(r"(\{[^}]+\})", text):
        if token.startswith("{"):
            _symbol(draw, (x + size * 0.45, y + size * 0.55), int(size * 0.85), token[1:-1])
            x += size * 0.95
        elif token:
            draw.text((x, y), token, font=fonts.font(style, size), fill=fill)
            x += draw.textlength(token, font=fonts.font(style, size))
    return x


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, style: str, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and draw.textlength(re.sub(r"\{[^}]+\}", "MM", trial), font=fonts.font(style, size)) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + [line] if line else lines


def _rules_box(rng: np.random.Generator, draw: ImageDraw.ImageDraw, spec: CardSpec, box) -> None:
    """Rules paragraphs, a rule, then italic flavour text, shrunk until they fit the box."""
    x0, y0, x1, y1 = box
    mana = "{" + (spec.colors[0] if spec.colors else str(rng.integers(1, 4))) + "}"
    paragraphs = [(p, "regular") for p in card_text.rules_text(rng, spec.name, mana)]
    if rng.random() < 0.6:
        paragraphs.append((card_text.flavor_text(rng), "italic"))
    for size in range(min(int((y1 - y0) * 0.11), 32), 8, -2):
        laid = [(line, style) for text, style in paragraphs for line in _wrap(draw, text, size, style, x1 - x0 - 24)]
        if len(laid) * size * 1.25 + len(paragraphs) * size * 0.4 < y1 - y0 - 16:
            break
    y = y0 + 10
    for text, style in paragraphs:
        for line in _wrap(draw, text, size, style, x1 - x0 - 24):
            _text_line(draw, x0 + 12, y, line, size, style, (18, 16, 14))
            y += size * 1.25
        y += size * 0.4


def _set_symbol(rng: np.random.Generator, draw: ImageDraw.ImageDraw, centre, size: float, rarity: str) -> None:
    """A small polygon in the rarity colour with a black outline."""
    corners = rng.integers(3, 9)
    angles = np.linspace(0, 2 * np.pi, corners, endpoint=False) + rng.uniform(0, np.pi)
    radii = size / 2 * rng.uniform(0.55, 1.0, corners)
    points = [(centre[0] + r * np.cos(a), centre[1] + r * np.sin(a)) for r, a in zip(radii, angles)]
    draw.polygon(points, fill=_RARITY_RGB[rarity], outline=(0, 0, 0), width=2)


def _draw_parts(rng: np.random.Generator, canvas: Image.Image, spec: CardSpec, frame_box) -> None:
    """Title, type line, text box, P/T and collector line over the painted card."""
    width, height = canvas.size
    layout = _LAYOUTS["old" if spec.frame == "1997" else "modern"]
    draw = ImageDraw.Draw(canvas, "RGBA")
    frame_rgb, box_rgb = _palette(spec)
    alpha = 170 if spec.full_art else 255
    bar_fill = tuple(min(255, int(c * 0.35 + b * 0.65)) for c, b in zip(frame_rgb, box_rgb)) + (alpha,)
    title, type_box = _box(layout, "title", width, height), _box(layout, "type", width, height)
    ink = (245, 245, 245) if spec.frame == "1997" and sum(frame_rgb) < 350 else (16, 14, 12)
    for bar in (title, type_box):
        if spec.frame != "1997":
            _bevel(draw, bar, bar_fill, radius=(bar[3] - bar[1]) // 3)
    size = int((title[3] - title[1]) * 0.62)
    _text_line(draw, title[0] + 14, title[1] + (title[3] - title[1] - size) / 2.2, spec.name, size, "bold", ink)
    x = title[2] - 12 - size * 0.95 * len(spec.mana_cost)
    _text_line(draw, x, title[1] + (title[3] - title[1] - size) / 2.2, "".join(f"{{{m}}}" for m in spec.mana_cost),
               size, "bold", ink)
    size = int((type_box[3] - type_box[1]) * 0.55)
    while draw.textlength(spec.type_line, font=fonts.font("bold", size)) > type_box[2] - type_box[0] - 70:
        size -= 1
    _text_line(draw, type_box[0] + 14, type_box[1] + (type_box[3] - type_box[1] - size) / 2.2,
               spec.type_line, size, "bold", ink)
    _set_symbol(rng, draw, (type_box[2] - 30, (type_box[1] + type_box[3]) / 2), size * 1.2, spec.rarity)
    text_box = _box(layout, "text", width, height)
    _bevel(draw, text_box, tuple(box_rgb) + (200 if spec.full_art else 255,), radius=4)
    _rules_box(rng, draw, spec, text_box)
    if spec.card_type == "Creature":
        pt = _box(layout, "pt", width, height)
        if spec.frame != "1997":
            _bevel(draw, pt, bar_fill, radius=10)
        draw.text(((pt[0] + pt[2]) / 2, (pt[1] + pt[3]) / 2), f"{rng.integers(0, 8)}/{rng.integers(1, 8)}",
                  font=fonts.font("bold", int((pt[3] - pt[1]) * 0.7)), fill=ink, anchor="mm")
    _collector_line(rng, draw, spec, frame_box, height)


def _collector_line(rng, draw: ImageDraw.ImageDraw, spec: CardSpec, frame_box, height: int) -> None:
    """Tiny collector number, set code and artist in the bottom border; a holo stamp on rares."""
    light = spec.border_color in ("black", "borderless")
    fill = (235, 235, 235) if light else (20, 20, 20)
    y = frame_box[3] + 4 if spec.border_color != "borderless" else height - 48
    info = f"{rng.integers(1, 300):03d}/{rng.integers(300, 400)} {spec.rarity[0].upper()}  {spec.set_code} \u2022 EN"
    draw.text((frame_box[0] + 18, y), info, font=fonts.font("bold", 15), fill=fill)
    artist = card_text.card_name(rng)
    draw.text((frame_box[0] + 18, y + 18), f"Illus. {artist}", font=fonts.font("italic", 15), fill=fill)
    if spec.frame == "2015" and spec.rarity in ("rare", "mythic"):
        cx, cy = draw.im.size[0] / 2, _LAYOUTS["modern"]["text"][3] * height
        draw.ellipse((cx - 22, cy - 12, cx + 22, cy + 12), fill=(200, 196, 180), outline=(90, 80, 60), width=2)


def render_card(spec: CardSpec, rng: np.random.Generator, photos: list[np.ndarray] | None = None) -> np.ndarray:
    """Draws a card.

    Args:
      spec: what the card shows, from `sample_spec`.
      rng: the card's own random generator.
      photos: optional uint8 [H, W, 3] photographs that art boxes may be cut from.

    Returns:
      uint8 array [1040, 745, 4]: RGBA with transparent rounded corners.
    """
    width, height = card_shape.CARD_WIDTH_PX, card_shape.CARD_HEIGHT_PX
    painted, frame_box = _border_and_frame(rng, spec, width, height)
    layout = _LAYOUTS["old" if spec.frame == "1997" else "modern"]
    x0, y0, x1, y1 = frame_box if spec.full_art else _box(layout, "art", width, height)
    painted[y0:y1, x0:x1] = procedural_art.paint_art(rng, y1 - y0, x1 - x0, photos)
    canvas = Image.fromarray(np.uint8(painted)).convert("RGBA")
    if not spec.full_art:
        ImageDraw.Draw(canvas).rectangle((x0, y0, x1, y1), outline=(12, 10, 8), width=3)
    _draw_parts(rng, canvas, spec, frame_box)
    rgba = np.array(canvas)
    rgba[..., 3] = card_shape.rounded_alpha(width, height)
    return rgba


def generate_cards(num_cards: int, seed: int,
                   photos: list[np.ndarray] | None = None) -> Iterator[tuple[dict, np.ndarray]]:
    """Yields `num_cards` procedural cards, each a function of (seed, index, photos).

    Args:
      num_cards: how many cards.
      seed: the dataset seed.
      photos: optional photographs for some art boxes (the same list, in the
        same order, must be passed every time for the output to repeat).

    Yields:
      (metadata dict, uint8 RGBA image [1040, 745, 4]).
    """
    for index in range(num_cards):
        rng = np.random.default_rng([seed, index])
        spec = sample_spec(rng, index)
        yield metadata(spec, seed), render_card(spec, rng, photos)
