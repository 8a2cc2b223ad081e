"""Small cards, backgrounds and configs shared by the synthesis tests, a numpy oracle of where a card's
texels land in its photo, and a loader for the benchmark scripts."""

import dataclasses
import importlib.util
import pathlib
import types

import numpy as np
import tensorflow as tf

from augment_tf import texture
from augment_tf.config import Effect, GeometryConfig, PhotometricConfig, SceneConfig, SynthesisConfig

# Marks painted at the card's printed corners: TL red, TR green, BR blue, BL yellow.
MARKS = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]], np.uint8)
PHOTOMETRIC_OFF = PhotometricConfig(**{f.name: dataclasses.replace(f.default, p=0.0)
                                       for f in dataclasses.fields(PhotometricConfig)})
# `SceneConfig` fields that shape a layer but never add one; every other field is a layer's `Effect`, or
# `empty_p`. (`test_synthesis` fails on a field in none of these, so a new layer is switched off below.)
SCENE_SETTINGS = {"neighbor_slots", "loose_neighbor_p", "background_zoom", "table_p", "depth_of_field"}
# Every scene layer off: each `Effect` at p = 0, and no empty frames.
SCENE_OFF = SceneConfig(**{f.name: dataclasses.replace(f.default, p=0.0)
                           for f in dataclasses.fields(SceneConfig) if isinstance(f.default, Effect)}, empty_p=0.0)
# The default geometry without the framing effects: no letterbox bars, no centred placement.
GEOMETRY_OFF = GeometryConfig(centre_p=0.0, letterbox_p=0.0)


def fixed_barrel(k: float) -> Effect:
    """`GeometryConfig.barrel` giving every image a lens of barrel k; no lens at k = 0."""
    return Effect(1.0 if k else 0.0, k, k)


def small_config(size: int = 64, **kwargs) -> SynthesisConfig:
    """A fast config: size x size output, 128-texel cards."""
    return SynthesisConfig(size=size, card_height=128, **kwargs)


def marked_card(height: int = 176, width: int = 128) -> np.ndarray:
    """A grey RGBA card with a coloured square at each corner (a quarter of the width wide)."""
    card = np.full((height, width, 4), 128, np.uint8)
    card[..., 3] = 255
    side = width // 4
    for mark, (rows, cols) in zip(MARKS, [(slice(0, side), slice(0, side)), (slice(0, side), slice(-side, None)),
                                          (slice(-side, None), slice(-side, None)), (slice(-side, None), slice(0, side))]):
        card[rows, cols, :3] = mark
    return card


def flat_card(rgb, alpha=255, height: int = 176, width: int = 128) -> np.ndarray:
    """A one-colour RGBA card; `alpha` is a number or a [height, width] mask (0: see-through)."""
    card = np.empty((height, width, 4), np.uint8)
    card[..., :3], card[..., 3] = rgb, alpha
    return card


def bordered_card(border_rgb, face_rgb=(200, 180, 150), height: int = 176, width: int = 128) -> np.ndarray:
    """A card whose outer 6% of the width is `border_rgb` (a printed border) around a `face_rgb` face."""
    card = flat_card(face_rgb, height=height, width=width)
    side = round(0.06 * width)
    for rim in (np.s_[:side], np.s_[-side:]):
        card[rim, :, :3] = border_rgb
        card[:, rim, :3] = border_rgb
    return card


def dotted_card(width: int, height: int, dot: int) -> tuple[np.ndarray, np.ndarray]:
    """A black card with white dot x dot texel squares on a grid of dot-texel cells: one cell in from
    each corner, at the middle of each edge and at the centre.

    Aligned to their size, the dots cover whole texels at every mip level up to log2(dot), centred
    where they were: the pyramid's 2 x 2 averages do not move them.

    Returns:
      (card [height, width, 4] uint8 RGBA, centres [9, 2] of the dots, in texels).
    """
    card = np.zeros((height, width, 4), np.uint8)
    card[..., 3] = 255
    cells = lambda length: [dot, round((length - dot) / 2 / dot) * dot, length - 2 * dot]  # noqa: E731
    centres = []
    for y in cells(height):
        for x in cells(width):
            card[y:y + dot, x:x + dot, :3] = 255
            centres.append([x + dot / 2, y + dot / 2])
    return card, np.array(centres, np.float64)


def centroid(intensity: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """[2] the intensity-weighted centroid of [S, S] `intensity` over the [S * S] bool mask `pixels`."""
    weights = intensity.ravel()[pixels]
    return weights @ pixel_centres(intensity.shape[0])[pixels] / weights.sum()

def textures(config: SynthesisConfig, cards: list[np.ndarray], background_rgb=(20, 20, 20)):
    """Packs cards and flat backgrounds into the synthesis inputs."""
    atlases = tf.stack([texture.card_atlas(c, config.card_height, config.card_width, config.mip_levels)
                        for c in cards])
    flat = np.full((config.size, config.size, 3), background_rgb, np.uint8)
    backgrounds = tf.stack([texture.background_atlas(flat, config.size)] * len(cards))
    return atlases, backgrounds


def assert_a_new_layer_off_changes_nothing(base: SynthesisConfig, off: SynthesisConfig, zero: SynthesisConfig,
                                           every: SynthesisConfig) -> tuple[dict, dict]:
    """Synthesises four flat cards under each recipe (one seed): the new layer at p = 0 as a tensor (`zero`, as a
    curriculum draws it) gives `off`'s batch, bit for bit. Returns (`off`'s batch, `every`'s: the layer in every
    image), for the caller to check that the layer drew something."""
    from augment_tf import synthesize

    cards = [flat_card((40 + 50 * i, 200 - 40 * i, 80), height=base.card_height, width=base.card_width)
             for i in range(4)]
    inputs = textures(base, cards, background_rgb=(120, 120, 120))
    without, with_zero, drawn = (synthesize.synthesize(*inputs, tf.constant([8, 1]), config)
                                 for config in (off, zero, every))
    for key, value in without.items():
        np.testing.assert_array_equal(with_zero[key], value, err_msg=key)
    return without, drawn


def grown_mask(mask: np.ndarray, pixels: int) -> np.ndarray:
    """`mask` [..., H, W] grown by `pixels` in each direction (rolled: it wraps at the frame's edge)."""
    grown = mask.copy()
    for dy in range(-pixels, pixels + 1):
        for dx in range(-pixels, pixels + 1):
            grown |= np.roll(mask, (dy, dx), axis=(-2, -1))
    return grown


def pixel_centres(size: int) -> np.ndarray:
    """[size * size, 2] float64 (x, y) of the pixel centres, row-major: pixel (row i, column j) covers
    [j, j+1) x [i, i+1) (`mtg_tfds.card_shape`), so its centre is (j + 0.5, i + 0.5)."""
    rows, columns = np.mgrid[0:size, 0:size] + 0.5
    return np.stack([columns.ravel(), rows.ravel()], -1)


def barrel_scene_points(pixels: np.ndarray, k: float, size: int) -> np.ndarray:
    """[N, 2] scene points that [N, 2] output pixel positions show through a lens of barrel k
    (`augment_tf.lens`): pixel p shows c + (p - c) (1 + k |p - c|^2 / R^2), c the frame's centre and R
    half its side."""
    offset = pixels - size / 2
    return size / 2 + offset * (1 + k * (offset ** 2).sum(-1, keepdims=True) / (size / 2) ** 2)


def barrel_image_points(scene: np.ndarray, k: float, size: int) -> np.ndarray:
    """[N, 2] output pixel positions that show [N, 2] scene points: `barrel_scene_points` inverted, by
    Newton's method on the distance from the centre (the lens keeps directions)."""
    offset = scene - size / 2
    reach = np.linalg.norm(offset, axis=-1, keepdims=True) / (size / 2)             # in half sides
    radius = reach.copy()
    for _ in range(20):                                 # r (1 + k r^2) = reach; k >= 0, so one root
        radius -= (radius * (1 + k * radius ** 2) - reach) / (1 + 3 * k * radius ** 2)
    return size / 2 + offset * np.divide(radius, reach, out=np.ones_like(reach), where=reach > 0)


@dataclasses.dataclass(frozen=True)
class CardView:
    """Where a synthesised card's texels land in its photo: the tests' oracle, in float64 numpy, worked
    out from the returned corner labels and the lens model alone, not from the code under test.

    Texels use the pixels' convention: texel (row r, column c) covers [c, c+1) x [r, r+1), so a
    width x height texture's corners (0, 0), (W, 0), (W, H), (0, H) are the labels TL, TR, BR, BL. A
    homography maps texels to the scene, which the photo shows through the lens.

    Attributes:
      homography: [3, 3] texels -> scene points (undistorted pixels).
      size: the photo is size x size pixels.
      barrel: the lens's k (0: a pinhole).
    """
    homography: np.ndarray
    size: int
    barrel: float = 0.0

    @classmethod
    def from_corners(cls, corners: np.ndarray, texture_size: tuple[int, int], size: int,
                     barrel: float = 0.0) -> "CardView":
        """The view whose texture corners are drawn at the [4, 2] `corners` labels (TL, TR, BR, BL)."""
        width, height = texture_size
        texels = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
        scene = barrel_scene_points(np.asarray(corners, np.float64), barrel, size)
        rows = []                                      # H (x, y, 1) ~ (X, Y, 1), with H[2, 2] = 1: 8 equations
        for (x, y), (sx, sy) in zip(texels, scene):
            rows += [[x, y, 1, 0, 0, 0, -sx * x, -sx * y], [0, 0, 0, x, y, 1, -sy * x, -sy * y]]
        solution = np.linalg.solve(np.array(rows), scene.ravel())
        return cls(np.append(solution, 1.0).reshape(3, 3), size, barrel)

    def to_pixels(self, texels: np.ndarray) -> np.ndarray:
        """[N, 2] output pixel positions where [N, 2] texel positions are drawn."""
        return barrel_image_points(_project(self.homography, texels), self.barrel, self.size)

    def to_texels(self, pixels: np.ndarray) -> np.ndarray:
        """[N, 2] texel positions that [N, 2] output pixel positions show."""
        return _project(np.linalg.inv(self.homography), barrel_scene_points(pixels, self.barrel, self.size))

    def texels_per_pixel(self, texels: np.ndarray) -> np.ndarray:
        """[N, 2] the fewest and most texels one pixel spans at each of [N, 2] texel positions (from the
        singular values of the local map): < 1 magnified, > 1 minified."""
        step = 1e-3
        columns = [(self.to_pixels(texels + step * axis) - self.to_pixels(texels - step * axis)) / (2 * step)
                   for axis in np.eye(2)]
        pixels_per_texel = np.linalg.svd(np.stack(columns, -1), compute_uv=False)  # [N, 2], largest first
        return 1.0 / pixels_per_texel


def _project(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """[N, 2] points through a [3, 3] homography."""
    mapped = np.concatenate([points, np.ones_like(points[:, :1])], -1) @ h.T
    return mapped[:, :2] / mapped[:, 2:]


BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


def benchmark_script(name: str) -> types.ModuleType:
    """Imports `benchmarks/<name>.py`, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
