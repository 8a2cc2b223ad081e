"""Drawing primitives that every procedural card family shares: textures, bars, symbols, text.

Boxes are pixel tuples (x0, y0, x1, y1) on a PIL canvas; colours are RGB(A) tuples.
Everything random draws from the `numpy.random.Generator` it is given.
"""

import re

import numpy as np
from PIL import ImageDraw

from mtg_tfds.generators import card_text, fonts, noise

INK = (18, 16, 14)
_SYMBOL_RGB = {"W": (248, 231, 185), "U": (170, 224, 250), "B": (203, 194, 191), "R": (249, 170, 143),
               "G": (155, 211, 174), "T": (205, 200, 195)}
RARITY_RGB = {"common": (20, 20, 20), "uncommon": (170, 182, 190), "rare": (212, 176, 92),
              "mythic": (230, 110, 40)}
# 1993 frames: the texture each colour's frame was printed with.
COLOUR_TEXTURES = {"W": "stone", "U": "water", "B": "stone", "R": "lava", "G": "leaves", "colorless": "stone",
                   "multicolor": "gold", "land": "wood"}


def textured(rng: np.random.Generator, height: int, width: int, rgb, strength: float) -> np.ndarray:
    """A flat colour modulated by fractal noise, like printed frame textures. float32 [H, W, 3]."""
    tex = noise.fractal_noise(rng, height, width, cells=rng.uniform(3, 10))[..., None]
    return np.clip(np.float32(rgb) * (1 - strength / 2 + strength * tex), 0, 255)


def colour_texture(rng: np.random.Generator, height: int, width: int, rgb, kind: str) -> np.ndarray:
    """A 1993 frame's texture in its colour: "stone", "water", "lava", "leaves", "wood" or "gold".

    Returns float32 [height, width, 3] in 0..255.
    """
    base = noise.fractal_noise(rng, height, width, cells=rng.uniform(4, 8))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32) / width
    if kind == "stone":            # mottled slabs crossed by dark veins
        veins = np.abs(noise.fractal_noise(rng, height, width, cells=5) - 0.5) < 0.02
        shade = 0.7 + 0.5 * base - 0.35 * veins
    elif kind == "water":          # ripples bent by the noise
        shade = 0.75 + 0.25 * np.sin(yy * 90 + base * 12) + 0.2 * (base - 0.5)
    elif kind == "lava":           # dark rock with glowing cracks
        ridges = 1 - np.abs(2 * noise.fractal_noise(rng, height, width, cells=6) - 1)
        glow = np.clip((ridges - 0.8) * 5, 0, 1)[..., None]
        rock = np.float32(rgb) * (0.45 + 0.4 * base)[..., None]
        return np.clip(rock * (1 - glow) + np.float32((255, 190, 70)) * glow, 0, 255)
    elif kind == "leaves":         # overlapping leaves in a few greens
        leaves = noise.smooth_noise(rng, height, width, cells=width / 14)
        shade = 0.55 + 0.3 * base + 0.3 * (leaves > 0.55) - 0.2 * (leaves < 0.3)
    elif kind == "wood":           # grain running down the frame
        shade = 0.75 + 0.2 * np.sin(xx * 160 + base * 18) + 0.15 * (base - 0.5)
    else:                          # gold: a smooth metallic sheen
        shade = 0.85 + 0.2 * base + 0.1 * np.sin(yy * 6)
    return np.clip(np.float32(rgb) * shade[..., None], 0, 255)


def bevel(draw: ImageDraw.ImageDraw, box, fill, radius: int, outline=(20, 18, 16)) -> None:
    """A filled rounded box with a dark outline and a light inner edge."""
    draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=3)
    x0, y0, x1, y1 = box
    light = tuple(min(255, c + 40) for c in fill[:3])
    draw.rounded_rectangle((x0 + 3, y0 + 3, x1 - 3, y1 - 3), radius=max(radius - 3, 0), outline=light, width=1)


def inset_bevel(draw: ImageDraw.ImageDraw, box, depth: int, rgb) -> None:
    """The 1993 frame's sunken edge around a box: shadow above and left, light below and right."""
    x0, y0, x1, y1 = box
    dark = tuple(int(c * 0.45) for c in rgb)
    light = tuple(min(255, int(c * 1.35 + 40)) for c in rgb)
    draw.polygon([(x0 - depth, y0 - depth), (x1 + depth, y0 - depth), (x1, y0), (x0, y0), (x0, y1),
                  (x0 - depth, y1 + depth)], fill=dark)
    draw.polygon([(x1 + depth, y0 - depth), (x1 + depth, y1 + depth), (x0 - depth, y1 + depth), (x0, y1),
                  (x1, y1), (x1, y0)], fill=light)


def symbol(draw: ImageDraw.ImageDraw, centre, diameter: int, letter: str) -> None:
    """A mana or tap symbol: a shadowed circle with its letter or number."""
    x, y = centre
    r = diameter / 2
    shadow = max(1, diameter // 12)
    draw.ellipse((x - r + shadow, y - r + shadow * 1.5, x + r + shadow, y + r + shadow * 1.5), fill=(10, 10, 10))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=_SYMBOL_RGB.get(letter, (204, 196, 192)))
    draw.text((x, y), letter, font=fonts.font("bold", int(diameter * 0.62)), fill=INK, anchor="mm")


def big_mana_symbol(draw: ImageDraw.ImageDraw, box, colour: str) -> tuple[int, int, int, int]:
    """A basic land's large mana symbol centred in `box`; returns the symbol's box."""
    x0, y0, x1, y1 = box
    diameter = int(min(x1 - x0, y1 - y0) * 0.62)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    symbol(draw, (cx, cy), diameter, colour)
    r = diameter / 2 + diameter // 12 * 1.5 + 1
    return int(cx - r), int(cy - r), int(cx + r + 1), int(cy + r + 1)


def text_line(draw: ImageDraw.ImageDraw, x: float, y: float, text: str, size: int, style: str, fill) -> float:
    """Draws one line with `{X}` symbols inline; returns the x where it ended."""
    for token in re.split(r"(\{[^}]+\})", text):
        if token.startswith("{"):
            symbol(draw, (x + size * 0.45, y + size * 0.55), int(size * 0.85), token[1:-1])
            x += size * 0.95
        elif token:
            draw.text((x, y), token, font=fonts.font(style, size), fill=fill)
            x += draw.textlength(token, font=fonts.font(style, size))
    return x


def wrap(draw: ImageDraw.ImageDraw, text: str, size: int, style: str, width: float) -> list[str]:
    """Splits `text` into lines no wider than `width` at `size` (a symbol counts as "MM")."""
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and draw.textlength(re.sub(r"\{[^}]+\}", "MM", trial), font=fonts.font(style, size)) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + [line] if line else lines


def card_paragraphs(rng: np.random.Generator, name: str, colors: tuple[str, ...]) -> list[tuple[str, str]]:
    """(text, style) paragraphs of a card's rules, then maybe italic flavour text."""
    mana = "{" + (colors[0] if colors else str(rng.integers(1, 4))) + "}"
    paragraphs = [(p, "regular") for p in card_text.rules_text(rng, name, mana)]
    if rng.random() < 0.6:
        paragraphs.append((card_text.flavor_text(rng), "italic"))
    return paragraphs


def rules_box(draw: ImageDraw.ImageDraw, paragraphs: list[tuple[str, str]], box, ink=INK, indent: int = 12,
              max_size: int | None = None) -> int:
    """Sets paragraphs in `box`, from `max_size` (default a ninth of its height, at most 32) shrunk until
    they fit; returns how many lines it drew."""
    x0, y0, x1, y1 = box
    size = 8
    for size in range(max_size or min(int((y1 - y0) * 0.11), 32), 8, -2):
        laid = [line for text, style in paragraphs for line in wrap(draw, text, size, style, x1 - x0 - 2 * indent)]
        if len(laid) * size * 1.25 + len(paragraphs) * size * 0.4 < y1 - y0 - 16:
            break
    y, lines = y0 + 10, 0
    for text, style in paragraphs:
        for line in wrap(draw, text, size, style, x1 - x0 - 2 * indent):
            text_line(draw, x0 + indent, y, line, size, style, ink)
            y += size * 1.25
            lines += 1
        y += size * 0.4
    return lines


def set_symbol(rng: np.random.Generator, draw: ImageDraw.ImageDraw, centre, size: float, rarity: str) -> None:
    """A small polygon in the rarity colour with a black outline."""
    corners = rng.integers(3, 9)
    angles = np.linspace(0, 2 * np.pi, corners, endpoint=False) + rng.uniform(0, np.pi)
    radii = size / 2 * rng.uniform(0.55, 1.0, corners)
    points = [(centre[0] + r * np.cos(a), centre[1] + r * np.sin(a)) for r, a in zip(radii, angles)]
    draw.polygon(points, fill=RARITY_RGB[rarity], outline=(0, 0, 0), width=2)


def holo_stamp(draw: ImageDraw.ImageDraw, centre, width: float) -> tuple[int, int, int, int]:
    """The silver oval security stamp of modern rares; returns its box."""
    cx, cy = centre
    box = (int(cx - width / 2), int(cy - width * 0.3), int(cx + width / 2), int(cy + width * 0.3))
    draw.ellipse(box, fill=(196, 198, 204), outline=(70, 66, 60), width=2)
    x0, y0, x1, y1 = box
    draw.ellipse((x0 + 6, y0 + 4, x1 - 6, y1 - 4), outline=(236, 238, 244), width=2)
    return box


def loyalty_box(draw: ImageDraw.ImageDraw, centre, size: float, cost: str) -> tuple[int, int, int, int]:
    """A planeswalker's loyalty cost: a dark shield pointing up (+) or down (-); returns its box."""
    cx, cy = centre
    w, h = size, size * 0.8
    tip = -h * 0.75 if cost.startswith("+") else h * 0.75 if cost[0] in "-\u2212" else 0
    top, bottom = (cy - h / 2 + min(tip, 0) / 3, cy + h / 2 + max(tip, 0) / 3)
    points = [(cx - w / 2, top), (cx, top + min(tip, 0) / 2), (cx + w / 2, top), (cx + w / 2, bottom),
              (cx, bottom + max(tip, 0) / 2), (cx - w / 2, bottom)]
    draw.polygon(points, fill=(34, 32, 34), outline=(200, 196, 186), width=2)
    draw.text((cx, cy), cost, font=fonts.font("bold", int(size * 0.42)), fill=(245, 245, 245), anchor="mm")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1


def chapter_marker(draw: ImageDraw.ImageDraw, centre, size: float, numeral: str) -> tuple[int, int, int, int]:
    """A saga's chapter number in a dark hexagon; returns its box."""
    cx, cy = centre
    r = size / 2
    points = [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 6, endpoint=False)]
    draw.polygon(points, fill=(40, 38, 40), outline=(210, 204, 190), width=2)
    draw.text((cx, cy), numeral, font=fonts.font("bold", int(size * 0.42)), fill=(245, 245, 245), anchor="mm")
    return int(cx - r), int(cy - r), int(cx + r) + 1, int(cy + r) + 1
