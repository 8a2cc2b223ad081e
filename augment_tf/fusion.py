"""Control over XLA fusion where it would recompute expensive work.

XLA fuses a producer into each of its consumers. When a cheap consumer reads
an expensive producer many times, the producer is recomputed per read: a blur
reading its input at 9 offsets per axis recomputed the whole composited scene,
texture gathers included, 18 times, and per-image parameters (a hashed random
number, a corner from the homography) were recomputed inside every per-pixel
loop that read them. Without the barriers below a batch took 5x longer on CPU.
"""

import tensorflow as tf


def materialize(tensor: tf.Tensor) -> tf.Tensor:
    """Returns `tensor` unchanged, but computed once and stored, even under XLA.

    The tensor's first row is scattered back onto itself: XLA does not fuse a
    scatter's operand into it, so the producer is evaluated once.
    (`xla.optimization_barrier` does not stop fusion on the TF 2.19 CPU
    backend, and a product with the identity matrix costs 1.5x more; both
    measured.)

    Args:
      tensor: a tensor of rank >= 1 and any dtype.
    """
    if tensor.shape.num_elements() == 0:
        return tensor
    rows = tf.reshape(tensor, [-1, tensor.shape[-1]]) if tensor.shape.rank > 1 else tensor  # 1-D: 40% slower
    stored = tf.tensor_scatter_nd_update(rows, [[0]], rows[:1])
    return tf.reshape(stored, tf.shape(tensor))


def materialize_all(parameters: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """Materialises every tensor of a per-image parameter dict.

    The synthesis draws each layer's parameters ([B, ...] tensors) first, then
    renders pixels; this is the line between the two.
    """
    return {name: materialize(value) for name, value in parameters.items()}
