"""`FaceOrder`: puts order-free corners back into the card face's order.

The heatmap channels are trained order-free (`model.training.losses`): channel j holds
some corner, whichever the network finds easiest, so under full rotation no
channel has to average TL with BR. The orientation head says by how many places
the channels are turned against the face's TL, TR, BR, BL; this layer undoes
that turn with a permutation matrix (matmuls only, so TF.js runs it too).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from model.layers.one_hot import one_hot


def shift_matrices() -> np.ndarray:
    """[4, 4, 4] float32: matrix k maps channel order to face order turned by k (face[i] = channels[(i - k) % 4])."""
    matrices = np.zeros((4, 4, 4), np.float32)
    for k in range(4):
        for i in range(4):
            matrices[k, i, (i - k) % 4] = 1.0
    return matrices


@keras.saving.register_keras_serializable(package="mtg_corners")
class FaceOrder(keras.layers.Layer):
    """Reorders [B, 4, 2] channel-order corners by the most likely turn.

    Call arguments:
      coords: [B, 4, 2] corners in heatmap-channel order.
      orientation: [B, 4] logits; class k means face corner i is channel (i - k) % 4.

    Returns:
      [B, 4, 2] corners as TL, TR, BR, BL of the card's face.

    Example:
    >>> import numpy as np
    >>> coords = np.arange(8, dtype=np.float32).reshape(1, 4, 2)
    >>> FaceOrder()(coords, np.array([[0.0, 9.0, 0.0, 0.0]], np.float32)).numpy()[0, :, 0].tolist()
    [6.0, 0.0, 2.0, 4.0]
    """

    def __init__(self, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})     # float32 under mixed_float16 too: `call` answers it

    def call(self, coords, orientation):
        # tf.argmax, not ops.argmax: Keras's TF argmax orders -0.0 below 0.0 through a Bitcast, an op
        # TF.js cannot run; they differ only on a tie between -0.0 and 0.0 logits.
        index = tf.argmax(orientation, axis=-1, output_type="int32")                      # [B]
        turn = one_hot(index, 4)                                                           # [B, 4]
        matrices = ops.reshape(ops.convert_to_tensor(shift_matrices()), [4, 16])
        permutation = ops.reshape(ops.matmul(turn, matrices), [-1, 4, 4])            # [B, 4, 4]
        return ops.matmul(permutation, ops.cast(coords, "float32"))

    def compute_output_shape(self, coords_shape, orientation_shape):
        return coords_shape
