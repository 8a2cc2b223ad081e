"""Procedural background photos: the surfaces and scenes people photograph cards on.

The corner detector is judged on real phone and webcam photos, so a synthetic
background has to look like one: wood, cloth, playmats, paper, stone, cluttered
desks and out-of-focus rooms, lit unevenly, shadowed, vignetted and grainy, with
the hard cases in the mix (dark or low-contrast surfaces, busy art, card-shaped
clutter such as face-down cards, phones and paper).

Each public generator (`wood`, `cloth`, `playmat`, `paper`, `stone`, `desk`,
`scene`) is a pure function of a `numpy.random.Generator` and a size, and returns
uint8 [H, W, 3]. Random palettes, scales and variants make every seed a different
picture.

Internally a *surface* is float32 [H, W, 3] in 0..1: how the thing looks under
flat white light. `_photograph` then plays the camera. Lengths are written for a
768-pixel short side and scaled by `_unit`, so a small test image is the same
picture, smaller. Physical objects are sized in millimetres (`mm` = pixels per
millimetre) so a pen, a coin and a card keep their real proportions.

`python -m mtg_tfds.generators.background_photos --out backgrounds --seed 0`
regenerates the bundled files in `backgrounds/`.
"""

import argparse
import pathlib
import time
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mtg_tfds.generators import fonts
from mtg_tfds.generators.noise import fractal_noise, smooth_noise

SUPERSAMPLE = 3  # sprites are drawn this many times larger, then reduced, for smooth edges

Surface = np.ndarray  # float32 [H, W, 3] in 0..1


# --------------------------------------------------------------------------
# Public generators: one per family.

def wood(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a photo of a wooden table or floor: planks or one slab, grain, knots, varnish.

    Args:
      rng: the random generator; the picture is a pure function of its state.
      height: image height in pixels.
      width: image width in pixels.

    Returns:
      uint8 array [height, width, 3].
    """
    return _photograph(rng, _wood(rng, height, width), gloss=0.5)


def cloth(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a photo of fabric: felt, linen weave, denim twill or a checked tablecloth, with folds.

    Args, Returns: as `wood`.
    """
    return _photograph(rng, _cloth(rng, height, width))


def playmat(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a photo of a printed rubber playmat: painted art, often zone outlines and a logo band.

    Some mats are dark (a hard low-contrast case), some lie partly off-frame on a table.

    Args, Returns: as `wood`.
    """
    return _photograph(rng, _playmat(rng, height, width), gloss=0.15)


def paper(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a photo of paper or cardboard: kraft board, office paper, ruled notebook, newsprint.

    Args, Returns: as `wood`.
    """
    return _photograph(rng, _paper(rng, height, width))


def stone(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a photo of stone: marble, granite, concrete or terrazzo, sometimes laid as tiles.

    Args, Returns: as `wood`.
    """
    return _photograph(rng, _stone(rng, height, width), gloss=0.5)


def desk(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a photo of a cluttered desk from above: paper, notebooks, pens, coins, dice, a phone,
    a mug, deck boxes, a binder page and face-down trading cards, each with its shadow.

    Args, Returns: as `wood`.
    """
    return _photograph(rng, _desk(rng, height, width), gloss=0.3)


def scene(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a photo-like scene: a room or outdoors out of focus, night bokeh, or a table top
    receding towards a blurred room.

    Args, Returns: as `wood`.
    """
    return _photograph(rng, _scene(rng, height, width), tilt=False)


FAMILIES: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "wood": wood, "cloth": cloth, "playmat": playmat, "paper": paper,
    "stone": stone, "desk": desk, "scene": scene,
}


# --------------------------------------------------------------------------
# The camera: perspective, light, shadows, glare, white balance, focus, grain.

def _photograph(rng: np.random.Generator, surface: Surface, gloss: float = 0.0,
                tilt: bool = True) -> np.ndarray:
    """Turns a flat-lit surface into a photo of it.

    Args:
      rng: the random generator.
      surface: float32 [H, W, 3] in 0..1.
      gloss: the strongest reflected highlight (a window or lamp) the surface may show.
      tilt: whether the camera may look at the surface at a slant.

    Returns:
      uint8 array [H, W, 3].
    """
    height, width = surface.shape[:2]
    image = _tilt(rng, surface) if tilt and rng.random() < 0.35 else surface
    light = _illumination(rng, height, width)
    for _ in range(rng.choice(3, p=(0.45, 0.4, 0.15))):
        light = light * _shadow(rng, height, width)
    image = image * light[..., None]
    if gloss and rng.random() < 0.6:
        image = image + rng.uniform(0.05, gloss) * _glare(rng, height, width)[..., None]
    image = image * _white_balance(rng)
    image = _blur(image, rng.uniform(0.0, 1.3) * _unit(height, width))
    image = image + _sensor_noise(rng, height, width)
    return _to_uint8(image * _auto_exposure(image))


def _auto_exposure(image: np.ndarray) -> float:
    """Returns the gain a phone's auto-exposure applies: dark scenes are brightened part of the way
    towards mid-grey, amplifying their noise as a higher ISO does."""
    return float(np.clip(0.2 / max(float(image.mean()), 1e-3), 1.0, 6.0) ** 0.7)


def _tilt(rng: np.random.Generator, surface: Surface) -> Surface:
    """Views the surface at a slant: the top recedes, shrinks and goes out of focus."""
    height, width = surface.shape[:2]
    inset = rng.uniform(0.08, 0.3) * width
    near = [(inset, height), (width - inset, height)]
    warped, _ = _warp_to_quad(surface, [(0, 0), (width, 0), *reversed(near)], source=True)
    depth = np.linspace(1.0, 0.0, height, dtype=np.float32)[:, None, None] ** 2
    blurred = _blur(warped, rng.uniform(1.5, 5.0) * _unit(height, width))
    return warped + (blurred - warped) * depth


def _illumination(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns the light falling on the scene [H, W]: exposure, a gradient, patches, vignetting."""
    yy, xx = _grid(height, width)
    yy, xx = 2 * yy / height - 1, 2 * xx / width - 1
    angle = rng.uniform(0, 2 * np.pi)
    gradient = 1 + rng.uniform(0, 0.4) * (np.cos(angle) * xx + np.sin(angle) * yy)
    patches = 1 + rng.uniform(0, 0.4) * (fractal_noise(rng, height, width, 2, octaves=2) - 0.5)
    vignette = 1 - rng.uniform(0.05, 0.4) * (xx ** 2 + yy ** 2) / 2
    low_light = rng.random() < 0.15
    exposure = rng.uniform(0.3, 0.55) if low_light else rng.uniform(0.8, 1.12)
    return exposure * gradient * patches * vignette


def _shadow(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a multiplier [H, W] holding the soft shadow of an arm, phone or lamp out of frame."""
    side = min(height, width)
    start = _edge_point(rng, height, width)
    end = (rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height)
    thickness = rng.uniform(0.12, 0.45) * side
    mask = Image.new("L", (width, height))
    draw = ImageDraw.Draw(mask)
    draw.line([start, end], fill=255, width=max(1, int(thickness)))
    draw.ellipse(_box_around(end, thickness / 2), fill=255)
    soft = _blur(np.asarray(mask, np.float32) / 255, rng.uniform(0.03, 0.12) * side)
    return 1 - rng.uniform(0.2, 0.55) * soft


def _glare(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns a soft highlight [H, W] in 0..1: a window or lamp mirrored by a glossy surface."""
    mask = Image.new("L", (width, height))
    centre = (rng.uniform(0, width), rng.uniform(0, height))
    half = (rng.uniform(0.05, 0.25) * width, rng.uniform(0.05, 0.3) * height)
    box = (centre[0] - half[0], centre[1] - half[1], centre[0] + half[0], centre[1] + half[1])
    if rng.random() < 0.5:
        ImageDraw.Draw(mask).rectangle(box, fill=255)
    else:
        ImageDraw.Draw(mask).ellipse(box, fill=255)
    return _blur(np.asarray(mask, np.float32) / 255, rng.uniform(0.04, 0.12) * min(height, width))


def _white_balance(rng: np.random.Generator) -> np.ndarray:
    """Returns per-channel gains: warm lamps, cool daylight, a slight green or magenta cast."""
    warmth = float(np.clip(rng.normal(0, 0.5), -1, 1))
    tint = rng.normal(0, 0.015)
    return np.array([1 + 0.12 * warmth, 1 + tint, 1 - 0.15 * warmth], np.float32)


def _sensor_noise(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Returns sensor noise [H, W, 3]: fine luminance grain plus coarser, fainter colour noise."""
    sigma = rng.uniform(0.003, 0.015)
    luminance = rng.normal(0, sigma, (height, width, 1)).astype(np.float32)
    chroma = rng.normal(0, sigma / 2, ((height + 1) // 2, (width + 1) // 2, 3)).astype(np.float32)
    chroma = chroma.repeat(2, axis=0).repeat(2, axis=1)[:height, :width]
    return luminance + chroma


# --------------------------------------------------------------------------
# Wood.

_WOODS = (  # (latewood, earlywood) colours
    ((0.42, 0.27, 0.15), (0.76, 0.58, 0.38)),  # oak
    ((0.17, 0.10, 0.06), (0.42, 0.28, 0.17)),  # walnut
    ((0.60, 0.40, 0.22), (0.90, 0.76, 0.54)),  # pine
    ((0.30, 0.12, 0.07), (0.62, 0.32, 0.18)),  # cherry
    ((0.50, 0.48, 0.44), (0.83, 0.81, 0.76)),  # whitewashed
    ((0.06, 0.045, 0.035), (0.21, 0.15, 0.11)),  # dark stain
)


def _wood(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Wood in planks (or one wide slab), grain along the boards, in either direction."""
    if rng.random() < 0.4:
        return _planks(rng, width, height).transpose(1, 0, 2)
    return _planks(rng, height, width)


def _planks(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Horizontal boards, each with its own grain and shade, dark seams and staggered end joints."""
    unit = _unit(height, width)
    late, early = (_vary(rng, c) for c in _WOODS[rng.integers(len(_WOODS))])
    board = rng.uniform(90, 280) * unit if rng.random() < 0.8 else height
    edges = np.unique(np.append(np.arange(-rng.uniform(0, board), height, board).clip(0), height))
    seam = max(1, round(1.5 * unit))
    tone = np.zeros((height, width), np.float32)
    for top, bottom in zip(edges[:-1].astype(int), edges[1:].astype(int)):
        rows = tone[top:bottom]
        rows[:] = _wood_grain(rng, bottom - top, width, unit) * rng.lognormal(0, 0.1)
        if rng.random() < 0.6:
            joint = rng.integers(0, width)
            rows[:, joint:] *= rng.lognormal(0, 0.1)
            rows[:, joint:joint + seam] *= 0.35
        rows[:seam] *= 0.35
    return _ramp(np.clip(tone, 0, 1), late, early)


def _wood_grain(rng: np.random.Generator, height: int, width: int, unit: float) -> np.ndarray:
    """Returns the tone [H, W] of one board: growth rings that drift slowly along the board, arch
    into cathedrals and bend round knots, with fine fibres and pores."""
    yy, xx = _grid(height, width)
    period = rng.uniform(6, 22) * unit
    drift = _streaks(rng, height, width, stretch=rng.uniform(4, 12), cells=3) * rng.uniform(1, 5) * period
    arch = rng.uniform(-1.5, 1.5) * height * (xx / width - rng.random()) ** 2
    figure = yy + drift + arch
    knot_cores = np.zeros_like(yy)
    for _ in range(rng.poisson(height * width / (450 * unit) ** 2)):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(4, 14) * unit
        distance = ((xx - cx) / (3 * radius)) ** 2 + ((yy - cy) / radius) ** 2
        figure += 2.5 * radius * np.exp(-distance) * rng.choice([-1, 1])
        knot_cores += np.exp(-5 * distance)
    phase = figure / period % 1  # earlywood darkens slowly into latewood, then a sharp ring boundary
    rings = _smoothstep(0.5, 0.93, phase) * (1 - _smoothstep(0.93, 1.0, phase))
    contrast = 0.2 + 0.5 * fractal_noise(rng, height, width, 3, octaves=2)
    fibres = _streaks(rng, height, width, stretch=50, cells=height / (1.5 * unit))
    pores = _smoothstep(0.7, 0.8, _streaks(rng, height, width, stretch=15, cells=height / unit))
    mottle = fractal_noise(rng, height, width, 5, octaves=3)
    return (0.85 - contrast * rings + 0.3 * (fibres - 0.5) - 0.12 * pores + 0.2 * (mottle - 0.5)
            - 0.6 * knot_cores)


# --------------------------------------------------------------------------
# Cloth.

_CLOTHS = (
    (0.05, 0.28, 0.12), (0.08, 0.14, 0.38), (0.42, 0.05, 0.07), (0.05, 0.05, 0.06),
    (0.74, 0.70, 0.62), (0.55, 0.49, 0.40), (0.30, 0.18, 0.36), (0.86, 0.84, 0.80), (0.70, 0.45, 0.20),
)


def _cloth(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Felt, a plain weave, denim twill or a checked tablecloth, draped in soft folds.

    Warp threads take the colour of the vertical stripes and weft threads of the
    horizontal ones, so a gingham check comes out of the weave as it does in cloth.
    """
    unit = _unit(height, width)
    yy, xx = _grid(height, width)
    stretch, cells = rng.uniform(1, 4), rng.uniform(1.5, 4)  # long drapes, across or along
    if rng.random() < 0.5:
        folds = _streaks(rng, height, width, stretch, cells)
    else:
        folds = _streaks(rng, width, height, stretch, cells).T
    sway = rng.uniform(0, 30) * unit
    xx = xx + sway * (folds - 0.5)
    yy = yy + sway * (smooth_noise(rng, height, width, 3) - 0.5)
    base = _vary(rng, _CLOTHS[rng.integers(len(_CLOTHS))])
    kind = rng.choice(["felt", "plain", "twill", "check"])
    if kind == "felt":
        fuzz = fractal_noise(rng, height, width, min(height, width) / (2 * unit), octaves=2)
        image = base * (0.8 + 0.25 * fuzz + 0.25 * (fractal_noise(rng, height, width, 8) - 0.5))[..., None]
    else:
        period = rng.uniform(2, 5) * unit
        across, along = np.floor(xx / period), np.floor(yy / period)
        warp_on_top = (across + along) % 2 == 0 if kind != "twill" else (across - along) % 3 != 0
        profile = np.sin(np.pi * np.where(warp_on_top, xx / period % 1, yy / period % 1))
        warp_colour, weft_colour = _thread_colours(rng, base, kind, xx, yy, unit)
        threads = np.where(warp_on_top[..., None], warp_colour, weft_colour)
        irregular = 0.7 + 0.6 * _streaks(rng, height, width, stretch=60, cells=height / (4 * unit))
        image = _blur(threads * (0.8 + 0.2 * profile * irregular)[..., None], 0.3 * period)
    return image * _relief(rng, folds, rng.uniform(0.05, 0.25))[..., None]


def _thread_colours(rng: np.random.Generator, base: np.ndarray, kind: str, xx: np.ndarray,
                    yy: np.ndarray, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Returns the warp and weft colours [H, W, 3]: checks for a tablecloth, a paler weft for twill."""
    if kind == "check":
        stripe = rng.uniform(15, 45) * unit
        light = _vary(rng, (0.93, 0.92, 0.88))
        in_x = (np.floor(xx / stripe) % 2 == 0)[..., None]
        in_y = (np.floor(yy / stripe) % 2 == 0)[..., None]
        return np.where(in_x, base, light), np.where(in_y, base, light)
    weft = (base + _vary(rng, (0.85, 0.84, 0.80))) / 2 if kind == "twill" else base * rng.uniform(0.85, 1.1)
    shape = xx.shape + (3,)
    return np.broadcast_to(base, shape), np.broadcast_to(weft, shape)


# --------------------------------------------------------------------------
# Playmats.

_ZONE_NAMES = ("LIBRARY", "GRAVEYARD", "EXILE", "COMMAND", "DECK", "DISCARD", "BATTLEFIELD",
               "LANDS", "HAND", "TOKENS")


def _playmat(rng: np.random.Generator, height: int, width: int) -> Surface:
    """A rubber playmat printed with painted art, often card-zone outlines and a logo band.

    A quarter are dark (a hard low-contrast case); a third lie partly off-frame on a table.
    """
    arts = (_landscape_art, _landscape_art, _nebula_art, _swirl_art)
    art = arts[rng.integers(len(arts))](rng, height, width)
    art = _painterly(rng, art) * (0.85 + 0.3 * fractal_noise(rng, height, width, 40, octaves=3))[..., None]
    if rng.random() < 0.25:
        art = art * rng.uniform(0.12, 0.3)
    canvas = Image.fromarray(_to_uint8(art))
    mm = rng.uniform(0.6, 1.4) * min(height, width) / 355  # a 610 x 355 mm mat, seen whole or closer
    if rng.random() < 0.6:
        _draw_zones(rng, canvas, mm)
    if rng.random() < 0.6:
        _draw_logo_band(rng, canvas)
    rubber = 1 + 0.05 * (fractal_noise(rng, height, width, min(height, width) / 3, octaves=2) - 0.5)
    mat = np.asarray(canvas, np.float32) / 255 * rubber[..., None]
    return _mat_on_table(rng, mat, mm) if rng.random() < 0.35 else mat


def _landscape_art(rng: np.random.Generator, height: int, width: int) -> Surface:
    """A painted fantasy landscape: sky, sun glow, clouds, ridges fading into the haze."""
    yy, xx = _grid(height, width)
    top, horizon = _vary(rng, rng.uniform(0, 0.6, 3)), _vary(rng, rng.uniform(0.5, 1.0, 3), 0.15)
    image = _ramp((yy / height) ** 0.7, top, horizon)
    sun = (rng.uniform(0, width), rng.uniform(0.1, 0.5) * height)
    glow = np.exp(-(((xx - sun[0]) ** 2 + (yy - sun[1]) ** 2) / (rng.uniform(0.05, 0.2) * width) ** 2))
    image = image + glow[..., None] * _vary(rng, (1.0, 0.85, 0.6))
    clouds = _smoothstep(0.5, 0.8, _streaks(rng, height, width, stretch=4, cells=6))
    image = _blend(image, _vary(rng, (0.95, 0.9, 0.9)), clouds * rng.uniform(0.3, 0.8) * (yy < height * 0.6))
    layers = rng.integers(3, 6)
    ground = _vary(rng, rng.uniform(0.05, 0.45, 3), 0.2)
    for layer in range(layers):
        depth = (layers - layer) / layers
        crest = height * (0.35 + 0.5 * layer / layers)
        profile = fractal_noise(rng, 2, width, rng.uniform(2, 6))[0] - 0.5  # [W]
        ridge = crest + height * rng.uniform(0.1, 0.3) * profile
        if layer == layers - 1 and rng.random() < 0.6:
            ridge = ridge - _conifers(rng, width, height)
        rock = _blend(ground * (1 - 0.5 * layer / layers), horizon, np.full((height, width), 0.75 * depth))
        texture = 0.8 + 0.4 * fractal_noise(rng, height, width, 20, octaves=4)
        image = np.where((yy > ridge[None, :])[..., None], rock * texture[..., None], image)
    return image


def _conifers(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Returns how far [W] a row of pointed tree silhouettes rises above a ridge line."""
    xx = np.arange(width, dtype=np.float32)
    rise = np.zeros(width, np.float32)
    for x0 in np.cumsum(rng.uniform(0.005, 0.05, size=80) * width):
        tall = rng.uniform(0.03, 0.12) * height
        half = tall * rng.uniform(0.15, 0.3)
        rise = np.maximum(rise, tall * (1 - np.abs(xx - x0) / half))
    return rise


def _nebula_art(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Space art: coloured nebula clouds over a starfield, maybe a shaded planet."""
    hue = fractal_noise(rng, height, width, 3, octaves=5)
    density = _smoothstep(0.25, 0.95, fractal_noise(rng, height, width, 4, octaves=6))
    image = _cosine_palette(rng, hue) * density[..., None] ** 1.5
    stars = np.zeros((height, width), np.float32)
    count = int(height * width / 900)
    stars[rng.integers(0, height, count), rng.integers(0, width, count)] = rng.random(count) ** 3 * 6
    image = image + _blur(stars, 0.6 * _unit(height, width))[..., None]
    if rng.random() < 0.6:
        yy, xx = _grid(height, width)
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.1, 0.35) * min(height, width)
        lit = np.clip(1 - ((xx - cx + 0.4 * r) ** 2 + (yy - cy + 0.4 * r) ** 2) / (1.6 * r) ** 2, 0, 1)
        body = _vary(rng, rng.uniform(0.2, 0.9, 3), 0.2) * (0.1 + lit[..., None])
        image = np.where(((xx - cx) ** 2 + (yy - cy) ** 2 < r * r)[..., None], body, image)
    return image


def _swirl_art(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Busy abstract art: marbled bands of saturated colour, swirled by warped noise."""
    reach = rng.uniform(40, 150) * _unit(height, width)
    dx = reach * (fractal_noise(rng, height, width, rng.uniform(2, 6), octaves=4) - 0.5)
    dy = reach * (fractal_noise(rng, height, width, rng.uniform(2, 6), octaves=4) - 0.5)
    field = fractal_noise(rng, height, width, rng.uniform(2, 5), octaves=5)[..., None]
    return _cosine_palette(rng, rng.uniform(2, 6) * _remap(field, dx, dy)[..., 0])


def _painterly(rng: np.random.Generator, art: Surface) -> Surface:
    """Wobbles the art with short brush-sized displacements, so it reads as painted, not rendered."""
    height, width = art.shape[:2]
    cells, reach = min(height, width) / (25 * _unit(height, width)), 4 * _unit(height, width)
    dx = reach * (fractal_noise(rng, height, width, cells, octaves=2) - 0.5)
    dy = reach * (fractal_noise(rng, height, width, cells, octaves=2) - 0.5)
    return _remap(art, dx, dy)


def _draw_zones(rng: np.random.Generator, canvas: Image.Image, mm: float) -> None:
    """Prints a row of card-sized zone outlines with labels along one side of the mat."""
    overlay = Image.new("RGBA", canvas.size)
    draw = ImageDraw.Draw(overlay)
    colour = _rgba(_vary(rng, (0.95, 0.9, 0.75)), int(rng.uniform(120, 230)))
    zone_w, zone_h, gap = 68 * mm, 93 * mm, rng.uniform(8, 30) * mm
    font = fonts.font("bold", max(6, int(6 * mm)))
    x, y = rng.uniform(0, 40) * mm, rng.choice([rng.uniform(5, 20) * mm, canvas.height - zone_h - 20 * mm])
    for name in rng.choice(_ZONE_NAMES, size=rng.integers(2, 6), replace=False):
        box = (x, y, x + zone_w, y + zone_h)
        draw.rounded_rectangle(box, radius=4 * mm, outline=colour, width=max(1, int(1.2 * mm)))
        draw.text((x + zone_w / 2, y + zone_h / 2), str(name), fill=colour, font=font, anchor="mm")
        x += zone_w + gap
    canvas.paste(overlay, (0, 0), overlay)


def _draw_logo_band(rng: np.random.Generator, canvas: Image.Image) -> None:
    """Prints a title in large serif capitals over a soft dark band across the mat."""
    width, height = canvas.size
    band = rng.uniform(0.1, 0.2) * height
    middle = rng.choice([rng.uniform(0.08, 0.2), rng.uniform(0.75, 0.9)]) * height
    shade = Image.new("L", canvas.size)
    ImageDraw.Draw(shade).rectangle((0, middle - band / 2, width, middle + band / 2),
                                    fill=int(rng.uniform(0, 170)))
    shade = Image.fromarray(np.uint8(_blur(np.asarray(shade, np.float32), band / 4)))
    canvas.paste((0, 0, 0), (0, 0), shade)
    title = " ".join(_words(rng, rng.integers(1, 3))).upper()
    ink = _rgb(_vary(rng, (0.95, 0.8, 0.45), 0.2))
    ImageDraw.Draw(canvas).text((rng.uniform(0.3, 0.7) * width, middle), title, anchor="mm", fill=ink,
                                font=fonts.font("bold", int(band * 0.55)), stroke_width=max(1, int(band / 30)),
                                stroke_fill=(20, 15, 10))


def _mat_on_table(rng: np.random.Generator, mat: Surface, mm: float) -> Surface:
    """Lays the mat partly in frame on a table: rounded corners, a stitched edge, a thin shadow."""
    height, width = mat.shape[:2]
    table = _TABLE_TOPS[rng.integers(len(_TABLE_TOPS))](rng, height, width)
    left, top = rng.uniform(-0.5, 0.25) * width, rng.uniform(-0.5, 0.25) * height
    box = (left, top, left + rng.uniform(0.9, 1.6) * width, top + rng.uniform(0.9, 1.6) * height)
    stitch = Image.new("L", (width, height))
    ImageDraw.Draw(stitch).rounded_rectangle(box, radius=12 * mm, outline=255, width=max(1, int(3 * mm)))
    inside = _rounded_mask((width, height), box, 12 * mm)
    yy, xx = _grid(height, width)
    overlock = _vary(rng, (0.08, 0.08, 0.09)) * (0.8 + 0.2 * np.sin(xx + yy))[..., None]  # diagonal thread
    mat = _blend(mat, overlock, np.asarray(stitch, np.float32) / 255)
    shadow = 1 - 0.35 * _blur(inside, 2 * mm)
    return _blend(table * shadow[..., None], mat, inside)


# --------------------------------------------------------------------------
# Paper and cardboard.

_PAPERS = {  # kind: base colour
    "cardboard": (0.62, 0.47, 0.30), "office": (0.93, 0.93, 0.91), "ruled": (0.95, 0.94, 0.90),
    "newsprint": (0.84, 0.82, 0.76), "coloured": None,
}


def _paper(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Kraft cardboard, office paper, a ruled notebook page, newsprint or coloured card stock,
    with fibres, print, and creases or crumples."""
    unit = _unit(height, width)
    kind = rng.choice(list(_PAPERS))
    base = _vary(rng, rng.uniform(0.2, 0.9, 3) if kind == "coloured" else _PAPERS[kind], 0.05)
    fibres = (_streaks(rng, height, width, 20, height / (3 * unit))
              + _streaks(rng, width, height, 20, width / (3 * unit)).T)  # fibres both ways
    coarse = 0.12 if kind == "cardboard" else 0.04
    tone = 1 + coarse * (fibres - 1) + coarse * (fractal_noise(rng, height, width, 8) - 0.5)
    if kind == "cardboard":
        tone *= 1 + 0.03 * np.sin(2 * np.pi * _grid(height, width)[0] / (7 * unit))
    image = base * tone[..., None]
    ink, colour = _print_on_paper(rng, kind, height, width, unit)
    image = _blend(image, colour, ink)
    folds = _creases(rng, height, width, rng.integers(1, 4) if rng.random() < 0.5 else rng.integers(10, 40))
    return image * _relief(rng, folds, rng.uniform(0.02, 0.08))[..., None]


def _creases(rng: np.random.Generator, height: int, width: int, count: int) -> np.ndarray:
    """Returns a height field [H, W] of flat facets meeting at straight creases: a few for folded
    paper, many for crumpled."""
    yy, xx = _grid(height, width)
    field = np.zeros_like(yy)
    for _ in range(count):
        angle = rng.uniform(0, np.pi)
        offset = rng.uniform(0, width) * np.cos(angle) + rng.uniform(0, height) * np.sin(angle)
        field += rng.normal() * np.abs(np.cos(angle) * xx + np.sin(angle) * yy - offset)
    return field


def _print_on_paper(rng: np.random.Generator, kind: str, height: int, width: int,
                    unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Returns the ink coverage [H, W] in 0..1 and its colour: rules, columns of text or a stamp."""
    layer = Image.new("L", (width, height))
    draw = ImageDraw.Draw(layer)
    colour = _vary(rng, (0.1, 0.1, 0.12))
    if kind == "ruled":
        gap = rng.uniform(22, 34) * unit
        for y in np.arange(rng.uniform(0, gap), height, gap):
            draw.line([(0, y), (width, y)], fill=110, width=max(1, round(unit)))
        colour = _vary(rng, (0.35, 0.5, 0.8))
        _text_lines(rng, draw, (0.15 * width, 0, width, height), fonts.font("italic", max(6, int(gap * 0.8))),
                    gap, 200, written=rng.uniform(0.2, 0.9))
    elif kind == "newsprint":
        columns = rng.integers(2, 5)
        for c in range(columns):
            left = width * c / columns
            _text_lines(rng, draw, (left + 8 * unit, 0, left + width / columns - 8 * unit, height),
                        fonts.font("regular", max(6, int(13 * unit))), 16 * unit, 210)
    elif kind == "cardboard" and rng.random() < 0.7:
        text = " ".join(_words(rng, 2)).upper()
        draw.text((rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height), text, fill=170,
                  font=fonts.font("bold", max(6, int(rng.uniform(40, 90) * unit))), anchor="mm")
    return np.asarray(layer, np.float32) / 255, colour


# --------------------------------------------------------------------------
# Stone.

def _stone(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Marble, granite, concrete or terrazzo; a third of them laid as tiles with grout lines."""
    kinds = (_marble, _granite, _concrete, _terrazzo)
    image = kinds[rng.integers(len(kinds))](rng, height, width)
    if rng.random() < 0.35:
        unit = _unit(height, width)
        size, grout = rng.uniform(150, 450) * unit, rng.uniform(2, 7) * unit
        yy, xx = _grid(height, width)
        joints = np.minimum((xx + rng.uniform(0, size)) % size, (yy + rng.uniform(0, size)) % size)
        in_grout = np.clip(1.5 - joints / grout * 1.5, 0, 1)
        tiles = np.floor(xx / size) * 7 + np.floor(yy / size)
        image = image * (1 + 0.05 * np.sin(tiles * 12.9898))[..., None]  # each tile a shade apart
        image = _blend(image, _vary(rng, np.full(3, rng.uniform(0.2, 0.9)), 0.05), in_grout)
    return image


_MARBLES = (  # (ground, vein)
    ((0.90, 0.89, 0.87), (0.45, 0.45, 0.47)),
    ((0.08, 0.08, 0.09), (0.85, 0.84, 0.80)),
    ((0.20, 0.32, 0.26), (0.85, 0.88, 0.84)),
    ((0.82, 0.74, 0.62), (0.55, 0.42, 0.30)),
)


def _marble(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Marble: a clouded ground crossed by broad soft veins and thin sharp ones."""
    yy, xx = _grid(height, width)
    ground, vein = _MARBLES[rng.integers(len(_MARBLES))]
    cloud = fractal_noise(rng, height, width, 4, octaves=5)
    image = _vary(rng, ground, 0.05) * (0.9 + 0.15 * cloud)[..., None]
    angle = rng.uniform(0, np.pi)
    along = np.cos(angle) * xx + np.sin(angle) * yy
    soft, sharp = (rng.uniform(1.5, 4), rng.uniform(0.15, 0.4)), (rng.uniform(20, 80), rng.uniform(0.5, 0.9))
    for sharpness, opacity in (soft, sharp):
        turbulence = fractal_noise(rng, height, width, rng.uniform(2, 5), octaves=6)
        wave = np.sin(along / (rng.uniform(60, 200) * _unit(height, width)) + rng.uniform(2, 5) * turbulence)
        image = _blend(image, _vary(rng, vein, 0.05), opacity * (1 - np.abs(wave)) ** sharpness)
    return image


def _granite(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Granite: a ground of fine crystal speckles in three or four mineral colours."""
    fine = min(height, width) / (4 * _unit(height, width))
    image = np.broadcast_to(_vary(rng, np.full(3, rng.uniform(0.2, 0.7)), 0.15), (height, width, 3))
    for _ in range(rng.integers(2, 5)):
        grains = _smoothstep(0.6, 0.75, fractal_noise(rng, height, width, fine, octaves=2))
        image = _blend(image, _vary(rng, rng.choice([0.05, 0.5, 0.9]) * np.ones(3), 0.15), grains)
    return image


def _concrete(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Concrete: grey mottling, sand, darker stains and small pores."""
    unit = _unit(height, width)
    fine = min(height, width) / (2 * unit)
    grey = _vary(rng, np.full(3, rng.uniform(0.35, 0.75)), 0.04)
    tone = 1 + 0.25 * (fractal_noise(rng, height, width, 3, octaves=6) - 0.5)
    tone -= 0.2 * _smoothstep(0.55, 0.9, fractal_noise(rng, height, width, 2, octaves=5))  # stains
    tone += 0.12 * (fractal_noise(rng, height, width, fine, octaves=1) - 0.5)
    pores = _smoothstep(0.88, 0.95, fractal_noise(rng, height, width, fine / 2, octaves=1))
    return grey * (tone - 0.35 * pores)[..., None]


def _terrazzo(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Terrazzo: dense chips of marble and stone set in a pale or dark matrix."""
    unit = _unit(height, width)
    matrix = _vary(rng, rng.choice([0.85, 0.55, 0.25]) * np.ones(3), 0.05)
    canvas = Image.fromarray(_to_uint8(np.broadcast_to(matrix, (height, width, 3))))
    draw = ImageDraw.Draw(canvas)
    stones = [_rgb(_blend(np.full(3, rng.uniform(0.1, 0.95)), rng.uniform(0.1, 0.9, 3), np.array(0.3)))
              for _ in range(rng.integers(2, 6))]
    for _ in range(int(height * width / (rng.uniform(18, 35) * unit) ** 2)):
        centre, size = (rng.uniform(0, width), rng.uniform(0, height)), rng.uniform(2, 12) * unit
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(4, 7)))
        points = [(centre[0] + size * np.cos(a), centre[1] + size * rng.uniform(0.5, 1) * np.sin(a))
                  for a in angles]
        draw.polygon(points, fill=stones[rng.integers(len(stones))])
    speckle = 1 + 0.08 * (fractal_noise(rng, height, width, min(height, width) / (3 * unit), octaves=1) - 0.5)
    return np.asarray(canvas, np.float32) / 255 * speckle[..., None]


# --------------------------------------------------------------------------
# Table tops: what desks, mats and slanted tables stand on.

def _laminate(rng: np.random.Generator, height: int, width: int) -> Surface:
    """A plain desk top (white, grey, black or a colour) with faint texture and a few smudges."""
    colour = _vary(rng, (np.full(3, rng.choice([0.92, 0.6, 0.08])) if rng.random() < 0.7
                         else rng.uniform(0.1, 0.8, 3)), 0.04)
    fine = fractal_noise(rng, height, width, min(height, width) / (3 * _unit(height, width)), octaves=1)
    smudges = _smoothstep(0.6, 0.9, fractal_noise(rng, height, width, 4, octaves=5))
    return colour * (1 + 0.03 * (fine - 0.5) - 0.06 * smudges)[..., None]


_TABLE_TOPS: tuple[Callable[[np.random.Generator, int, int], Surface], ...] = (
    _wood, _wood, _laminate, _cloth, _stone,
)


# --------------------------------------------------------------------------
# Cluttered desks: objects are RGBA sprites drawn to millimetre scale.

def _desk(rng: np.random.Generator, height: int, width: int) -> Surface:
    """A desk seen from above, with flat things at the bottom of the pile and small things on top;
    sometimes a hand reaches in."""
    surface = _TABLE_TOPS[rng.integers(len(_TABLE_TOPS))](rng, height, width)
    canvas = Image.fromarray(_to_uint8(surface))
    mm = rng.uniform(0.15, 0.45) * min(height, width) / 88  # a card would span 15-45% of the frame
    light = rng.uniform(0, 2 * np.pi)
    for layer, (low, high) in zip(_DESK_LAYERS, ((1, 3), (1, 4), (2, 6))):
        for _ in range(rng.integers(low, high)):
            sprite = _render(rng, layer[rng.integers(len(layer))], mm)
            centre = (rng.uniform(-0.1, 1.1) * width, rng.uniform(-0.1, 1.1) * height)
            _place(rng, canvas, sprite, centre, rng.uniform(0, 360), light, lift=rng.uniform(1, 4) * mm)
    if rng.random() < 0.3:
        _reach_in(rng, canvas, _render(rng, _hand, mm), light, mm)
    return np.asarray(canvas, np.float32) / 255


def _place(rng: np.random.Generator, canvas: Image.Image, sprite: Image.Image,
           centre: tuple[float, float], angle: float, light: float, lift: float) -> None:
    """Lays a sprite on the canvas, turned `angle` degrees counterclockwise about its centre, lit
    from the direction `light` (radians), with a soft shadow cast `lift` pixels away from it."""
    sprite = _shade_sprite(rng, sprite.rotate(angle, Image.Resampling.BICUBIC, expand=True), light)
    x, y = int(centre[0] - sprite.width / 2), int(centre[1] - sprite.height / 2)
    pad = int(3 * lift) + 1
    alpha = np.pad(np.asarray(sprite.getchannel("A"), np.float32), pad)
    shadow = Image.fromarray(np.uint8(_blur(alpha, lift) * rng.uniform(0.35, 0.6)))
    offset = (x - pad - int(lift * np.cos(light)), y - pad - int(lift * np.sin(light)))
    canvas.paste((0, 0, 0), offset, shadow)
    canvas.paste(sprite, (x, y), sprite)


def _reach_in(rng: np.random.Generator, canvas: Image.Image, hand: Image.Image, light: float,
              mm: float) -> None:
    """Lays a hand so that it reaches in from a random edge, the arm running out of frame."""
    width, height = canvas.size
    start = _edge_point(rng, height, width)
    inward = np.array([width / 2 - start[0], height / 2 - start[1]])
    inward = inward / np.linalg.norm(inward)
    reach = rng.uniform(0.1, 0.45) * hand.height  # how far the fingertips come in
    centre = tuple(np.array(start) + inward * (reach - hand.height / 2))
    angle = np.degrees(np.arctan2(-inward[0], -inward[1]))  # turns the sprite's "up" (fingers) inward
    _place(rng, canvas, hand, centre, angle, light, lift=rng.uniform(10, 25) * mm)


def _render(rng: np.random.Generator, make: Callable[[np.random.Generator, float], Image.Image],
            mm: float) -> Image.Image:
    """Draws a sprite `SUPERSAMPLE` times too large and reduces it, for smooth edges."""
    return make(rng, mm * SUPERSAMPLE).reduce(SUPERSAMPLE)


def _shade_sprite(rng: np.random.Generator, sprite: Image.Image, light: float) -> Image.Image:
    """Gives a flat-drawn sprite some surface texture and a faint gradient, brighter towards the light."""
    height, width = sprite.height, sprite.width
    yy, xx = _grid(height, width)
    toward = np.cos(light) * (xx / width - 0.5) + np.sin(light) * (yy / height - 0.5)
    return _mottle(rng, sprite, 0.08, gain=1 - 0.15 * toward)


def _rounded(rng: np.random.Generator, sprite: Image.Image, radius: float) -> Image.Image:
    """Darkens a sprite towards its outline, as a rounded body (finger, pen barrel) is shaded."""
    alpha = np.asarray(sprite.getchannel("A"), np.float32) / 255
    inside = np.sqrt(np.clip(2 * _blur(alpha, radius) - 1, 0, 1))
    return _mottle(rng, sprite, 0.1, gain=0.6 + 0.4 * inside)


def _mottle(rng: np.random.Generator, sprite: Image.Image, amount: float,
            gain: np.ndarray | float = 1.0) -> Image.Image:
    """Returns an RGBA sprite with its colour multiplied by `gain` and blotchy noise of `amount`."""
    rgba = np.asarray(sprite, np.float32) / 255
    noise = fractal_noise(rng, sprite.height, sprite.width, 12, octaves=4)
    rgba[..., :3] *= (gain * (1 + amount * (noise - 0.5)))[..., None]
    return Image.fromarray(_to_uint8(rgba), "RGBA")


_SKINS = ((0.96, 0.8, 0.68), (0.88, 0.66, 0.52), (0.72, 0.5, 0.35), (0.5, 0.33, 0.22), (0.32, 0.2, 0.13))


def _hand(rng: np.random.Generator, mm: float) -> Image.Image:
    """A hand and forearm, palm down, fingers up: four fingers side by side with nails, a thumb,
    darkening towards the outline as a rounded body does."""
    skin = _vary(rng, _SKINS[rng.integers(len(_SKINS))], 0.06)
    size = (130 * mm, 300 * mm)
    sprite, draw = _sprite(size, skin, alpha=0)
    draw.rounded_rectangle((25 * mm, 170 * mm, 95 * mm, size[1]), radius=30 * mm, fill=_rgba(skin))
    draw.rounded_rectangle((15 * mm, 80 * mm, 100 * mm, 190 * mm), radius=35 * mm, fill=_rgba(skin))
    for x, length in zip((26, 46, 66, 85), (62, 75, 72, 56)):
        base, tip = (x * mm, 110 * mm), ((x + rng.uniform(-3, 3)) * mm, (100 - length) * mm)
        draw.line([base, tip], fill=_rgba(skin), width=int(19 * mm))
        draw.ellipse(_box_around(tip, 9.5 * mm), fill=_rgba(skin))
    for x, top in zip((36, 56, 75.5), (45, 35, 50)):  # where fingers touch
        draw.line([(x * mm, 105 * mm), (x * mm, top * mm)], fill=_rgba(skin * 0.7), width=max(1, int(mm)))
    thumb = [(95 * mm, 170 * mm), (118 * mm, 115 * mm)]
    draw.line(thumb, fill=_rgba(skin), width=int(22 * mm))
    draw.ellipse(_box_around(thumb[1], 11 * mm), fill=_rgba(skin))
    return _rounded(rng, sprite, 5 * mm)


def _sheet(rng: np.random.Generator, mm: float) -> Image.Image:
    """A sheet of A4 printed with text, or a yellow sticky note scrawled on."""
    sticky = rng.random() < 0.3
    size = (76 * mm, 76 * mm) if sticky else (210 * mm, 297 * mm)
    colour = _vary(rng, (0.98, 0.9, 0.45) if sticky else (0.96, 0.96, 0.94), 0.04)
    sprite, draw = _sprite(size, colour)
    font = fonts.font("italic" if sticky else "regular", int((5 if sticky else 3.5) * mm))
    margin = (8 if sticky else 25) * mm
    box = (margin, margin, size[0] - margin, size[1] - margin * rng.uniform(1, 4))
    _text_lines(rng, draw, box, font, font.size * 1.5, (40, 40, 60, 230))
    return sprite


def _notebook(rng: np.random.Generator, mm: float) -> Image.Image:
    """A closed A5 notebook: coloured cover, spine shadow, elastic band."""
    size = (148 * mm, 210 * mm)
    cover = _vary(rng, rng.uniform(0.05, 0.8, 3), 0.1)
    sprite, draw = _sprite(size, cover, radius=4 * mm)
    draw.rectangle((0, 0, 8 * mm, size[1]), fill=_rgba(cover * 0.7))
    draw.rectangle((size[0] - 20 * mm, 0, size[0] - 14 * mm, size[1]), fill=_rgba(cover * 0.5))
    return sprite


def _pen(rng: np.random.Generator, mm: float) -> Image.Image:
    """A ballpoint pen: barrel, cap with clip, conical tip."""
    size = (140 * mm, 10 * mm)
    barrel = _vary(rng, rng.uniform(0.05, 0.9, 3), 0.1)
    sprite, draw = _sprite(size, barrel, radius=5 * mm)
    draw.rounded_rectangle((size[0] - 55 * mm, 0, size[0], size[1]), radius=5 * mm, fill=_rgba(barrel * 0.6))
    draw.rectangle((size[0] - 50 * mm, 4 * mm, size[0] - 8 * mm, 6 * mm), fill=_rgba((0.8, 0.8, 0.82)))
    draw.rectangle((0, 0, 6 * mm, size[1]), fill=(0, 0, 0, 0))
    draw.polygon([(6 * mm, 0), (6 * mm, size[1]), (0, size[1] / 2)], fill=_rgba((0.75, 0.75, 0.75)))
    return _rounded(rng, sprite, 3 * mm)


def _coin(rng: np.random.Generator, mm: float) -> Image.Image:
    """A coin: copper, silver or gold, with a raised rim and a worn face."""
    diameter = rng.uniform(17, 28) * mm
    metal = _vary(rng, ((0.72, 0.45, 0.3), (0.75, 0.75, 0.76), (0.8, 0.65, 0.3))[rng.integers(3)], 0.08)
    sprite, draw = _sprite((diameter, diameter), metal, ellipse=True)
    rim = 0.08 * diameter
    draw.ellipse((rim, rim, diameter - rim, diameter - rim), fill=_rgba(metal * 0.8))
    draw.text((diameter / 2, diameter / 2), str(rng.choice([1, 2, 5, 10])), fill=_rgba(metal * 1.1),
              font=fonts.font("bold", int(diameter * 0.4)), anchor="mm")
    return sprite


def _die(rng: np.random.Generator, mm: float) -> Image.Image:
    """A six-sided die seen from above, with pips."""
    side = 16 * mm
    colours = ((0.85, 0.1, 0.1), (0.95, 0.95, 0.92), (0.05, 0.05, 0.06), (0.1, 0.5, 0.2))
    body = _vary(rng, colours[rng.integers(len(colours))])
    sprite, draw = _sprite((side, side), body, radius=3 * mm)
    pip = (0.05, 0.05, 0.05) if body.mean() > 0.5 else (0.95, 0.95, 0.95)
    spots = {1: [4], 2: [0, 8], 3: [0, 4, 8], 4: [0, 2, 6, 8], 5: [0, 2, 4, 6, 8], 6: [0, 2, 3, 5, 6, 8]}
    for spot in spots[int(rng.integers(1, 7))]:
        centre = ((spot % 3 + 1) * side / 4, (spot // 3 + 1) * side / 4)
        draw.ellipse(_box_around(centre, 1.6 * mm), fill=_rgba(pip))
    return sprite


def _phone(rng: np.random.Generator, mm: float) -> Image.Image:
    """A phone, face up (dark or lit screen) or face down (coloured back, camera block)."""
    size = (72 * mm, 150 * mm)
    shell = _vary(rng, ((0.05, 0.05, 0.06), (0.85, 0.85, 0.86), (0.3, 0.4, 0.6))[rng.integers(3)])
    sprite, draw = _sprite(size, shell, radius=9 * mm)
    if rng.random() < 0.5:
        screen = _vary(rng, rng.uniform(0, 0.7, 3), 0.2) if rng.random() < 0.5 else np.full(3, 0.03)
        draw.rounded_rectangle((3 * mm, 3 * mm, size[0] - 3 * mm, size[1] - 3 * mm), radius=7 * mm,
                               fill=_rgba(screen))
    else:
        draw.rounded_rectangle((6 * mm, 6 * mm, 34 * mm, 34 * mm), radius=6 * mm, fill=_rgba(shell * 0.8))
        for cy in (13 * mm, 27 * mm):
            draw.ellipse(_box_around((14 * mm, cy), 5 * mm), fill=_rgba((0.05, 0.05, 0.07)))
    return sprite


def _mug(rng: np.random.Generator, mm: float) -> Image.Image:
    """A mug from above: handle, rim, the inner wall falling into shade, coffee or an empty bottom."""
    diameter, handle = 85 * mm, 25 * mm
    ceramic = _vary(rng, rng.uniform(0.1, 0.95, 3), 0.1)
    sprite, draw = _sprite((diameter + handle, diameter), (0, 0, 0), alpha=0)
    grip = (diameter - 10 * mm, diameter / 2 - 7 * mm, diameter + handle, diameter / 2 + 7 * mm)
    draw.rounded_rectangle(grip, radius=7 * mm, fill=_rgba(ceramic * 0.9))
    draw.ellipse((0, 0, diameter, diameter), fill=_rgba(ceramic))
    for step in range(8):  # the inner wall, darker with depth
        inset = (4 + step) * mm
        draw.ellipse((inset, inset, diameter - inset, diameter - inset),
                     fill=_rgba(ceramic * (0.85 - 0.06 * step)))
    bottom = (0.16, 0.08, 0.04) if rng.random() < 0.7 else ceramic * 0.4
    draw.ellipse((12 * mm, 12 * mm, diameter - 12 * mm, diameter - 12 * mm), fill=_rgba(bottom))
    return sprite


def _deck_box(rng: np.random.Generator, mm: float) -> Image.Image:
    """A deck box lying flat: coloured body, lid seam, an emblem."""
    size = (76 * mm, 100 * mm)
    body = _vary(rng, rng.uniform(0.05, 0.85, 3), 0.1)
    sprite, draw = _sprite(size, body, radius=3 * mm)
    draw.line([(0, 25 * mm), (size[0], 25 * mm)], fill=_rgba(body * 0.5), width=max(1, int(mm)))
    draw.ellipse(_box_around((size[0] / 2, 62 * mm), 18 * mm), outline=_rgba(np.minimum(body + 0.4, 1)),
                 width=max(1, int(2 * mm)))
    return sprite


def _card_back(rng: np.random.Generator, mm: float) -> Image.Image:
    """A face-down trading card: dark brown border, mottled field, a brown oval ringed in gold
    carrying a word, five coloured gems (an abstract stand-in for a real card back)."""
    size = (63 * mm, 88 * mm)
    sprite, draw = _sprite(size, _vary(rng, (0.25, 0.15, 0.08), 0.05), radius=3 * mm)
    draw.rounded_rectangle((4 * mm, 4 * mm, size[0] - 4 * mm, size[1] - 4 * mm), radius=2 * mm,
                           fill=_rgba(_vary(rng, (0.5, 0.32, 0.16), 0.05)))
    oval = (8 * mm, 14 * mm, size[0] - 8 * mm, size[1] - 14 * mm)
    draw.ellipse(oval, fill=_rgba((0.3, 0.16, 0.07)), outline=_rgba((0.75, 0.5, 0.2)), width=max(1, int(mm)))
    draw.text((size[0] / 2, size[1] / 2), _words(rng, 1)[0].capitalize(), fill=_rgba((0.9, 0.55, 0.15)),
              font=fonts.font("italic", int(8 * mm)), anchor="mm")
    gems = ((0.95, 0.9, 0.75), (0.2, 0.4, 0.8), (0.1, 0.1, 0.1), (0.8, 0.2, 0.1), (0.2, 0.55, 0.25))
    for k, colour in enumerate(gems):
        centre = (size[0] / 2 + (k - 2) * 6 * mm, 10 * mm)
        draw.ellipse(_box_around(centre, 2.2 * mm), fill=_rgba(colour))
    return _mottle(rng, sprite, 0.25)


def _binder_page(rng: np.random.Generator, mm: float) -> Image.Image:
    """A binder page of nine outlined card pockets, most holding a face-down card."""
    size = (230 * mm, 300 * mm)
    sprite, draw = _sprite(size, _vary(rng, rng.uniform(0.02, 0.25, 3), 0.1), radius=4 * mm)
    for row in range(3):
        for column in range(3):
            x, y = 12 * mm + column * 70 * mm, 12 * mm + row * 95 * mm
            if rng.random() < 0.8:
                card = _card_back(rng, mm)
                sprite.paste(card, (int(x + 1.5 * mm), int(y + 1.5 * mm)), card)
            draw.rectangle((x, y, x + 66 * mm, y + 91 * mm), outline=(230, 230, 240, 140),
                           width=max(1, int(0.6 * mm)))
    return sprite


_DESK_LAYERS: tuple[tuple[Callable[[np.random.Generator, float], Image.Image], ...], ...] = (
    (_sheet, _sheet, _notebook, _binder_page),  # flat things first, at the bottom of the pile
    (_card_back, _card_back, _deck_box, _phone),
    (_pen, _coin, _die, _mug),
)


# --------------------------------------------------------------------------
# Scenes: whole rooms and views, out of focus.

def _scene(rng: np.random.Generator, height: int, width: int) -> Surface:
    """A room, outdoors, night bokeh, or a table top receding towards a blurred background."""
    kinds = (_room, _outdoors, _bokeh, _tabletop, _tabletop)
    return kinds[rng.integers(len(kinds))](rng, height, width)


def _room(rng: np.random.Generator, height: int, width: int) -> Surface:
    """An out-of-focus room: wall, floor, a bright window, shelves of books, a lamp."""
    unit = _unit(height, width)
    wall = _vary(rng, rng.uniform(0.4, 0.9, 3), 0.1)
    canvas = Image.fromarray(_to_uint8(np.broadcast_to(wall, (height, width, 3))))
    draw = ImageDraw.Draw(canvas)
    floor = rng.uniform(0.6, 0.85) * height
    draw.rectangle((0, floor, width, height), fill=_rgb(_vary(rng, (0.45, 0.3, 0.18), 0.3)))
    window = (rng.uniform(-0.1, 0.7) * width, rng.uniform(0.05, 0.2) * height)
    size = (rng.uniform(0.2, 0.4) * width, rng.uniform(0.3, 0.5) * height)
    draw.rectangle((*window, window[0] + size[0], window[1] + size[1]), fill=(255, 252, 240))
    draw.line([(window[0] + size[0] / 2, window[1]), (window[0] + size[0] / 2, window[1] + size[1])],
              fill=_rgb(wall * 0.8), width=max(1, int(8 * unit)))
    shelf_x, rows = rng.uniform(0, 0.7) * width, rng.integers(2, 5)
    bookcase = (shelf_x - 10 * unit, floor - (rows * 90 + 10) * unit, shelf_x + 0.3 * width + 30 * unit,
                floor)
    draw.rectangle(bookcase, fill=_rgb(_vary(rng, (0.3, 0.2, 0.12), 0.3)))
    for row in range(rows):
        y, x = floor - (row + 1) * 90 * unit, shelf_x
        while x < shelf_x + 0.3 * width:
            spine = rng.uniform(10, 28) * unit
            draw.rectangle((x, y + rng.uniform(0, 25) * unit, x + spine, y + 80 * unit),
                           fill=_rgb(_vary(rng, rng.uniform(0.05, 0.9, 3))))
            x += spine + 1
    lamp = (rng.uniform(0, width), rng.uniform(0.2, 0.6) * height)
    draw.ellipse(_box_around(lamp, rng.uniform(15, 40) * unit), fill=(255, 240, 200))
    image = np.asarray(canvas, np.float32) / 255
    return _blur(image, rng.uniform(6, 20) * unit)


def _outdoors(rng: np.random.Generator, height: int, width: int) -> Surface:
    """An out-of-focus view outside: sky and clouds, a tree line, grass or paving."""
    yy, _ = _grid(height, width)
    unit = _unit(height, width)
    horizon = rng.uniform(0.25, 0.6) * height
    sky = _ramp(np.clip(yy / horizon, 0, 1), _vary(rng, (0.35, 0.55, 0.85), 0.15),
                _vary(rng, (0.85, 0.9, 0.95), 0.05))
    clouds = _smoothstep(0.45, 0.75, _streaks(rng, height, width, stretch=3, cells=5))
    image = _blend(sky, np.ones(3, np.float32), clouds * 0.8)
    trees = horizon - rng.uniform(0.05, 0.25) * height * fractal_noise(rng, 2, width, rng.uniform(4, 12))[0]
    foliage = 0.6 + 0.8 * fractal_noise(rng, height, width, 40)
    leaves = _vary(rng, (0.12, 0.25, 0.08), 0.2) * foliage[..., None]
    image = np.where((yy > trees[None, :])[..., None], leaves, image)
    ground = _vary(rng, ((0.3, 0.5, 0.15), (0.5, 0.5, 0.48), (0.55, 0.45, 0.3))[rng.integers(3)], 0.1)
    grass = ground * (0.7 + 0.6 * _streaks(rng, width, height, stretch=12, cells=60).T)[..., None]
    image = np.where((yy > horizon + 0.05 * height)[..., None], grass, image)
    return _blur(image, rng.uniform(3, 14) * unit)


def _bokeh(rng: np.random.Generator, height: int, width: int) -> Surface:
    """Night or a dim room, with out-of-focus lights as soft-edged discs."""
    unit = _unit(height, width)
    yy, xx = _grid(height, width)
    image = _ramp(yy / height, _vary(rng, (0.02, 0.02, 0.05), 0.5), _vary(rng, (0.12, 0.08, 0.06), 0.5))
    lights = ((1.0, 0.7, 0.3), (1.0, 0.9, 0.7), (0.4, 0.6, 1.0), (1.0, 0.3, 0.2))  # lamps, LEDs, signs
    palette = [_vary(rng, c, 0.2) for c in lights]
    for _ in range(rng.integers(10, 50)):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(8, 60) * unit
        disc = np.clip((radius - np.hypot(xx - cx, yy - cy)) / (2 * unit), 0, 1)
        image = image + disc[..., None] * palette[rng.integers(len(palette))] * rng.uniform(0.1, 0.5)
    return image


def _tabletop(rng: np.random.Generator, height: int, width: int) -> Surface:
    """A table top seen at a slant, its far edge cutting across a blurred room or view."""
    far = (_room, _outdoors)[rng.integers(2)](rng, height, width)
    near = _TABLE_TOPS[rng.integers(len(_TABLE_TOPS))](rng, height, width)
    edge = rng.uniform(0.1, 0.45) * height
    spread = rng.uniform(0.2, 0.6) * width
    quad = [(rng.uniform(0, 0.3) * width, edge), (rng.uniform(0.7, 1.0) * width, edge),
            (width + spread, height), (-spread, height)]
    table, inside = _warp_to_quad(near, quad)
    depth = np.clip(1 - (_grid(height, width)[0] - edge) / (height - edge), 0, 1)[..., None] ** 3
    sigma = 4 * _unit(height, width)
    blurred = _blur(table * inside[..., None], sigma) / np.maximum(_blur(inside, sigma), 1e-3)[..., None]
    table = table + (blurred - table) * depth
    return _blend(far, table, inside)


# --------------------------------------------------------------------------
# Sprite drawing helpers.

def _sprite(size: tuple[float, float], colour: Sequence[float], radius: float = 0.0,
            ellipse: bool = False, alpha: int = 255) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """Returns a transparent RGBA canvas holding one filled shape, and a pen to draw on it."""
    sprite = Image.new("RGBA", (max(1, round(size[0])), max(1, round(size[1]))), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sprite)
    box = (0, 0, sprite.width - 1, sprite.height - 1)
    fill = _rgba(colour, alpha)
    if ellipse:
        draw.ellipse(box, fill=fill)
    else:
        draw.rounded_rectangle(box, radius=radius, fill=fill)
    return sprite, draw


def _rgb(colour: Sequence[float]) -> tuple[int, int, int]:
    """Returns a 0..1 colour as the 0..255 tuple PIL draws with."""
    red, green, blue = (int(np.clip(c, 0, 1) * 255) for c in colour)
    return red, green, blue


def _rgba(colour: Sequence[float], alpha: int = 255) -> tuple[int, int, int, int]:
    """Returns a 0..1 colour and a 0..255 opacity as the tuple PIL draws with."""
    return (*_rgb(colour), alpha)


def _text_lines(rng: np.random.Generator, draw: ImageDraw.ImageDraw, box: Sequence[float],
                font: ImageFont.FreeTypeFont, spacing: float, fill: int | tuple[int, ...],
                written: float = 1.0) -> None:
    """Fills a box with lines of made-up words, ragged on the right like real text.

    Args:
      written: the share of lines that carry text; the rest stay blank, as in a notebook.
    """
    left, top, right, bottom = box
    for y in np.arange(top + spacing, bottom, spacing):
        end = right if rng.random() < 0.8 else left + rng.uniform(0.2, 1) * (right - left)
        x = left
        if rng.random() > written:
            continue
        for word in _words(rng, 40):
            if x + font.getlength(word) > end:
                break
            draw.text((x, y), word, font=font, fill=fill, anchor="ls")
            x += font.getlength(word + " ")


_SYLLABLES = ("ka", "ri", "mon", "tel", "ar", "vos", "gen", "dra", "li", "mor", "en", "tha",
              "sul", "ver", "o", "an", "qui", "bel", "sto", "nur", "a", "is", "the", "of")


def _words(rng: np.random.Generator, count: int) -> list[str]:
    """Returns `count` made-up words of one to three syllables (no language, no trademarks)."""
    return ["".join(rng.choice(_SYLLABLES, size=rng.integers(1, 4))) for _ in range(count)]


def _rounded_mask(size: tuple[int, int], box: Sequence[float], radius: float) -> np.ndarray:
    """Returns an anti-aliased rounded-rectangle mask [H, W] in 0..1."""
    big = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE))
    ImageDraw.Draw(big).rounded_rectangle([v * SUPERSAMPLE for v in box], radius=radius * SUPERSAMPLE,
                                          fill=255)
    return np.asarray(big.reduce(SUPERSAMPLE), np.float32) / 255


def _box_around(centre: Sequence[float], radius: float) -> tuple[float, float, float, float]:
    """Returns the bounding box of a circle."""
    return centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius


def _edge_point(rng: np.random.Generator, height: int, width: int) -> tuple[float, float]:
    """Returns a random point on the image border."""
    t = rng.random()
    return ((t * width, 0), (t * width, height), (0, t * height), (width, t * height))[rng.integers(4)]


# --------------------------------------------------------------------------
# Array helpers.

def _unit(height: int, width: int) -> float:
    """Returns pixels per design pixel: lengths are designed for a 768-pixel short side."""
    return min(height, width) / 768


def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns pixel row and column coordinates, float32 [H, W] each."""
    yy, xx = np.mgrid[0:height, 0:width]
    return yy.astype(np.float32), xx.astype(np.float32)


def _vary(rng: np.random.Generator, colour: Sequence[float], amount: float = 0.08) -> np.ndarray:
    """Returns a colour jittered in brightness and hue, so one palette entry gives many."""
    jitter = rng.lognormal(0, amount) * rng.lognormal(0, amount / 2, 3)
    return np.clip(np.asarray(colour, np.float32) * jitter, 0, 1).astype(np.float32)


def _ramp(t: np.ndarray, dark: np.ndarray, light: np.ndarray) -> Surface:
    """Maps a field [H, W] in 0..1 onto the colours from `dark` to `light`."""
    return (dark + (light - dark) * t[..., None]).astype(np.float32)


def _blend(image: np.ndarray, over: np.ndarray, alpha: np.ndarray) -> Surface:
    """Lays `over` (a colour or an image) on `image` with coverage `alpha` [H, W]."""
    return image + (over - image) * alpha[..., None]


def _smoothstep(low: float, high: float, x: np.ndarray) -> np.ndarray:
    """Returns 0 below `low`, 1 above `high` and a smooth S between."""
    t = np.clip((x - low) / (high - low), 0, 1)
    return t * t * (3 - 2 * t)


def _cosine_palette(rng: np.random.Generator, t: np.ndarray) -> Surface:
    """Colours a field with a random cosine palette (Inigo Quilez's a + b cos(2 pi (c t + d)))."""
    a, b = rng.uniform(0.3, 0.6, 3), rng.uniform(0.3, 0.5, 3)
    c, d = rng.uniform(0.5, 1.5, 3), rng.uniform(0, 1, 3)
    return (a + b * np.cos(2 * np.pi * (c * t[..., None] + d))).astype(np.float32)


def _streaks(rng: np.random.Generator, height: int, width: int, stretch: float,
             cells: float) -> np.ndarray:
    """Returns fractal noise [H, W] in 0..1 stretched along x: fibres, threads, wisps of cloud."""
    narrow = fractal_noise(rng, height, max(2, int(width / stretch)), max(cells, 1.0), octaves=3)
    return np.asarray(Image.fromarray(narrow).resize((width, height), Image.Resampling.BICUBIC))


def _relief(rng: np.random.Generator, height_field: np.ndarray, strength: float) -> np.ndarray:
    """Returns shading [H, W] of a bumpy height field lit from a random side: folds, creases.

    Args:
      rng: the random generator (it picks the light's direction).
      height_field: [H, W], any scale.
      strength: the standard deviation of the shading around 1.
    """
    dy, dx = np.gradient(height_field)
    angle = rng.uniform(0, 2 * np.pi)
    slope = np.cos(angle) * dx + np.sin(angle) * dy
    return np.clip(1 + strength * slope / (slope.std() + 1e-9), 0.2, 1.8)


def _blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-like blur of a float array [H, W] or [H, W, C]: three box passes per axis.

    PIL cannot blur float images, and a cumulative-sum box costs the same at any radius.
    """
    radius = int(round(np.sqrt(sigma * sigma + 0.25) - 0.5))  # three boxes of 2r+1 give variance r(r+1)
    if radius < 1:
        return image
    out = image.astype(np.float32)
    for axis in (0, 1):
        for _ in range(3):
            out = _box(out, radius, axis)
    return out


def _box(array: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Returns the mean over a window of 2 * radius + 1 along one axis, edges clamped."""
    moved = np.moveaxis(array, axis, 0)
    padded = np.concatenate([np.repeat(moved[:1], radius + 1, 0), moved, np.repeat(moved[-1:], radius, 0)])
    total = np.cumsum(padded, axis=0, dtype=np.float64)
    window = 2 * radius + 1
    return np.moveaxis(((total[window:] - total[:-window]) / window).astype(np.float32), 0, axis)


def _remap(image: Surface, dx: np.ndarray, dy: np.ndarray) -> Surface:
    """Samples `image` at each pixel shifted by (dx, dy), bilinearly, edges clamped."""
    height, width = image.shape[:2]
    yy, xx = _grid(height, width)
    x, y = np.clip(xx + dx, 0, width - 1.001), np.clip(yy + dy, 0, height - 1.001)
    x0, y0 = x.astype(int), y.astype(int)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    top = image[y0, x0] * (1 - fx) + image[y0, x0 + 1] * fx
    bottom = image[y0 + 1, x0] * (1 - fx) + image[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _warp_to_quad(image: Surface, quad: Sequence[tuple[float, float]],
                  source: bool = False) -> tuple[Surface, np.ndarray]:
    """Warps an image by the perspective that takes its corners to `quad`.

    Args:
      image: float32 [H, W, C].
      quad: four (x, y) points in the order top-left, top-right, bottom-right, bottom-left.
      source: if True, `quad` is instead where in `image` the output's corners come from.

    Returns:
      The warped image and its coverage mask [H, W] (0 where the image does not reach).
    """
    height, width = image.shape[:2]
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    output, sampled = (corners, quad) if source else (quad, corners)
    rows = []
    for (x, y), (u, v) in zip(output, sampled):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
    coeffs = np.linalg.solve(np.array(rows, np.float64), np.array(sampled, np.float64).reshape(8))
    planes = np.concatenate([image, np.ones((height, width, 1), np.float32)], axis=-1)
    warped = np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(planes[..., c])).transform(
        (width, height), Image.Transform.PERSPECTIVE, tuple(coeffs), Image.Resampling.BILINEAR))
        for c in range(planes.shape[-1])], axis=-1)
    coverage = warped[..., -1]
    return warped[..., :-1] / np.maximum(coverage, 1e-3)[..., None], coverage  # undo the rim's fade to black


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """Returns a 0..1 float image as uint8, clipped."""
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


# --------------------------------------------------------------------------
# Regenerating the bundled backgrounds.

BUNDLE = (("wood", 5), ("cloth", 5), ("playmat", 6), ("paper", 4), ("stone", 5), ("desk", 6),
          ("scene", 5))  # (family, how many files)
SIZES = ((768, 1024), (1024, 768), (768, 1024), (1024, 1024))  # (height, width), taken in turn


def bundle_plan(seed: int) -> list[tuple[str, str, int, tuple[int, int]]]:
    """Returns what `main` writes: (file name, family, file seed, (height, width)) per file.

    Args:
      seed: the base seed; file number i uses seed * 1000 + i.
    """
    plan = []
    for family, count in BUNDLE:
        for k in range(count):
            index = len(plan)
            plan.append((f"{family}_{k:02d}.jpg", family, seed * 1000 + index, SIZES[index % len(SIZES)]))
    return plan


def main(argv: Sequence[str] | None = None) -> None:
    """Writes the generated backgrounds as JPEG files (same names and pixels for the same seed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("backgrounds"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for name, family, file_seed, (height, width) in bundle_plan(args.seed):
        image = FAMILIES[family](np.random.default_rng(file_seed), height, width)
        Image.fromarray(image).save(args.out / name, quality=88, optimize=True)
        print(f"{name}  {family}  seed {file_seed}  {width}x{height}")
    print(f"{len(bundle_plan(args.seed))} files in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
