"""Camera and lighting effects, batched, each with its own probability and range.

The order follows light through a camera: cast shadows and specular glare on
the scene, lens blur, vignetting, white balance and exposure, tone and colour,
sensor noise, then JPEG-like compression. An effect that a sample does not get
uses its neutral value, so the whole batch runs the same ops (no per-sample
branches, XLA-friendly).
"""

import math

import numpy as np
import tensorflow as tf

from augment_tf import fusion, seeds
from augment_tf.fast_math import power, wave
from augment_tf.config import Effect, PhotometricConfig

# JPEG's standard luminance and chrominance quantisation tables (ITU-T T.81, Annex K).
_LUMA_TABLE = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
               14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
               49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
_CHROMA_TABLE = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
                 47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32
_LUMA_WEIGHTS = [0.299, 0.587, 0.114]
# The width (Gaussian sigma, in frame sides) of the unsharp mask's halo.
_SHARPEN_SIGMA = (0.002, 0.006)
# The `PhotometricConfig` effects each stage of `apply` draws; a stage none of whose effects is `used` is skipped.
STAGE_EFFECTS = {"shadow": ["shadow"], "glare": ["glare"], "blur": ["defocus", "motion_blur", "sharpen"],
                 "vignette": ["vignette", "lamp"], "noise": ["noise"], "jpeg": ["jpeg"],
                 "colour": ["white_balance", "brightness", "contrast", "saturation", "hue", "gamma"]}


def strength(seed: tf.Tensor, name: str, batch_size, effect: Effect, neutral: float) -> tf.Tensor:
    """[B] strength of an effect: uniform in its range where it applies, `neutral` elsewhere."""
    value = seeds.uniform(seed, name, [batch_size], effect.low, effect.high)
    return tf.where(seeds.bernoulli(seed, name + "_on", [batch_size], effect.p), value, neutral)


def _per_image(parameters: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """[B] parameters, stored once (`fusion.materialize_all`) and shaped [B, 1, 1] to meet [1, S, S] grids."""
    return {name: value[:, None, None] for name, value in fusion.materialize_all(parameters).items()}


def _grid(size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Pixel-centre coordinates in frame sides, [1, S, S] each."""
    c = (tf.range(size, dtype=tf.float32) + 0.5) / size
    y, x = tf.meshgrid(c, c, indexing="ij")
    return x[None], y[None]


def cast_shadow(seed: tf.Tensor, image: tf.Tensor, config: PhotometricConfig) -> tf.Tensor:
    """Darkens the part of the frame behind a soft, wavy edge, as a hand or phone shadow does."""
    batch_size, size = tf.shape(image)[0], image.shape[1]
    angle = seeds.uniform(seed, "shadow_angle", [batch_size], 0.0, 2 * math.pi)
    p = _per_image({"amount": strength(seed, "shadow", batch_size, config.shadow, 0.0),
                    "cos": tf.cos(angle), "sin": tf.sin(angle),
                    "offset": seeds.uniform(seed, "shadow_offset", [batch_size], -0.5, 0.5),
                    "softness": seeds.uniform(seed, "shadow_softness", [batch_size], 0.01, 0.15),
                    "wave": seeds.uniform(seed, "shadow_wave", [batch_size], 2.0, 12.0)})   # [B, 1, 1] each
    x, y = _grid(size)
    along = (x - 0.5) * p["cos"] + (y - 0.5) * p["sin"]
    across = -(x - 0.5) * p["sin"] + (y - 0.5) * p["cos"]
    edge = p["offset"] + 0.04 * wave(across * p["wave"] * (1.0 / (2 * math.pi)))
    inside = tf.sigmoid((along - edge) / p["softness"])
    return image * (1.0 - p["amount"] * inside)[..., None]


def glare(seed: tf.Tensor, image: tf.Tensor, card_centre: tf.Tensor, card_cover: tf.Tensor,
          config: PhotometricConfig) -> tf.Tensor:
    """Adds a specular highlight, usually on the card (sleeves, slabs and foil shine).

    Args:
      seed: [2] int seed.
      image: [B, S, S, 3].
      card_centre: [B, 2] the labelled card's centre in frame sides.
      card_cover: [B, S, S] the card's (and its sleeve's) coverage; glossy surfaces shine most.
      config: photometric settings.

    Returns:
      [B, S, S, 3].
    """
    batch_size, size = tf.shape(image)[0], image.shape[1]
    centre = card_centre + seeds.normal(seed, "glare_centre", [batch_size, 2]) * 0.12
    angle = seeds.uniform(seed, "glare_angle", [batch_size], 0.0, math.pi)
    long_axis = seeds.uniform(seed, "glare_long", [batch_size], 0.03, 0.3)
    short_axis = long_axis * seeds.uniform(seed, "glare_ratio", [batch_size], 0.15, 1.0)
    p = _per_image({"peak": strength(seed, "glare", batch_size, config.glare, 0.0),
                    "cx": centre[:, 0], "cy": centre[:, 1],
                    "cos_long": tf.cos(angle) / long_axis, "sin_long": tf.sin(angle) / long_axis,
                    "cos_short": tf.cos(angle) / short_axis, "sin_short": tf.sin(angle) / short_axis})
    x, y = _grid(size)
    along = (x - p["cx"]) * p["cos_long"] + (y - p["cy"]) * p["sin_long"]      # in long axes
    across = -(x - p["cx"]) * p["sin_short"] + (y - p["cy"]) * p["cos_short"]   # in short axes
    spot = tf.exp(-0.5 * (along ** 2 + across ** 2))
    gloss = 0.25 + 0.75 * card_cover
    light = (p["peak"] * spot * gloss)[..., None]
    return 1.0 - (1.0 - image) * (1.0 - tf.minimum(light, 1.0))          # screen blend


def _gaussian_taps(sigma: tf.Tensor, radius: int) -> tf.Tensor:
    """[B, 2 * radius + 1] normalised Gaussian taps (a delta where sigma is ~0)."""
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)[None]
    taps = tf.exp(-0.5 * (offsets / tf.maximum(sigma[:, None], 1e-3)) ** 2)
    return taps / tf.reduce_sum(taps, axis=-1, keepdims=True)


def _blur_axis(image: tf.Tensor, taps: tf.Tensor, axis: int) -> tf.Tensor:
    """Convolves each image with its own 1-D kernel along `axis` (1 = rows, 2 = columns).

    A weighted sum of shifted copies: XLA fuses it into one loop, where a
    depthwise convolution with per-image kernels is 20x slower on CPU.
    """
    length = taps.shape[1]
    radius, size = length // 2, image.shape[axis]
    pad = [[0, 0]] * 4
    pad[axis] = [radius, radius]
    padded = tf.pad(fusion.materialize(image), pad, "SYMMETRIC")
    window = lambda t: padded[:, t:t + size] if axis == 1 else padded[:, :, t:t + size]  # noqa: E731
    return tf.add_n([window(t) * taps[:, t, None, None, None] for t in range(length)])


def blur(seed: tf.Tensor, image: tf.Tensor, config: PhotometricConfig) -> tf.Tensor:
    """Defocus and motion blur, then a phone's sharpening, as one separable kernel per image.

    Defocus is isotropic; camera shake is approximated by extra blur along the
    image axes, and with the card's random rotation it streaks the card in every
    direction. Phones then sharpen with an unsharp mask, (1 + a) x - a blur(x),
    which leaves bright and dark halos along edges. Per axis, the blur G(s)
    followed by that mask G(k) is (1 + a) G(s) - a G(sqrt(s^2 + k^2)): still
    one pass per axis (the 2-D mask is approximated by its separable square).
    """
    batch_size, size = tf.shape(image)[0], image.shape[1]
    defocus = strength(seed, "defocus", batch_size, config.defocus, 0.0) * size
    motion = strength(seed, "motion", batch_size, config.motion_blur, 0.0) * size / 2.0  # streak ~ 2 sigma
    mix = seeds.uniform(seed, "motion_mix", [batch_size])
    amount = strength(seed, "sharpen", batch_size, config.sharpen, 0.0)[:, None]        # [B, 1]
    mask = seeds.uniform(seed, "sharpen_sigma", [batch_size], *_SHARPEN_SIGMA) * size
    sigmas = {"x": tf.sqrt(defocus ** 2 + (motion * mix) ** 2),
              "y": tf.sqrt(defocus ** 2 + (motion * (1.0 - mix)) ** 2)}                  # [B] blur per axis
    widest = size * math.hypot(max(config.defocus.high, config.motion_blur.high / 2.0),
                               _SHARPEN_SIGMA[1] if config.sharpen.used else 0.0)
    radius = max(1, int(math.ceil(2.5 * widest)))
    taps = fusion.materialize_all({
        axis: (1.0 + amount) * _gaussian_taps(sigma, radius)
        - amount * _gaussian_taps(tf.sqrt(sigma ** 2 + mask ** 2), radius)
        for axis, sigma in sigmas.items()})                                          # [B, 2 * radius + 1] each
    image = _blur_axis(image, taps["x"], axis=2)
    return _blur_axis(image, taps["y"], axis=1)


def _lamp_falloff(dx: tf.Tensor, dy: tf.Tensor, inverse_height2: tf.Tensor) -> tf.Tensor:
    """A lamp's light, 1 right under it, at points (dx, dy) from the point under it."""
    return 1.0 / (1.0 + (dx ** 2 + dy ** 2) * inverse_height2)


def vignette(seed: tf.Tensor, image: tf.Tensor, config: PhotometricConfig) -> tf.Tensor:
    """Smooth uneven light: vignetting, and a nearby lamp's hot spot in its own colour.

    Vignetting darkens towards the corners around a slightly off-centre optical
    axis. A lamp close to the card (a desk lamp, a ceiling light) lights part of
    the frame more than the rest: its light falls off as 1 / (1 + d^2 / h^2)
    for a lamp at height h over a point d away, on top of the ambient light. The
    frame's centre keeps its brightness; exposure and white balance come later.
    """
    batch_size, size = tf.shape(image)[0], image.shape[1]
    centre = 0.5 + seeds.normal(seed, "vignette_centre", [batch_size, 2]) * 0.08
    lamp = seeds.uniform(seed, "lamp_position", [batch_size, 2], -0.3, 1.3)          # may be out of frame
    height = seeds.uniform(seed, "lamp_height", [batch_size], 0.3, 1.0)
    warmth = seeds.uniform(seed, "lamp_warmth", [batch_size], -0.1, 0.3)              # LED .. tungsten
    colour = strength(seed, "lamp", batch_size, config.lamp, 0.0)[:, None] * tf.exp(
        tf.stack([warmth, tf.zeros_like(warmth), -warmth], -1))                       # [B, 3] hot spot
    inverse_height2 = 1.0 / height ** 2
    at_centre = _lamp_falloff(lamp[:, 0] - 0.5, lamp[:, 1] - 0.5, inverse_height2)          # [B]
    p = _per_image({"amount": strength(seed, "vignette", batch_size, config.vignette, 0.0),
                    "cx": centre[:, 0], "cy": centre[:, 1], "lx": lamp[:, 0], "ly": lamp[:, 1],
                    "inverse_height2": inverse_height2, "lamp": colour,
                    "norm": 1.0 / (1.0 + colour * at_centre[:, None])})   # [B, 1, 1], lamp and norm [B, 1, 1, 3]
    x, y = _grid(size)
    radius2 = ((x - p["cx"]) ** 2 + (y - p["cy"]) ** 2) / 0.5
    light = _lamp_falloff(x - p["lx"], y - p["ly"], p["inverse_height2"])[..., None]      # [B, S, S, 1]
    darkening = (1.0 - p["amount"] * radius2)[..., None]                                  # [B, S, S, 1]
    # Broadcast, not stacked per channel: a channel concatenation is slow on XLA's CPU (`fusion`).
    return image * darkening * (1.0 + p["lamp"] * light) * p["norm"]


def _colour_matrix(saturation: tf.Tensor, hue: tf.Tensor) -> tf.Tensor:
    """[B, 3, 3] right-multiplied matrices that scale chroma and rotate hue about the grey axis."""
    luma = tf.constant([_LUMA_WEIGHTS] * 3, tf.float32)                  # rows: luma of the input
    to_chroma = tf.eye(3) - tf.transpose(luma)                            # x - luma(x), as x @ M
    angle = 2 * math.pi * hue[:, None, None]
    skew = tf.constant([[0.0, 1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, -1.0, 0.0]]) / math.sqrt(3.0)
    ones = tf.ones([3, 3]) / 3.0
    rotate = (tf.cos(angle) * (tf.eye(3) - ones) + tf.sin(angle) * skew + ones)   # Rodrigues about (1,1,1)
    return tf.transpose(luma) + to_chroma @ rotate * saturation[:, None, None]


def colour(seed: tf.Tensor, image: tf.Tensor, config: PhotometricConfig) -> tf.Tensor:
    """White balance, brightness, contrast, saturation, hue and gamma."""
    batch_size = tf.shape(image)[0]
    per = lambda name, effect, neutral: strength(seed, name, batch_size, effect, neutral)  # noqa: E731
    warmth = per("white_balance", config.white_balance, 0.0)                     # blue <-> amber
    tint = warmth * seeds.uniform(seed, "tint", [batch_size], -0.5, 0.5)          # green <-> magenta
    gains = tf.exp(tf.stack([warmth, tint, -warmth], axis=-1))                      # [B, 3]
    matrix = tf.linalg.diag(gains) @ _colour_matrix(per("saturation", config.saturation, 1.0),
                                                   per("hue", config.hue, 0.0))     # [B, 3, 3]
    contrast = per("contrast", config.contrast, 1.0)
    image = fusion.materialize(image)            # each output channel reads all three: compute them once
    mean = tf.reduce_mean(image[:, ::4, ::4], axis=[1, 2, 3])                     # a 1/16 subsample is plenty
    p = fusion.materialize_all({
        "matrix": matrix * contrast[:, None, None],                                  # [B, 3, 3]
        "shift": per("brightness", config.brightness, 0.0) + mean * (1.0 - contrast),  # [B]
        "gamma": per("gamma", config.gamma, 1.0)})                                  # [B]
    m = p["matrix"][:, :, :, None, None]                                             # [B, 3, 3, 1, 1]
    shift, gamma = p["shift"][:, None, None], p["gamma"][:, None, None]              # [B, 1, 1]
    planes = tf.unstack(image, axis=-1)                                              # 3 x [B, S, S]
    # One plane per output channel, so XLA's CPU loops vectorise along rows (`fusion`).
    mixed = [planes[0] * m[:, 0, c] + planes[1] * m[:, 1, c] + planes[2] * m[:, 2, c] for c in range(3)]
    return tf.stack([power(tf.clip_by_value(plane + shift, 0.0, 1.0), gamma) for plane in mixed], axis=-1)


def sensor_noise(seed: tf.Tensor, image: tf.Tensor, config: PhotometricConfig) -> tf.Tensor:
    """Signal-dependent (shot) plus constant (read) noise, partly shared across channels.

    The effect's strength s scales it: each channel's std is 0.86 s at mid grey
    (sqrt(0.7^2 + 0.5^2), shared luma plus own chroma), 0.47 s at black and
    1.12 s at white, and two channels' noise correlates by 0.66.
    """
    batch_size, size = tf.shape(image)[0], image.shape[1]
    sigma = _per_image({"sigma": strength(seed, "noise", batch_size, config.noise, 0.0)})["sigma"][..., None]
    draws = seeds.pixel_noise(seed, "pixels", [batch_size, size, size])            # [B, S, S, 4]
    noise = 0.7 * draws[..., :1] + 0.5 * draws[..., 1:]                             # shared luma + chroma
    level = sigma * tf.sqrt(0.3 + 1.4 * tf.clip_by_value(image, 0.0, 1.0))     # sigma at mid grey
    return image + noise * level


def _block_dct() -> tf.Tensor:
    """[64, 64] 2-D DCT-II of a flattened 8x8 block: the Kronecker square of the 1-D DCT."""
    k, n = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    dct = np.sqrt(2 / 8) * np.cos((2 * n + 1) * k * np.pi / 16)
    dct[0] /= np.sqrt(2)
    return tf.constant(np.kron(dct, dct).T, tf.float32)                   # flat block @ it = coefficients


def _quantise_blocks(plane: tf.Tensor, table: tf.Tensor) -> tf.Tensor:
    """DCT, round to the quantisation steps, inverse DCT, on the 8x8 blocks of [B, H, W] (0..255).

    Args:
      plane: [B, H, W], H and W divisible by 8.
      table: [B, 64] quantisation steps of each image.
    """
    batch_size, height, width = tf.shape(plane)[0], plane.shape[1], plane.shape[2]
    blocks = tf.reshape(plane - 128.0, [batch_size, height // 8, 8, width // 8, 8])
    blocks = tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4]), [batch_size, -1, 64])   # [B, blocks, 64]
    dct = _block_dct()
    steps = table[:, None, :]
    coefficients = tf.reshape(tf.reshape(blocks, [-1, 64]) @ dct, tf.shape(blocks))
    quantised = tf.round(coefficients / steps) * steps
    restored = tf.reshape(tf.reshape(quantised, [-1, 64]) @ tf.transpose(dct),
                          [batch_size, height // 8, width // 8, 8, 8])
    return tf.reshape(tf.transpose(restored, [0, 1, 3, 2, 4]), [batch_size, height, width]) + 128.0


def jpeg_like(seed: tf.Tensor, image: tf.Tensor, config: PhotometricConfig) -> tf.Tensor:
    """JPEG's lossy steps in graph ops: YCbCr, 4:2:0 chroma, 8x8 DCT quantised at a random quality.

    Images that skip the effect get quality 100 steps (all ones): nearly lossless.
    """
    batch_size = tf.shape(image)[0]
    quality = strength(seed, "jpeg", batch_size, config.jpeg, 100.0)
    scale = tf.where(quality < 50, 5000.0 / quality, 200.0 - 2.0 * quality)[:, None] / 100.0   # [B, 1]
    tables = fusion.materialize_all({
        "luma": tf.clip_by_value(tf.floor(tf.constant([_LUMA_TABLE], tf.float32) * scale + 0.5), 1, 255),
        "chroma": tf.clip_by_value(tf.floor(tf.constant([_CHROMA_TABLE], tf.float32) * scale + 0.5), 1, 255)})
    luma_table, chroma_table = tables["luma"], tables["chroma"]                   # [B, 64] each
    rgb = tf.clip_by_value(fusion.materialize(image), 0.0, 1.0) * 255.0   # each of Y, Cb, Cr reads all three
    to_ycbcr = tf.constant([[0.299, -0.168736, 0.5], [0.587, -0.331264, -0.418688], [0.114, 0.5, -0.081312]])
    ycbcr = rgb @ to_ycbcr + [0.0, 128.0, 128.0]
    luma = _quantise_blocks(ycbcr[..., 0], luma_table)
    chroma = tf.nn.avg_pool2d(ycbcr[..., 1:], 2, 2, "VALID")                       # [B, S/2, S/2, 2]
    chroma = tf.stack([_quantise_blocks(chroma[..., c], chroma_table) for c in range(2)], -1)
    chroma = tf.repeat(tf.repeat(chroma, 2, axis=1), 2, axis=2)                   # nearest 2x upsampling
    ycbcr = tf.concat([luma[..., None], chroma], -1) - [0.0, 128.0, 128.0]
    to_rgb = tf.constant([[1.0, 1.0, 1.0], [0.0, -0.344136, 1.772], [1.402, -0.714136, 0.0]])
    return (ycbcr @ to_rgb) / 255.0


def apply(seed: tf.Tensor, image: tf.Tensor, card_centre: tf.Tensor, card_cover: tf.Tensor,
          config: PhotometricConfig) -> tf.Tensor:
    """Applies every effect in camera order.

    A stage whose effects all have p == 0 is left out of the graph, so
    switching effects off makes synthesis cheaper, not just neutral
    (`benchmarks/synthesis_throughput.py --costs` prices each one).

    Args:
      seed: [2] int seed.
      image: [B, S, S, 3] float32 scene in 0..1, S divisible by 16.
      card_centre: [B, 2] labelled card centre in frame sides (where glare goes).
      card_cover: [B, S, S] coverage of the card and its sleeve (glossy surfaces).
      config: photometric settings.

    Returns:
      [B, S, S, 3] float32 photo in 0..1.
    """
    stages = [("shadow", lambda s, im: cast_shadow(s, im, config)),
              ("glare", lambda s, im: glare(s, im, card_centre, card_cover, config)),
              ("blur", lambda s, im: blur(s, im, config)),
              ("vignette", lambda s, im: vignette(s, im, config)),
              ("colour", lambda s, im: colour(s, im, config)),
              ("noise", lambda s, im: sensor_noise(s, im, config)),
              ("jpeg", lambda s, im: jpeg_like(s, im, config))]
    for name, stage in stages:
        if not any(getattr(config, effect).used for effect in STAGE_EFFECTS[name]):
            continue                     # nobody gets it: not in the graph, so it costs nothing
        with tf.name_scope(name):
            image = stage(seeds.child(seed, name), image)
    return tf.clip_by_value(image, 0.0, 1.0)
