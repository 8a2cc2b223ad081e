"""Small cards, backgrounds and configs shared by the synthesis tests, and a loader for the benchmark scripts."""

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
SCENE_OFF = SceneConfig(neighbors=0, occluder=Effect(0.0, 0.1, 0.2), sleeve=Effect(0.0, 0.5, 1.0),
                        contact_shadow=Effect(0.0, 0.1, 0.2), wear=Effect(0.0, 0.3, 1.0),
                        foil=Effect(0.0, 0.15, 0.6), empty_p=0.0)
# The default geometry without the framing effects: no letterbox bars, no centred placement.
GEOMETRY_OFF = GeometryConfig(centre_p=0.0, letterbox_p=0.0)


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


def textures(config: SynthesisConfig, cards: list[np.ndarray], background_rgb=(20, 20, 20)):
    """Packs cards and flat backgrounds into the synthesis inputs."""
    atlases = tf.stack([texture.card_atlas(c, config.card_height, config.card_width, config.mip_levels)
                        for c in cards])
    flat = np.full((config.size, config.size, 3), background_rgb, np.uint8)
    backgrounds = tf.stack([texture.background_atlas(flat, config.size)] * len(cards))
    return atlases, backgrounds


BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


def benchmark_script(name: str) -> types.ModuleType:
    """Imports `benchmarks/<name>.py`, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
