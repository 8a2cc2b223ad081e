"""Stateless randomness: every random draw is a pure function of a [2] int seed.

The same seed gives the same batch, which is what a fixed validation set
needs; training passes a new seed every step. Draws are named, so adding a
draw to one effect never changes the numbers another effect receives.

Numbers come from an integer hash of each element's index and a key derived
from (seed, name), not from `tf.random.stateless_*`: those give different
numbers under XLA than eagerly (even with the algorithm pinned), and per-pixel
Philox costs more than the whole warp on an XLA CPU. Integer ops are bit-exact
on every backend, so eager, graph and XLA batches are the same.
"""

import math
import zlib

import tensorflow as tf

from augment_tf import fusion


def _hash32(x: tf.Tensor) -> tf.Tensor:
    """A 32-bit integer mixing hash (Wellons' "lowbias32") on uint32 tensors."""
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16)) * tf.constant(0x7FEB352D, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 15)) * tf.constant(0x846CA68B, tf.uint32)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))


def _as_uint32(seed: tf.Tensor) -> tf.Tensor:
    return tf.cast(tf.cast(seed, tf.int64) & 0xFFFFFFFF, tf.uint32)


def child(seed: tf.Tensor, name: str) -> tf.Tensor:
    """Returns the [2] seed of the draw (or sub-effect) called `name` under `seed`."""
    words = _as_uint32(seed)
    salt = tf.constant(zlib.crc32(name.encode()), tf.uint32)
    first = _hash32(_hash32(words[0] ^ salt) ^ words[1])
    second = _hash32(first ^ tf.constant(0x9E3779B9, tf.uint32))
    return tf.bitcast(tf.stack([first, second]), tf.int32)


def _bits(seed: tf.Tensor, name: str, shape, per_pixel: bool = False) -> tf.Tensor:
    """uint32 random bits of `shape` (a list or a shape tensor): a hash of each element's index.

    `per_pixel` stores the draw's key first, so XLA hashes it once rather than
    once per pixel; small per-image draws skip that extra barrier (on a GPU each
    barrier is a kernel launch).
    """
    keys = _as_uint32(child(seed, name))
    keys = fusion.materialize(keys) if per_pixel else keys
    index = tf.cast(tf.reshape(tf.range(tf.reduce_prod(shape)), shape), tf.uint32)
    return _hash32(_hash32(index ^ keys[0]) + keys[1])


def uniform(seed: tf.Tensor, name: str, shape, low=0.0, high=1.0) -> tf.Tensor:
    """Float32 uniform in [low, high) (bounds may be tensors that broadcast).

    Meant for per-image parameters. Code that reads them per pixel packs them
    first with `fusion.materialize_all`, so XLA hashes each draw once, not
    once per pixel.
    """
    u = tf.cast(tf.bitwise.right_shift(_bits(seed, name, shape), 8), tf.float32) * (1.0 / 16777216.0)
    return low + (high - low) * u


def integers(seed: tf.Tensor, name: str, shape, low: int, high: int) -> tf.Tensor:
    """Int32 uniform in [low, high)."""
    return low + tf.cast(tf.floor(uniform(seed, name, shape) * (high - low)), tf.int32)


def normal(seed: tf.Tensor, name: str, shape) -> tf.Tensor:
    """Float32 standard normal (Box-Muller)."""
    u1 = uniform(seed, name + "/radius", shape)
    u2 = uniform(seed, name + "/angle", shape)
    return tf.sqrt(-2.0 * tf.math.log1p(-u1)) * tf.cos(2 * math.pi * u2)


def bernoulli(seed: tf.Tensor, name: str, shape, p) -> tf.Tensor:
    """Bool tensor, True with probability `p`."""
    return uniform(seed, name, shape) < p


def value_noise(t: tf.Tensor) -> tf.Tensor:
    """Smooth 1-D random noise in [0, 1): a hashed value at each whole `t`, blended between them.

    A fixed function of position, like Perlin's noise; randomise it per image by
    adding a random offset to `t`. Unlike summed sine waves it never repeats.

    Args:
      t: float32 positions in cells; keep |t| under about 2**16, so that the
        fraction within a cell keeps 8 bits.

    Returns:
      float32 of `t`'s shape.
    """
    cell = tf.floor(t)
    f = t - cell
    index = tf.cast(tf.cast(cell, tf.int32), tf.uint32)
    left, right = [tf.cast(tf.bitwise.right_shift(_hash32(i * tf.constant(0x9E3779B9, tf.uint32)), 8), tf.float32)
                   * (1.0 / 16777216.0) for i in (index, index + 1)]
    return left + (right - left) * (f * f * (3.0 - 2.0 * f))                    # smoothstep blend


def pixel_noise(seed: tf.Tensor, name: str, shape) -> tf.Tensor:
    """Cheap zero-mean, unit-variance noise with 4 channels per element of `shape`.

    Two hashed words per element give four 16-bit uniforms, scaled to unit
    variance: a quarter of the work of one Gaussian per channel, which matters
    because this runs for every pixel of every image.

    Returns:
      float32 [*shape, 4].
    """
    words = [_bits(seed, f"{name}/{part}", shape, per_pixel=True) for part in range(2)]
    halves = [half for word in words for half in (word & 0xFFFF, tf.bitwise.right_shift(word, 16))]
    uniform = tf.cast(tf.stack(halves, -1), tf.float32) * (1.0 / 65536.0)
    return (uniform - 0.5) * math.sqrt(12.0)
