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
