"""Random camera geometry: where the labelled card lands in the frame, as a homography.

The card is a 63 x 88 plane rotated in-plane, tilted out of plane, and seen
through a pinhole camera of random focal length; its projection is sheared a
little, scaled to the sampled size and placed in the frame. The homography from
card-texture pixels to output pixels is solved from the 4 corners, and the
corner labels are that homography applied to the texture corners.

The frame may be letterboxed (`GeometryConfig.letterbox_p`): then the photo's
content is a centred box (`content_box`), the card is placed inside it, and
the synthesis blacks out the bars around it.
"""

import math

import tensorflow as tf

from augment_tf import homography, seeds
from augment_tf.config import GeometryConfig
from augment_tf.letterbox import Letterbox
from mtg_tfds.card_shape import CARD_HEIGHT_MM, CARD_WIDTH_MM

_CARD_ASPECT = CARD_WIDTH_MM / CARD_HEIGHT_MM
# Photo aspects (width, height) a letterboxed frame shows: phone photos, portrait and landscape.
ASPECTS = ((3, 4), (4, 3), (9, 16), (16, 9), (2, 3), (3, 2))
_CENTRE_JITTER = 0.1   # a centred card's bounding-box centre lies within +-this frame side of the frame's centre
_CENTRE_SCALE = 0.4    # and its scale is drawn from this lower share of `GeometryConfig.scale`
_SMALL_JITTER = 0.15   # a small card's centre lies within +-this share of its extent of the frame's centre
# Cards that may touch the content box's edge (shrunk to fit it, or clipped near the centre) keep this frame
# side inside it, so the corners re-solved through the homography stay inside despite float rounding.
_EDGE = 1e-3


def texture_corners(width: int, height: int, batch_size: int) -> tf.Tensor:
    """Returns [B, 4, 2] corners (TL, TR, BR, BL) of a width x height texture."""
    corners = tf.constant([[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]], tf.float32)
    return tf.tile(corners[None], [batch_size, 1, 1])


def quad_area(quad: tf.Tensor) -> tf.Tensor:
    """[B] shoelace areas of [B, 4, 2] quads."""
    x, y = quad[..., 0], quad[..., 1]
    return 0.5 * tf.abs(tf.reduce_sum(x * tf.roll(y, -1, 1) - tf.roll(x, -1, 1) * y, axis=-1))


def tilt_matrix(axis_angle: tf.Tensor, tilt: tf.Tensor) -> tf.Tensor:
    """Rodrigues rotation [B, 3, 3] by `tilt` about the in-plane axis at `axis_angle`."""
    kx, ky = tf.cos(axis_angle), tf.sin(axis_angle)
    cos, sin = tf.cos(tilt), tf.sin(tilt)
    one_c = 1.0 - cos
    return tf.stack([
        tf.stack([cos + kx * kx * one_c, kx * ky * one_c, ky * sin], -1),
        tf.stack([kx * ky * one_c, cos + ky * ky * one_c, -kx * sin], -1),
        tf.stack([-ky * sin, kx * sin, cos], -1)], axis=1)


def _projected_quad(seed: tf.Tensor, scale: tf.Tensor, config: GeometryConfig) -> tf.Tensor:
    """Projects the rotated, tilted card through a pinhole camera.

    The camera stands at the distance where a card of height 1 spans `scale` of
    a frame of side 1, so perspective is as strong as that framing implies.

    Returns:
      [B, 4, 2] corners in frame sides, before placement.
    """
    batch_size = tf.shape(scale)[0]
    b = [batch_size]
    half = tf.constant([[-_CARD_ASPECT / 2, -0.5], [_CARD_ASPECT / 2, -0.5],
                        [_CARD_ASPECT / 2, 0.5], [-_CARD_ASPECT / 2, 0.5]], tf.float32)
    spin = seeds.uniform(seed, "rotation", b, -1.0, 1.0) * math.radians(config.max_rotation_deg)
    flat = homography.apply_homography(homography.rotation(spin), tf.tile(half[None], [batch_size, 1, 1]))
    tilt = seeds.uniform(seed, "tilt", b, 0.0, _radians(config.max_tilt_deg))
    axis = seeds.uniform(seed, "tilt_axis", b, 0.0, 2 * math.pi)
    points = tf.concat([flat, tf.zeros_like(flat[..., :1])], -1)                  # [B, 4, 3]
    points = tf.linalg.matmul(points, tilt_matrix(axis, tilt), transpose_b=True)
    focal = seeds.uniform(seed, "focal", b, *config.focal)
    distance = focal / scale
    depth = distance[:, None] + points[..., 2]                 # > 0: the card is in front of the camera
    return focal[:, None, None] * points[..., :2] / depth[..., None]


def _radians(degrees):
    """`math.radians` of a number, as the recipe has always given it, or of a tensor (a curriculum's, in the graph)."""
    return math.radians(degrees) if isinstance(degrees, (int, float)) else degrees * (math.pi / 180.0)


def _shear(seed: tf.Tensor, quad: tf.Tensor, max_shear: float) -> tf.Tensor:
    shear = seeds.uniform(seed, "shear", [tf.shape(quad)[0], 2], -max_shear, max_shear)
    x, y = quad[..., 0], quad[..., 1]
    return tf.stack([x + shear[:, :1] * y, y + shear[:, 1:] * x], -1)


def _place(seed: tf.Tensor, quad: tf.Tensor, scale: tf.Tensor, size: int, box: tf.Tensor,
           centred: tf.Tensor | None, config: GeometryConfig, jitter: tf.Tensor | None = None) -> tf.Tensor:
    """Scales the quad so its larger extent is `scale` of the frame, and moves it to a random spot.

    Args:
      seed: [2] int seed.
      quad: [B, 4, 2] corners in frame sides (`_projected_quad`).
      scale: [B] the larger extent, in frame sides.
      size: output side in pixels.
      box: [B, 4] content box (x0, y0, x1, y1) the corners must lie in (with
        letterboxing or centring, `_EDGE` inside it); a card larger than the
        box shrinks to fit it.
      centred: [B] bool, place near the frame's centre; None where nobody is.
      config: `allow_outside`.
      jitter: [B] how far a centred card's centre may lie from the frame's, in frame sides; None: `_CENTRE_JITTER`.

    Returns:
      [B, 4, 2] corners in output pixels.
    """
    batch_size = tf.shape(quad)[0]
    low, high = tf.reduce_min(quad, axis=1), tf.reduce_max(quad, axis=1)       # [B, 2]
    extent = tf.reduce_max(high - low, axis=-1)                               # [B]
    quad = (quad - low[:, None]) * (scale * size / extent)[:, None, None]           # bbox now at the origin
    span = tf.reduce_max(quad, axis=1)                                        # [B, 2]
    if config.letterbox_p or centred is not None:
        box = box + tf.constant([1.0, 1.0, -1.0, -1.0]) * _EDGE * size
    room = box[:, 2:] - box[:, :2]                                            # [B, 2]
    if config.letterbox_p:
        fit = tf.minimum(1.0, tf.reduce_min(room / span, axis=-1))            # [B]: a narrow box shrinks the card
        quad, span = quad * fit[:, None, None], span * fit[:, None]
    u = seeds.uniform(seed, "position", [batch_size, 2])
    if config.allow_outside:
        offset = box[:, :2] + u * room - span / 2                             # centre anywhere in the box
    else:
        offset = box[:, :2] + u * (room - span)                               # all corners inside
    if centred is not None:
        near = _near_centre(seed, span, size, box, config.allow_outside, _CENTRE_JITTER if jitter is None else jitter)
        offset = tf.where(centred[:, None], near, offset)
    return quad + offset[:, None]


def _near_centre(seed: tf.Tensor, span: tf.Tensor, size: int, box: tf.Tensor, allow_outside: bool,
                 jitter: float | tf.Tensor) -> tf.Tensor:
    """[B, 2] offsets that put bounding boxes of [B, 2] `span` within `jitter` (frame sides, or [B] of them)
    of the frame's centre, kept inside the [B, 4] box unless corners may leave it."""
    most = tf.reshape(jitter, [-1, 1])                                            # [B, 1] or [1, 1]
    jitter = seeds.uniform(seed, "centre_jitter", tf.shape(span), -most, most)
    offset = (0.5 + jitter) * size - span / 2
    return offset if allow_outside else tf.clip_by_value(offset, box[:, :2], box[:, 2:] - span)


def content_boxes(size: int) -> list[list[float]]:
    """[x0, y0, x1, y1] of each of `ASPECTS` letterboxed into a size x size frame, exactly as the
    predictor letterboxes a photo (`letterbox.Letterbox`), so the bars cover the same whole pixels."""
    return [[float(edge) for edge in Letterbox(width, height, size).content_box] for width, height in ASPECTS]


def sample_content_box(seed: tf.Tensor, batch_size, size: int, letterbox_p: float) -> tf.Tensor:
    """[B, 4] float32 (x0, y0, x1, y1) of the photo's content in the frame: the whole
    frame, or with probability `letterbox_p` a centred box of a random `ASPECTS` aspect."""
    frame = tf.tile(tf.constant([[0.0, 0.0, size, size]], tf.float32), [batch_size, 1])
    if not letterbox_p:
        return frame
    b = [batch_size]
    boxed = seeds.bernoulli(seed, "letterbox", b, letterbox_p)
    aspect = seeds.integers(seed, "aspect", b, 0, len(ASPECTS))
    return tf.where(boxed[:, None], tf.gather(tf.constant(content_boxes(size), tf.float32), aspect), frame)


def sample_card_geometry(seed: tf.Tensor, batch_size: int, size: int, texture_size: tuple[int, int],
                         config: GeometryConfig,
                         small: tuple[tf.Tensor, tuple[float, float]] | None = None) -> dict[str, tf.Tensor]:
    """Samples where the labelled card lands in each output image.

    Args:
      seed: [2] int seed.
      batch_size: B.
      size: the output is size x size pixels.
      texture_size: (width, height) of the card texture the homography maps from.
      config: the geometry ranges.
      small: ([B] bool, (low, high)): the images whose card is small, its scale uniform in low..high, and
        centred: its bounding box's centre within `_SMALL_JITTER` of its own extent of the frame's centre
        (a deck laid out around it, `scene.spreads`); None where no image has one.

    Returns:
      dict with `homography` [B, 3, 3] (texture pixels -> output pixels),
      `corners` [B, 4, 2] (TL, TR, BR, BL of the printed card in output
      pixels), `visible` [B, 4] bool (corner inside the frame) and
      `content_box` [B, 4] (x0, y0, x1, y1: the photo's content, the rest are
      letterbox bars; `visible` of `synthesize` counts the bars as outside).
    """
    b = [batch_size]
    box = sample_content_box(seed, batch_size, size, config.letterbox_p)            # [B, 4]
    scale = seeds.uniform(seed, "scale", b, *config.scale)
    centred = None
    if config.centre_p:
        centred = seeds.bernoulli(seed, "centred", b, config.centre_p)
        low, high = config.scale
        scale = tf.where(centred, seeds.uniform(seed, "centre_scale", b, low, low + _CENTRE_SCALE * (high - low)),
                         scale)
    jitter = None
    if small is not None:
        flags, (low, high) = small
        scale = tf.where(flags, seeds.uniform(seed, "small_scale", b, low, high), scale)
        centred = flags if centred is None else centred | flags
        jitter = tf.where(flags, _SMALL_JITTER * scale, _CENTRE_JITTER)                # [B] frame sides
    quad = _shear(seed, _projected_quad(seed, scale, config), config.max_shear)
    quad = _place(seed, quad, scale, size, box, centred, config, jitter)
    src = texture_corners(*texture_size, batch_size)
    h = homography.homography_from_points(src, quad)
    corners = homography.apply_homography(h, src)
    return {"homography": h, "corners": corners, "visible": inside_frame(corners, size), "content_box": box}


def inside_frame(points: tf.Tensor, size: int) -> tf.Tensor:
    """[B, N] bool: which of the [B, N, 2] points lie inside the size x size frame."""
    return tf.reduce_all((points >= 0.0) & (points <= float(size)), axis=-1)


def inside_box(points: tf.Tensor, box: tf.Tensor) -> tf.Tensor:
    """[B, N] bool: which of the [B, N, 2] points lie inside each image's [B, 4] box (x0, y0, x1, y1)."""
    return tf.reduce_all((points >= box[:, None, :2]) & (points <= box[:, None, 2:]), axis=-1)


def content_mask(box: tf.Tensor, size: int) -> tf.Tensor:
    """[B, size, size, 1] bool: the pixels whose centres lie inside each image's [B, 4] content box."""
    centres = tf.range(size, dtype=tf.float32) + 0.5                              # [S]
    in_x = (centres >= box[:, 0:1]) & (centres < box[:, 2:3])                     # [B, S]
    in_y = (centres >= box[:, 1:2]) & (centres < box[:, 3:4])
    return (in_y[:, :, None] & in_x[:, None, :])[..., None]


def image_order(corners: tf.Tensor) -> tf.Tensor:
    """Reorders corners clockwise on screen, starting from the top-left-most (smallest x + y).

    The printed order (TL, TR, BR, BL of the card) turns with the card; image
    order does not, which is what a detector that ignores the card's
    orientation wants.

    Args:
      corners: [B, 4, 2].

    Returns:
      [B, 4, 2] the same points in image order.
    """
    centre = tf.reduce_mean(corners, axis=1, keepdims=True)
    angle = tf.atan2(corners[..., 1] - centre[..., 1], corners[..., 0] - centre[..., 0])  # [B, 4]
    # y points down, so the angle grows clockwise.
    clockwise = tf.gather(corners, tf.argsort(angle, axis=-1), batch_dims=1)
    first = tf.argmin(tf.reduce_sum(clockwise, -1), axis=-1, output_type=tf.int32)        # [B]
    order = (first[:, None] + tf.range(4)[None]) % 4
    return tf.gather(clockwise, order, batch_dims=1)
