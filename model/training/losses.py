"""Losses of the corner model: order-free DSNT corners, the orientation that restores face order, presence.

Corners (DSNT, Nibali et al. 2018): the Euclidean distance between each
channel's expected coordinate and its target, plus a Jensen-Shannon divergence
between the channel's probability map and a small Gaussian at that target,
which keeps the maps unimodal and peaked.

Order-free: which face corner a channel holds is not fixed. For each sample the
turn k (channel j holds face corner (j + k) % 4) with the smallest corner
distance is taken, and both terms use it. A card under full rotation then never
forces one channel to split between TL and BR, which would put its expectation
at the card's centre. The orientation head learns k as a 4-way class, and
`FaceOrder` undoes it at inference, so a wrong orientation swaps whole corners
and never blurs them.

The card mask (a training-only head): each stride-4 cell is classified as
inside or outside the answered card's quad. It teaches the decoder which pixels
belong to that card and not to a touching neighbour. Frames without a whole
card learn an empty mask.

Frames without a whole card (`present` False) train only the presence logit
and the mask.

The card head (`card_losses`) learns every whole card, after CenterNet:
- the centre map, by the penalty-reduced focal loss: the cell holding a whole
  card's centre is positive; other cells are negative, less so near a centre
  (a Gaussian of sigma `CENTRE_SIGMA` of the card's size). Cards that are in the
  frame but not whole (cut by the edge, mostly covered) are negatives: seeing
  them must not make a card;
- at each whole card's centre cell, its 4 corners, order-free as above (the
  turn with the smallest distance), and the orientation that restores the face.
"""

import tensorflow as tf

from model.layers.face_order import shift_matrices
from model.layers.soft_argmax import cell_centres

_EPS = 1e-8
# The centre target's Gaussian sigma, as a share of the card's size: `_centre_gaussians` measures it as the root of
# twice its area (the sum of its consecutive edges' cross products), about its diagonal.
CENTRE_SIGMA = 0.1
_MIN_SIGMA = 0.5          # in cells


def per_sample_losses(outputs: dict[str, tf.Tensor], corners: tf.Tensor, present: tf.Tensor, input_size: int,
                      heatmap_sigma: float = 1.0, js_weight: float = 1.0,
                      orientation_weight: float = 0.2, mask_weight: float = 1.0) -> dict[str, tf.Tensor]:
    """Computes every loss term per sample.

    Args:
      outputs: `corner_model.training_view` outputs: "coords" [B, 4, 2] in 0..1
        (channel order), "heatmaps" [B, h, w, 4], "orientation" [B, 4] logits,
        "presence" [B] logit, "mask" [B, h, w] logits.
      corners: [B, 4, 2] float32 target TL, TR, BR, BL in input pixels.
      present: [B] bool, the frame holds a whole card.
      input_size: S, the input side in pixels.
      heatmap_sigma: the Gaussian's sigma in heatmap cells.
      js_weight: weight of the heatmap regulariser.
      orientation_weight: weight of the orientation cross-entropy.
      mask_weight: weight of the card mask's mean cross-entropy.

    Returns:
      dict of [B] float32: "total", "coords" (mean corner distance, 0..1
      units), "heatmap" (JS divergence), "orientation", "presence", "mask",
      and "turn" (int32, the matched k).
    """
    target = tf.cast(corners, tf.float32) / input_size                                      # [B, 4, 2]
    coords = tf.cast(outputs["coords"], tf.float32)
    face_by_turn = tf.einsum("kij,bjc->bkic", shift_matrices(), coords)                      # [B, 4 turns, 4, 2]
    offset = face_by_turn - target[:, None]
    distance = tf.reduce_mean(tf.sqrt(tf.reduce_sum(offset * offset, -1) + _EPS), axis=-1)  # [B, 4 turns]
    turn = tf.argmin(tf.stop_gradient(distance), axis=-1, output_type=tf.int32)              # [B]
    coord_loss = tf.gather(distance, turn, batch_dims=1)
    channel_targets = tf.gather(target, (tf.range(4)[None] + turn[:, None]) % 4, batch_dims=1)  # [B, 4, 2]
    heatmap_loss = _js_to_gaussian(tf.cast(outputs["heatmaps"], tf.float32), channel_targets, heatmap_sigma)
    orientation_loss = tf.keras.losses.sparse_categorical_crossentropy(
        turn, tf.cast(outputs["orientation"], tf.float32), from_logits=True)
    presence_loss = tf.nn.sigmoid_cross_entropy_with_logits(
        tf.cast(present, tf.float32), tf.cast(outputs["presence"], tf.float32))
    mask_logits = tf.cast(outputs["mask"], tf.float32)                                       # [B, h, w]
    inside = quad_mask(target, present, mask_logits.shape[1], mask_logits.shape[2])
    mask_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(inside, mask_logits), axis=[1, 2])
    weight = tf.cast(present, tf.float32)
    # Distances in 0..1 of the input are doubled to DSNT's -1..1 units, where its weights were tuned.
    total = (weight * (2.0 * coord_loss + js_weight * heatmap_loss + orientation_weight * orientation_loss)
             + presence_loss + mask_weight * mask_loss)
    return {"total": total, "coords": coord_loss * weight, "heatmap": heatmap_loss * weight,
            "orientation": orientation_loss * weight, "presence": presence_loss, "mask": mask_loss, "turn": turn}


def quad_mask(corners: tf.Tensor, present: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """[B, h, w] float32: 1 where a cell centre lies inside the convex quad, 0 elsewhere and where absent.

    Args:
      corners: [B, 4, 2] the quad's corners in 0..1, in order around it (either way round).
      present: [B] bool; frames without a card get an empty mask.
      height, width: the mask's cells.
    """
    xs, ys = cell_centres(height, width)
    start, end = corners, tf.roll(corners, -1, axis=1)                                       # [B, 4, 2] each edge
    edge = end - start
    dx = xs[None, None, :, None] - start[:, None, None, :, 0]                                # [B, 1, w, 4]
    dy = ys[None, :, None, None] - start[:, None, None, :, 1]                                # [B, h, 1, 4]
    cross = edge[:, None, None, :, 0] * dy - edge[:, None, None, :, 1] * dx                  # [B, h, w, 4]
    inside = tf.reduce_all(cross >= 0, axis=-1) | tf.reduce_all(cross <= 0, axis=-1)         # [B, h, w]
    return tf.cast(inside, tf.float32) * tf.cast(present, tf.float32)[:, None, None]


def _js_to_gaussian(probs: tf.Tensor, targets: tf.Tensor, sigma: float) -> tf.Tensor:
    """[B] mean over channels of the Jensen-Shannon divergence between each map and a Gaussian at its target.

    Args:
      probs: [B, h, w, 4] probability maps.
      targets: [B, 4, 2] each channel's target (x, y) in 0..1.
      sigma: the Gaussian's sigma in cells.
    """
    height, width = probs.shape[1], probs.shape[2]
    xs, ys = cell_centres(height, width)
    dx = (xs[None, None, :, None] - targets[:, None, None, :, 0]) * width                     # [B, 1, w, 4] cells
    dy = (ys[None, :, None, None] - targets[:, None, None, :, 1]) * height                    # [B, h, 1, 4]
    gauss = tf.exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma))                             # [B, h, w, 4]
    gauss = gauss / (tf.reduce_sum(gauss, axis=[1, 2], keepdims=True) + _EPS)
    mean = 0.5 * (probs + gauss)
    kl = lambda p: tf.reduce_sum(p * (tf.math.log(p + _EPS) - tf.math.log(mean + _EPS)), axis=[1, 2])  # noqa: E731
    return tf.reduce_mean(0.5 * (kl(probs) + kl(gauss)), axis=-1)



def card_losses(outputs: dict[str, tf.Tensor], cards: tf.Tensor, whole: tf.Tensor, input_size: int,
                corner_weight: float = 0.1, orientation_weight: float = 0.2) -> dict[str, tf.Tensor]:
    """The card head's loss terms per sample (see the module's docstring).

    Args:
      outputs: `corner_model.training_view` outputs: "card_centre" [B, h, w] logits,
        "card_offsets" [B, h, w, 8] corners less the cell's centre (0..1 units),
        "card_orientation" [B, h, w, 4] logits.
      cards: [B, K, 4, 2] every card's TL, TR, BR, BL in input pixels (the synthesis's `cards`).
      whole: [B, K] bool, which are whole cards (the answers).
      input_size: S, the input side in pixels.
      corner_weight: weight of the corner distance, which is in heatmap cells.
      orientation_weight: weight of the orientation cross-entropy.

    Returns:
      dict of [B] float32: "cards_total", "card_centre" (focal loss over the
      whole cards), "card_corners" (mean corner distance in cells),
      "card_orientation".
    """
    logits = tf.cast(outputs["card_centre"], tf.float32)                                     # [B, h, w]
    height, width = logits.shape[1], logits.shape[2]
    target = tf.cast(cards, tf.float32) / input_size                                         # [B, K, 4, 2]
    weight = tf.cast(whole, tf.float32)                                                      # [B, K]
    count = tf.maximum(tf.reduce_sum(weight, axis=-1), 1.0)                                  # [B]
    centre = tf.reduce_mean(target, axis=2)                                                  # [B, K, 2]
    cell = tf.cast(tf.clip_by_value(tf.floor(centre * [width, height]), 0.0, [width - 1.0, height - 1.0]), tf.int32)
    index = cell[..., 1] * width + cell[..., 0]                                              # [B, K]
    pick = tf.one_hot(index, height * width) * weight[..., None]                             # [B, K, hw]
    positive = tf.reshape(tf.reduce_max(pick, axis=1), [-1, height, width])                  # [B, h, w]
    near = _centre_gaussians(target, centre, weight, height, width)                          # [B, h, w]
    centre_loss = tf.reduce_sum(_focal(logits, positive, near), axis=[1, 2]) / count

    xs, ys = cell_centres(height, width)
    grid = tf.reshape(tf.stack(tf.meshgrid(xs, ys), -1), [height * width, 2])                # [hw, 2]
    offsets = tf.reshape(tf.cast(outputs["card_offsets"], tf.float32), [-1, height * width, 4, 2])
    at_centre = tf.einsum("bkn,bnic->bkic", pick, offsets) + tf.einsum("bkn,nc->bkc", pick, grid)[:, :, None]
    face_by_turn = tf.einsum("tij,bkjc->bktic", shift_matrices(), at_centre)                # [B, K, 4 turns, 4, 2]
    offset = (face_by_turn - target[:, :, None]) * [width, height]                           # in cells
    distance = tf.reduce_mean(tf.sqrt(tf.reduce_sum(offset * offset, -1) + _EPS), axis=-1)  # [B, K, 4 turns]
    turn = tf.argmin(tf.stop_gradient(distance), axis=-1, output_type=tf.int32)              # [B, K]
    corner_loss = tf.reduce_sum(tf.reduce_min(distance, axis=-1) * weight, axis=-1) / count
    orientation = tf.einsum("bkn,bnt->bkt", pick, tf.reshape(tf.cast(outputs["card_orientation"], tf.float32),
                                                              [-1, height * width, 4]))
    orientation_loss = tf.reduce_sum(tf.keras.losses.sparse_categorical_crossentropy(
        turn, orientation, from_logits=True) * weight, axis=-1) / count
    total = centre_loss + corner_weight * corner_loss + orientation_weight * orientation_loss
    return {"cards_total": total, "card_centre": centre_loss, "card_corners": corner_loss,
            "card_orientation": orientation_loss}


def _centre_gaussians(target: tf.Tensor, centre: tf.Tensor, weight: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """[B, h, w]: the highest of the whole cards' Gaussians around their centres (sigma from each card's size)."""
    edges = tf.roll(target, -1, axis=2) - target                                             # [B, K, 4, 2]
    cross = edges[..., 0] * tf.roll(edges[..., 1], -1, axis=2) - edges[..., 1] * tf.roll(edges[..., 0], -1, axis=2)
    area = tf.abs(tf.reduce_sum(cross, axis=-1)) / 2.0                                      # [B, K] of the unit square
    sigma = tf.maximum(CENTRE_SIGMA * tf.sqrt(area * height * width), _MIN_SIGMA)            # [B, K] cells
    xs, ys = cell_centres(height, width)
    dx = (xs[None, None, None, :] - centre[..., 0, None, None]) * width                      # [B, K, 1, w]
    dy = (ys[None, None, :, None] - centre[..., 1, None, None]) * height                     # [B, K, h, 1]
    gauss = tf.exp(-(dx * dx + dy * dy) / (2.0 * sigma[..., None, None] ** 2))               # [B, K, h, w]
    return tf.reduce_max(gauss * weight[..., None, None], axis=1)


def _focal(logits: tf.Tensor, positive: tf.Tensor, near: tf.Tensor, alpha: float = 2.0, beta: float = 4.0):
    """CenterNet's penalty-reduced focal loss per cell: positives pull up, negatives near a centre push less."""
    log_p, log_not_p = tf.math.log_sigmoid(logits), tf.math.log_sigmoid(-logits)
    p = tf.sigmoid(logits)
    positive_loss = -((1.0 - p) ** alpha) * log_p
    negative_loss = -((1.0 - near) ** beta) * (p ** alpha) * log_not_p
    return tf.where(positive > 0, positive_loss, negative_loss)
