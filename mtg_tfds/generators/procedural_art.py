"""Procedural "paintings" for the art boxes of procedural cards.

Real card art is painted: skies with gradients, layered landscapes, a figure in
the middle or standing in a landscape, glowing spells, dark night scenes and
bright hazy ones. A model that will see real cards must not learn that art
boxes are flat colour, so these generators paint plausible scenes. A share of
art boxes can also be cut from real photographs when the builder passes some in.
"""

import colorsys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from mtg_tfds.generators import noise


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), np.float32)


def _vertical_gradient(height: int, width: int, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    return np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3)).copy()


def _ridge(rng: np.random.Generator, width: int, base: float, roughness: float) -> np.ndarray:
    """Returns a 1-D mountain profile (row index per column) by fractal noise."""
    profile = noise.fractal_noise(rng, 1, width, cells=rng.uniform(2, 6), octaves=6)[0]
    return base + (profile - 0.5) * roughness


def _landscape(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Sky, a sun or moon, and mountain ranges that fade with distance."""
    hue = rng.random()
    sky = _vertical_gradient(height, width, _hsv(hue, rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.9)),
                             _hsv(hue + rng.uniform(-0.15, 0.15), rng.uniform(0.1, 0.5), rng.uniform(0.7, 1.0)))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    sun_x, sun_y = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.45) * height
    glow = np.exp(-((xx - sun_x) ** 2 + (yy - sun_y) ** 2) / (2 * (0.08 * width) ** 2))
    image = sky + glow[..., None] * _hsv(rng.uniform(0.05, 0.15), 0.4, 1.0) * 0.8
    layers = rng.integers(2, 5)
    ground = _hsv(rng.random(), rng.uniform(0.3, 0.8), rng.uniform(0.2, 0.5))
    for layer in range(layers):
        depth = (layer + 1) / layers  # 1 is nearest
        ridge = _ridge(rng, width, height * (0.35 + 0.45 * depth), height * rng.uniform(0.15, 0.4))
        mask = (yy > ridge[None, :])[..., None]
        shade = noise.fractal_noise(rng, height, width, cells=8 * depth + 2)[..., None]
        colour = ground * (0.5 + 0.5 * depth) + sky[-1] * (1 - depth) * 0.6
        image = np.where(mask, colour * (0.75 + 0.5 * shade), image)
    return _trees(rng, image, ridge)


def _trees(rng: np.random.Generator, image: np.ndarray, ridge: np.ndarray) -> np.ndarray:
    """Dark conifer silhouettes standing on the nearest ridge."""
    height, width = image.shape[:2]
    canvas = Image.fromarray(np.uint8(np.clip(image, 0, 1) * 255))
    draw = ImageDraw.Draw(canvas)
    dark = tuple(int(c) for c in rng.integers(0, 60, 3))
    for _ in range(rng.integers(0, 14)):
        x = rng.uniform(0, width)
        base = ridge[min(int(x), width - 1)] + 4
        tall, wide = rng.uniform(0.1, 0.35) * height, rng.uniform(0.03, 0.07) * width
        draw.polygon([(x, base - tall), (x - wide, base), (x + wide, base)], fill=dark)
    return np.asarray(canvas, np.float32) / 255


def _figure(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A creature-like figure of lit ellipsoids in front of a moody backdrop."""
    hue = rng.random()
    image = _vertical_gradient(height, width, _hsv(hue, 0.5, rng.uniform(0.1, 0.4)),
                               _hsv(hue + 0.1, 0.6, rng.uniform(0.3, 0.7)))
    image *= 0.6 + 0.7 * noise.fractal_noise(rng, height, width, cells=3)[..., None]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = np.array([rng.uniform(-0.7, 0.7), rng.uniform(-0.9, -0.2), 0.6], np.float32)
    light /= np.linalg.norm(light)
    body = _hsv(rng.random(), rng.uniform(0.2, 0.8), rng.uniform(0.4, 0.9))
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.4, 0.7) * height
    for _ in range(rng.integers(4, 10)):
        rx, ry = rng.uniform(0.04, 0.22) * width, rng.uniform(0.04, 0.28) * height
        px, py = cx + rng.normal(0, 0.15) * width, cy + rng.normal(0, 0.15) * height
        nx, ny = (xx - px) / rx, (yy - py) / ry
        inside = nx ** 2 + ny ** 2 < 1
        nz = np.sqrt(np.clip(1 - nx ** 2 - ny ** 2, 0, 1))
        lambert = np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0, 1)
        colour = np.clip(body * rng.uniform(0.6, 1.3), 0, 1)
        shaded = colour * (0.15 + 0.95 * lambert[..., None]) + 0.4 * lambert[..., None] ** 12
        image = np.where(inside[..., None], shaded, image)
    return image


def _hero(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A cloaked figure with a staff or blade standing in a landscape, rim-lit from behind."""
    image = _landscape(rng, height, width)
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    size, cx, feet = rng.uniform(0.4, 0.85) * height, rng.uniform(0.25, 0.75) * width, rng.uniform(0.85, 1.1) * height
    shoulders, spread = feet - size * 0.78, rng.uniform(0.12, 0.3)
    draw.polygon([(cx - size * 0.1, shoulders), (cx + size * 0.1, shoulders), (cx + size * spread, feet),
                  (cx - size * spread, feet)], fill=255)                                  # cloak
    head = size * rng.uniform(0.055, 0.08)
    draw.ellipse((cx - head, shoulders - 2 * head, cx + head, shoulders + head * 0.3), fill=255)
    hand = (cx + size * rng.choice([-1, 1]) * rng.uniform(0.15, 0.3), feet - size * rng.uniform(0.45, 0.9))
    draw.line([(cx, shoulders + size * 0.05), hand], fill=255, width=max(2, int(size * 0.045)))   # arm
    draw.line([(hand[0], hand[1] - size * 0.35), (hand[0], hand[1] + size * 0.4)], fill=255,
              width=max(2, int(size * 0.02)))                                              # staff or blade
    figure = np.asarray(mask, np.float32)[..., None] / 255
    shifted = np.asarray(mask.transform(mask.size, Image.Transform.AFFINE, (1, 0, -3, 0, 1, 3)), np.float32)
    rim = np.clip(figure[..., 0] - shifted / 255, 0, 1)[..., None]
    body = _hsv(rng.random(), rng.uniform(0.2, 0.7), rng.uniform(0.05, 0.3))
    light = image[: height // 4].reshape(-1, 3).mean(0) * 1.3
    image = image * (1 - figure) + body * figure
    return np.clip(image * (1 - rim) + light * rim, 0, 1)


def _mood(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Darkens a quarter of the paintings into night scenes and lifts a quarter into bright, hazy ones."""
    mood, image = rng.choice(3, p=[0.5, 0.25, 0.25]), np.clip(image, 0, 1)
    if mood == 1:
        return image ** 1.6 * rng.uniform(0.4, 0.7)
    if mood == 2:
        return 1 - (1 - image) ** 1.5 * rng.uniform(0.6, 0.85)
    return image


def _spell(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Swirling energy: radial glows and streaks over a dark field."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32) + _hsv(rng.random(), 0.6, 0.15)
    for _ in range(rng.integers(2, 5)):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = np.hypot(xx - cx, yy - cy) / width
        angle = np.arctan2(yy - cy, xx - cx)
        swirl = 0.5 + 0.5 * np.sin(angle * rng.integers(2, 7) + radius * rng.uniform(10, 40))
        glow = np.exp(-radius * rng.uniform(2, 8)) * swirl
        image += glow[..., None] * _hsv(rng.random(), rng.uniform(0.4, 1.0), 1.0)
    return image


def _photo_crop(rng: np.random.Generator, height: int, width: int, photo: np.ndarray) -> np.ndarray:
    """A random crop of a photograph with the art box's aspect, resized to fit."""
    ph, pw = photo.shape[:2]
    scale = rng.uniform(0.4, 1.0) * min(pw / width, ph / height)
    cw, ch = int(width * scale), int(height * scale)
    x0, y0 = rng.integers(0, pw - cw + 1), rng.integers(0, ph - ch + 1)
    crop = Image.fromarray(photo[y0:y0 + ch, x0:x0 + cw]).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(crop, np.float32) / 255


def _brush_texture(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Blends in a blurred copy where fractal noise says so: soft brushwork, not flat fills."""
    height, width = image.shape[:2]
    pil = Image.fromarray(np.uint8(np.clip(image, 0, 1) * 255))
    soft = np.asarray(pil.filter(ImageFilter.GaussianBlur(width * 0.006)), np.float32) / 255
    mix = noise.fractal_noise(rng, height, width, cells=12)[..., None]
    grain = (noise.smooth_noise(rng, height, width, cells=width / 3)[..., None] - 0.5) * 0.06
    return np.clip(image * mix + soft * (1 - mix) + grain, 0, 1)


def paint_art(rng: np.random.Generator, height: int, width: int,
              photos: list[np.ndarray] | None = None) -> np.ndarray:
    """Paints the contents of one art box.

    Args:
      rng: the random generator to draw from.
      height: art box height in pixels.
      width: art box width in pixels.
      photos: optional uint8 [H, W, 3] photographs; about 30% of art boxes
        are cut from them when given.

    Returns:
      uint8 array [height, width, 3].
    """
    if photos and rng.random() < 0.3:
        image = _photo_crop(rng, height, width, photos[rng.integers(len(photos))])
    else:
        painter = (_landscape, _figure, _hero, _spell)[rng.choice(4, p=[0.3, 0.25, 0.3, 0.15])]
        image = _brush_texture(rng, _mood(rng, painter(rng, height, width)))
    return np.uint8(np.clip(image, 0, 1) * 255 + 0.5)
