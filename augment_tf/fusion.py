"""Control over XLA fusion where it would recompute expensive work.

XLA fuses a producer into each of its consumers. When a cheap consumer reads
an expensive producer many times, the producer is recomputed per read: a blur
reading its input at 9 offsets per axis recomputed the whole composited scene,
texture gathers included, 18 times; per-image parameters (a hashed random
number, a corner from the homography) were recomputed inside every per-pixel
loop that read them. Both made a batch several times slower on CPU.
`materialize` makes XLA compute and store a tensor once.
"""

import tensorflow as tf


def materialize(tensor: tf.Tensor) -> tf.Tensor:
    """Returns `tensor` unchanged, but computed once even under XLA.

    A product with the identity matrix over the last axis: XLA does not fuse
    the operands of a dot into it, so the producer is evaluated and stored
    once. (`xla.optimization_barrier` does not stop fusion on the TF 2.19 CPU
    backend; measured.) The product is exact for finite floats; ints and bools
    round-trip through float32 (exact below 2**24).

    Args:
      tensor: a tensor of rank >= 1.
    """
    dtype = tensor.dtype
    values = tf.cast(tensor, tf.float32)
    channels = tensor.shape[-1]
    flat = tf.reshape(values, [-1, channels])
    stored = tf.reshape(tf.linalg.matmul(flat, tf.eye(channels)), tf.shape(tensor))
    if dtype == tf.bool:
        return stored > 0.5
    return tf.cast(stored, dtype)


def materialize_all(parameters: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """Materialises every tensor of a per-image parameter dict (`materialize` each, rank-0 aside).

    The synthesis draws each layer's parameters ([B] or [B, k] tensors) first,
    then renders pixels; this is the line between the two.
    """
    return {name: materialize(value[..., None])[..., 0] for name, value in parameters.items()}
