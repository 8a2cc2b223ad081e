"""`CardPeaks`: every card in the frame, decoded in the graph from the card head's maps.

The card head (`model.network.corner_model`, after CenterNet, "Objects as
Points", Zhou et al. 2019) predicts at stride 4:
- a card-centre heatmap: the probability that a whole card's centre (the mean of
  its corners) lies in the cell;
- at each cell, the 4 corners of that card as offsets from the cell's centre, in
  an order the network chooses (order-free, as the corner channels are);
- at each cell, a 4-way orientation: by how many places that order is turned
  against the face's TL, TR, BR, BL (`FaceOrder`'s convention).

Decoding needs no NMS op: a cell is a card where it is the maximum of its 3x3
neighbourhood; the `max_cards` highest such cells are the answers, their corners
read at the cell and put in face order. Answers scoring at least `threshold`
come first, nearest the frame's centre first (so card 0 is the primary card
whenever one is found); the rest follow by score. Like `QuadPeaks`, it uses
pooling, top-k and products with one-hots only (no batched gather: see `one_hot`),
so every TF.js backend runs it.
"""

import keras
import tensorflow as tf
from keras import ops

from model.layers.face_order import shift_matrices
from model.layers.one_hot import one_hot
from model.layers.soft_argmax import cell_grid

# A sort key above any distance from the centre in 0..1 units (at most 0.71): answers under the threshold go last.
_BELOW_THRESHOLD = 2.0


@keras.saving.register_keras_serializable(package="mtg_corners")
class CardPeaks(keras.layers.Layer):
    """Up to `max_cards` cards from the card head's centre, offset and orientation maps.

    Args:
      max_cards: K, the fixed number of answers (slots past the cards found score near 0).
        Defaults to 64: a laid-out deck of 40 is not cut short.
      threshold: the score at or above which an answer counts as a card; such
        answers come first, nearest the frame's centre first. Defaults to 0.3.
      **kwargs: standard layer arguments.

    Call arguments:
      centre_logits: [B, H, W, 1] card-centre logits.
      offsets: [B, H, W, 8] each cell's card corners (x, y) * 4 minus the cell's centre, in 0..1 of the input.
      orientation: [B, H, W, 4] logits; class k means face corner i is offset (i - k) % 4.

    Returns:
      (cards [B, K, 4, 2] float32 TL, TR, BR, BL in 0..1 of the input,
       scores [B, K] the centre probability, orientation_confidence [B, K] the
       probability of the turn taken).

    Example:
    >>> import numpy as np
    >>> centre = np.full((1, 8, 8, 1), -9.0, np.float32)
    >>> centre[0, 2, 5, 0] = 3.0                   # a card centred on cell (5.5, 2.5) of 8
    >>> offsets = np.zeros((1, 8, 8, 8), np.float32)
    >>> offsets[0, 2, 5] = np.array([-1, -1, 1, -1, 1, 1, -1, 1]) / 16
    >>> cards, scores, _ = CardPeaks(max_cards=2)(centre, offsets, np.zeros((1, 8, 8, 4), np.float32))
    >>> (np.asarray(cards)[0, 0] * 8).tolist(), [round(float(score), 2) for score in np.asarray(scores)[0]]
    ([[5.0, 2.0], [6.0, 2.0], [6.0, 3.0], [5.0, 3.0]], [0.95, 0.0])
    """

    def __init__(self, max_cards: int = 64, threshold: float = 0.3, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it
        if max_cards < 1 or not 0.0 < threshold < 1.0:
            raise ValueError(f"CardPeaks needs max_cards >= 1 and threshold in (0, 1). "
                             f"Received: max_cards={max_cards}, threshold={threshold}")
        self.max_cards, self.threshold = int(max_cards), float(threshold)

    def call(self, centre_logits, offsets, orientation):
        _, height, width, _ = centre_logits.shape
        heat = ops.sigmoid(ops.cast(centre_logits, "float32"))                          # [B, H, W, 1]
        peaks = ops.where(heat >= tf.nn.max_pool2d(heat, 3, 1, "SAME"), heat, 0.0)
        scores, cells = tf.math.top_k(ops.reshape(peaks, [-1, height * width]), self.max_cards)  # [B, K] each
        pick = one_hot(cells, height * width)                                           # [B, K, HW]
        xs, ys = cell_grid(height, width)
        centres = ops.matmul(pick, ops.stack([xs, ys], axis=-1))                        # [B, K, 2]
        corners = ops.matmul(pick, ops.reshape(ops.cast(offsets, "float32"), [-1, height * width, 8]))
        corners = ops.reshape(corners, [-1, self.max_cards, 4, 2]) + centres[:, :, None]   # [B, K, 4, 2] turned
        turn_probs = ops.matmul(pick, ops.softmax(
            ops.reshape(ops.cast(orientation, "float32"), [-1, height * width, 4]), axis=-1))  # [B, K, 4]
        # tf.argmax for TF.js (see `FaceOrder`).
        turn = one_hot(tf.argmax(turn_probs, axis=-1, output_type="int32"), 4)         # [B, K, 4]
        permutation = ops.reshape(ops.matmul(turn, ops.reshape(shift_matrices(), [4, 16])),
                                  [-1, self.max_cards, 4, 4])
        cards = ops.matmul(permutation, corners)                                        # [B, K, 4, 2] face order
        confidence = ops.max(turn_probs, axis=-1)                                       # [B, K]
        return self._nearest_first(cards, scores, confidence)

    def _nearest_first(self, cards, scores, confidence):
        """Reorders the answers: those scoring >= threshold by distance from the centre, then the rest by score."""
        offset = ops.mean(cards, axis=2) - 0.5                                         # [B, K, 2]
        distance = ops.sqrt(ops.sum(offset * offset, axis=-1))
        key = ops.where(scores >= self.threshold, distance, _BELOW_THRESHOLD - scores)  # [B, K]
        _, order = tf.math.top_k(-key, self.max_cards)
        sort = one_hot(order, self.max_cards)                                           # [B, K, K]
        flat = ops.reshape(cards, [-1, self.max_cards, 8])
        cards = ops.reshape(ops.matmul(sort, flat), [-1, self.max_cards, 4, 2])
        by_order = lambda values: ops.sum(sort * values[:, None, :], axis=-1)   # noqa: E731 - [B, K] reordered
        return cards, by_order(scores), by_order(confidence)

    def compute_output_shape(self, centre_logits_shape, offsets_shape, orientation_shape):
        batch = centre_logits_shape[0]
        return (batch, self.max_cards, 4, 2), (batch, self.max_cards), (batch, self.max_cards)

    def get_config(self):
        return {**super().get_config(), "max_cards": self.max_cards, "threshold": self.threshold}
