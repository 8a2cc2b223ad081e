"""Foil: the rainbow sheen of a foil card.

A foil card's whole face, border included, is printed over a metallic layer
whose reflection splits into colours: bands of changing hue sweep across the
card, brightest where the light's reflection falls. On a black-bordered card
the sheen lifts the border towards the background's brightness, which makes
its edges harder to see. It is drawn in the card's own texels, so the bands
follow the card's perspective.
"""

import math

import tensorflow as tf

from augment_tf import seeds
from augment_tf.composite import PlaneCoords, per_pixel, tint
from augment_tf.config import SceneConfig
from augment_tf.fast_math import wave

# Each channel's hue phase, in turns (R, G, B, and alpha, which gets no light).
_CHANNEL_PHASES = [0.0, 1.0 / 3.0, 2.0 / 3.0, 0.0]


def sample_foil(seed: tf.Tensor, batch_size, width: int, config: SceneConfig) -> dict[str, tf.Tensor]:
    """Draws each image's sheen: strength (0 for a plain card), the hue bands' direction and
    rhythm, and where across them the reflection is brightest.

    Both the bands' hue and the reflection's offset are linear in the card's texel
    coordinates, so each is returned as its per-texel steps and offset, and a
    pixel evaluates each with two multiply-adds.

    Args:
      seed: [2] int seed.
      batch_size: B.
      width: card texture width in texels.
      config: `foil` sets presence and strength (the screen-blended light at the reflection's peak).

    Returns:
      dict of [B] tensors: `strength`; `hue_u`, `hue_v`, `hue_0` (turns of hue);
      `glow_u`, `glow_v`, `glow_0` (offsets from the reflection's peak in its half widths).
    """
    b = [batch_size]
    present = seeds.bernoulli(seed, "present", b, config.foil.p)
    angle = seeds.uniform(seed, "angle", b, 0.0, math.pi)
    step_u, step_v = tf.cos(angle) / width, tf.sin(angle) / width       # card widths across the bands per texel
    bands = seeds.uniform(seed, "bands", b, 0.7, 3.0)                      # hue cycles per card width
    peak = seeds.uniform(seed, "peak", b, -0.3, 1.7)                       # card widths; may fall off the card
    spread = seeds.uniform(seed, "spread", b, 0.2, 0.8)                    # the reflection's half width
    return {"strength": tf.where(present, seeds.uniform(seed, "strength", b, config.foil.low, config.foil.high), 0.0),
            "hue_u": step_u * bands, "hue_v": step_v * bands, "hue_0": seeds.uniform(seed, "phase", b, 0.0, 1.0),
            "glow_u": step_u / spread, "glow_v": step_v / spread, "glow_0": -peak / spread}


def apply_foil(foil: dict[str, tf.Tensor], card: tf.Tensor, plane: PlaneCoords) -> tf.Tensor:
    """Screens the rainbow sheen over a card (the labelled one, or each neighbour).

    Args:
      foil: from `sample_foil`; `strength` may be per pixel, [B, P].
      card: [B, P, 4] the card's premultiplied RGBA at every output pixel.
      plane: the card's plane coordinates of every output pixel.

    Returns:
      [B, P, 4] premultiplied RGBA, alpha unchanged.
    """
    column = lambda name: per_pixel(foil[name])                                  # noqa: E731
    linear = lambda name: plane.u * column(name + "_u") + plane.v * column(name + "_v") + column(name + "_0")  # noqa: E731
    reflection = column("strength") / (1.0 + linear("glow") ** 2)                              # [B, P]
    turns = linear("hue")[..., None] + tf.constant(_CHANNEL_PHASES)                           # [B, P, 4]
    light = reflection[..., None] * (0.6 + 0.4 * wave(turns))                                 # a pastel rainbow
    return tint(card, light, [1.0, 1.0, 1.0])                       # a screen blend: towards white by `light`
