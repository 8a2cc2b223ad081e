"""Control over XLA fusion where it would recompute expensive work, and what XLA's CPU backend runs slowly.

XLA fuses a producer into each of its consumers. When a cheap consumer reads
an expensive producer many times, the producer is recomputed per read: a blur
reading its input at 9 offsets per axis recomputed the whole composited scene,
texture gathers included, 18 times, and per-image parameters (a hashed random
number, a corner from the homography) were recomputed inside every per-pixel
loop that read them. Without the barriers below a batch took 5x longer on CPU.

XLA's CPU backend (TF 2.19) also runs a few ops far slower than their
arithmetic, and the synthesis works around them; the comments there point here:
- `sin` and `pow` are a scalar library call per element, 10x a multiply.
  `fast_math` has multiply-only stand-ins; exp and log are vectorised
  polynomials, so exp(g log x) is 4x faster than `pow`.
- floormod is a slow loop; `texture` folds coordinates with `floor` instead.
- A concatenation along a short last axis (RGB and alpha, 3 colour channels)
  is a scalar loop with a branch per element, and XLA fuses the producers
  into it, so a whole layer's arithmetic ran in that loop. Colours are
  broadcast against channel masks instead (`composite.tint`,
  `photometric.vignette`), and per-channel work is kept in [B, S, S] planes,
  so loops vectorise along rows rather than across 3 channels
  (`photometric.colour`).
"""

import tensorflow as tf
from tensorflow.compiler.tf2xla.python import xla


def materialize(tensor: tf.Tensor) -> tf.Tensor:
    """Returns `tensor` unchanged, but computed once and stored, even under XLA.

    Two barriers, one per XLA backend:
    - the tensor's first row is scattered back onto itself: XLA's CPU backend
      does not fuse a scatter's operand into it, so the producer is evaluated
      once. (`optimization_barrier` alone does not stop fusion on the TF 2.19
      CPU backend; a product with the identity matrix costs 1.5x more.)
    - XLA's GPU backend turns that scatter into a dynamic-update-slice of a
      slice of itself and simplifies it away; there `optimization_barrier`
      holds. Without it a GPU batch took 2x longer (measured on an H100).

    Args:
      tensor: a tensor of rank >= 1 and any dtype.
    """
    if tensor.shape.num_elements() == 0:
        return tensor
    rows = tf.reshape(tensor, [-1, tensor.shape[-1]]) if tensor.shape.rank > 1 else tensor  # 1-D: 40% slower
    stored = tf.tensor_scatter_nd_update(rows, [[0]], rows[:1])
    return tf.reshape(xla.optimization_barrier(stored)[0], tf.shape(tensor))


def materialize_all(parameters: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """Materialises every [B, ...] tensor of a dict, packed into one tensor per dtype.

    The synthesis draws each layer's parameters ([B, ...] tensors) first, then
    renders pixels; this is the line between the two. Packing means one
    barrier per dtype, not one per tensor: on a GPU each barrier costs kernel
    launches, which dominated a batch of small per-image tensors.
    """
    names_by_dtype = {}
    for name, value in parameters.items():
        names_by_dtype.setdefault(value.dtype, []).append(name)
    stored = {}
    for names in names_by_dtype.values():
        values = [parameters[name] for name in names]
        widths = [value.shape[1:].num_elements() for value in values]
        flat = [tf.reshape(value, [-1, width]) for value, width in zip(values, widths)]  # [B, k_i]
        packed = materialize(tf.concat(flat, axis=1))                                  # [B, sum k_i]
        parts = tf.split(packed, widths, axis=1)
        stored.update({name: tf.reshape(part, tf.shape(value)) for name, part, value in zip(names, parts, values)})
    return {name: stored[name] for name in parameters}
