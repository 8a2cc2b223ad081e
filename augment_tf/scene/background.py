"""The photo behind the cards: a random crop of a background, zoomed, turned and maybe flipped.

Most cards are photographed lying on something. Then (`SceneConfig.table_p`)
the background is that surface: it lies in the card's plane and recedes with
the card's perspective, read through the card-plane coordinates every pixel
already has. Otherwise it is a flat crop facing the camera, as behind a card
held up. A flat-facing background under a steeply tilted card is a scene no
camera takes of a card on a table, and a detector could learn to find the one
foreshortened thing in the frame.

Backgrounds are mip pyramids: a receding table reads the level its footprint
needs (anti-aliased, as the card is), and a background behind a held card
reads a coarser level, out of focus as a phone's shallow depth of field leaves it.
"""

import math

import tensorflow as tf

from augment_tf import composite, fusion, homography, seeds, texture
from augment_tf.config import SceneConfig
from augment_tf.geometry import quad_area

# The table's far side may be at most 1 / this further away (in the inverse homography's
# depth term, which falls as 1 / depth) than the card's centre: closer to the horizon, its
# texels would shrink to nothing and the whole far side read one coarse mip level.
_MIN_DEPTH_RATIO = 0.25


def render_background(seed: tf.Tensor, backgrounds: tf.Tensor, card: dict[str, tf.Tensor], plane: composite.PlaneCoords,
                      x: tf.Tensor, y: tf.Tensor, size: int, texture_size: tuple[int, int],
                      config: SceneConfig) -> tuple[tf.Tensor, tf.Tensor]:
    """Samples each output pixel from its own crop of the background image.

    Args:
      seed: [2] int seed.
      backgrounds: [B, M] int32 background pyramids (`texture.background_atlas` at `size`).
      card: the labelled card's `homography` [B, 3, 3] (texels to output pixels)
        and `corners` [B, 4, 2], from `geometry.sample_card_geometry`.
      plane: the card plane's coordinates of every output pixel.
      x: [1, P] or [B, P] the scene x each output pixel shows (`composite.pixel_centres`,
        through `lens.scene_points` if the lens distorts).
      y: same shape, scene y.
      size: output side in pixels.
      texture_size: (width, height) of the card textures in texels.
      config: `background_zoom`, `table_p` and `depth_of_field`.

    Returns:
      ([B, P, 3] float32 RGB in 0..1; [B] bool, the card lies on this background).
    """
    bx, by, lod, on_table = background_coordinates(seed, card, plane, x, y, size, texture_size, config)
    return texture.sample_mirrored(backgrounds, texture.background_layout(size), bx, by, lod), on_table


def background_coordinates(seed: tf.Tensor, card: dict[str, tf.Tensor], plane: composite.PlaneCoords,
                           x: tf.Tensor, y: tf.Tensor, size: int, texture_size: tuple[int, int],
                           config: SceneConfig) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """Where each output pixel reads the background: a similarity of its card-plane
    coordinates (on a table) or of its own coordinates (facing the camera).

    Args:
      As for `render_background`; the background texture is size x size at level 0.

    Returns:
      (bx, by) [B, P] level-0 texel coordinates (pixel-edge convention, not yet
      mirrored into the texture); lod [B, P], the mip level of detail (the
      pixel's footprint on a table, plus defocus behind a held card); on_table [B] bool.
    """
    batch_size = tf.shape(card["corners"])[0]
    b = [batch_size]
    low, high = config.background_zoom
    zoom = tf.exp(seeds.uniform(seed, "zoom", b, math.log(low), math.log(high)))
    angle = seeds.uniform(seed, "angle", b, -math.pi, math.pi)
    flip = tf.where(seeds.bernoulli(seed, "flip", b, 0.5), -1.0, 1.0)
    centre = seeds.uniform(seed, "centre", [batch_size, 2]) * size
    per_pixel = 1.0 / zoom                                             # background texels per output pixel
    on_table = seeds.bernoulli(seed, "table", b, config.table_p) & _recedes_gently(card, size)
    card_width, card_height = texture_size
    card_per_pixel = tf.sqrt(card_width * card_height / quad_area(card["corners"]))  # card texels per pixel
    per_card_texel = per_pixel / card_per_pixel                        # background texels per card texel
    defocus = seeds.uniform(seed, "defocus", b, *config.depth_of_field)
    p = fusion.materialize_all({
        # Background texels per unit of what is mapped: card texels on a table, output pixels otherwise.
        "scale": tf.where(on_table, per_card_texel, per_pixel)[:, None],
        "origin": tf.where(on_table[:, None], [[card_width / 2, card_height / 2]], [[size / 2, size / 2]]),
        "table": tf.cast(on_table, tf.float32)[:, None],
        # On a table the footprint follows the card's (plane.lod); held, it is constant, plus defocus.
        "lod": tf.where(on_table, _log2(per_card_texel), _log2(per_pixel) + defocus)[:, None],
        "flip": flip[:, None], "cos": tf.cos(angle)[:, None], "sin": tf.sin(angle)[:, None],
        "centre": centre})                                              # [B, 1] or [B, 2] each
    table = p["table"] > 0.5                                            # [B, 1]
    dx = (tf.where(table, plane.u, x) - p["origin"][:, :1]) * p["flip"] * p["scale"]   # [B, P]
    dy = (tf.where(table, plane.v, y) - p["origin"][:, 1:]) * p["scale"]
    bx = p["centre"][:, :1] + p["cos"] * dx - p["sin"] * dy
    by = p["centre"][:, 1:] + p["sin"] * dx + p["cos"] * dy
    lod = tf.where(table, plane.lod, 0.0) + p["lod"]
    return bx, by, lod, on_table


def _log2(value: tf.Tensor) -> tf.Tensor:
    """log2, for mip levels of detail."""
    return tf.math.log(value) / math.log(2.0)


def _recedes_gently(card: dict[str, tf.Tensor], size: int) -> tf.Tensor:
    """[B] bool: the card's plane lies in front of the camera across the whole frame, and
    no frame corner is much further away than the card's centre.

    The inverse homography's third row gives w, proportional to 1 / depth on the
    plane and affine in pixel coordinates, so its values at the frame's corners
    bound it over the whole frame.
    """
    batch_size = tf.shape(card["corners"])[0]
    frame = tf.constant([[0.0, 0.0], [size, 0.0], [size, size], [0.0, size]])
    points = tf.concat([tf.reduce_mean(card["corners"], axis=1, keepdims=True),
                        tf.tile(frame[None], [batch_size, 1, 1])], axis=1)           # [B, 5, 2]: centre, frame
    depth_row = homography.invert(card["homography"])[:, 2]                           # [B, 3]
    w = tf.einsum("bnk,bk->bn", tf.concat([points, tf.ones_like(points[..., :1])], -1), depth_row)  # [B, 5]
    return tf.reduce_all(w[:, 1:] / w[:, :1] > _MIN_DEPTH_RATIO, axis=-1)


# Dark pairing (`SceneConfig.dark_pairing`): where a card's rim is read, and what counts as dark.
_RIM_INSET = 0.015              # of the card's width in from its edge: inside every printed border (3.4-6% wide)
_RIM_ALONG = (0.3, 0.5, 0.7)    # along each side, clear of the rounded corners
DARK_RIM = 0.2                  # rim luma below which a card counts as dark-rimmed (a black border's is ~0.06)
_LUMA = (0.299, 0.587, 0.114)   # Rec. 601 weights of R, G, B


def dark_pairing_gain(seed: tf.Tensor, cards: tf.Tensor, backgrounds: tf.Tensor, layout: texture.AtlasLayout,
                      size: int, config: SceneConfig) -> tf.Tensor:
    """How much each background is darkened, so that dark-rimmed cards lie on dark surfaces more often.

    A black border on dark cloth or wood is where corners slip, and backgrounds drawn
    at random pair the two too rarely. With probability `config.dark_pairing.p`, a
    sample whose labelled card has a dark rim (`rim_luminance` below DARK_RIM) gets the
    gain that brings its background's mean luma (`mean_luminance`) down to at most a
    target uniform in [low, high]; every other sample gets 1. The card is read from its
    texture, so a Scryfall scan's black border counts as a procedural one does. Per
    image it costs a few texel reads; the background is then scaled once per pixel.

    Args:
      seed: [2] int seed.
      cards: [B, N] int32 card atlases, row b the labelled card of sample b.
      backgrounds: [B, M] int32 background pyramids (`texture.background_atlas` at `size`).
      layout: the card atlases' layout.
      size: output side in pixels.
      config: `dark_pairing`.

    Returns:
      [B] float32 in (0, 1], to multiply the background by.
    """
    batch_size = tf.shape(cards)[0]
    effect = config.dark_pairing
    target = seeds.uniform(seed, "target", [batch_size], effect.low, effect.high)
    paired = seeds.bernoulli(seed, "apply", [batch_size], effect.p) & (rim_luminance(cards, layout) < DARK_RIM)
    gain = tf.minimum(1.0, target / tf.maximum(mean_luminance(backgrounds, size), 1e-3))
    return tf.where(paired, gain, 1.0)


def rim_luminance(cards: tf.Tensor, layout: texture.AtlasLayout) -> tf.Tensor:
    """[B] the mean luma of each card's `rim_texels` (premultiplied: a see-through texel reads black)."""
    rim = texture.unpack_rgba(tf.gather(cards, rim_texels(layout), axis=1))          # [B, 12, 4]
    return tf.reduce_mean(_luma(rim), axis=-1)


def rim_texels(layout: texture.AtlasLayout) -> list[int]:
    """Where a card atlas holds 12 level-0 texels on the card's rim: 3 along each side, `_RIM_INSET` in."""
    width, height = layout.width, layout.height
    inset = round(_RIM_INSET * width)
    points = []                                                                       # (column, row)
    for along in _RIM_ALONG:
        x, y = round(along * (width - 1)), round(along * (height - 1))
        points += [(inset, y), (width - 1 - inset, y), (x, inset), (x, height - 1 - inset)]
    return [(row + 1) * (width + 2) + column + 1 for column, row in points]          # level 0 has a one-texel ring


def mean_luminance(backgrounds: tf.Tensor, size: int) -> tf.Tensor:
    """[B] each background's mean luma, read from its coarsest mip level (the atlas's tail): a slice, no gather."""
    layout = texture.background_layout(size)
    coarsest = texture.unpack_rgba(backgrounds[:, round(layout.level_start(layout.levels - 1)):])  # [B, T, 4]
    return tf.reduce_sum(_luma(coarsest), axis=-1) / tf.maximum(tf.reduce_sum(coarsest[..., 3], axis=-1), 1.0)


def _luma(rgba: tf.Tensor) -> tf.Tensor:
    """[...] luma of [..., 4] RGBA in 0..1 (premultiplied: the ring around a mip level adds nothing)."""
    return rgba[..., 0] * _LUMA[0] + rgba[..., 1] * _LUMA[1] + rgba[..., 2] * _LUMA[2]
