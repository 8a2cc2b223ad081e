"""Stand-ins for `sin` and `pow` in per-pixel work, a few multiplies each.

XLA's CPU backend calls a scalar library function per element for `sin` and
`pow` (`fusion` lists what it runs slowly); these vectorise.
"""

import tensorflow as tf


def wave(turns: tf.Tensor) -> tf.Tensor:
    """A sine-like wave of period 1 in `turns` (within 6% of sin(2 pi turns)), from multiplies only.

    A parabola pair: a wavy shadow edge or a foil's hue bands need no exact sine.
    """
    r = turns - tf.floor(turns + 0.5)                                          # in [-0.5, 0.5)
    return 8.0 * r * (1.0 - 2.0 * tf.abs(r))


def power(base: tf.Tensor, exponent: tf.Tensor) -> tf.Tensor:
    """base ** exponent for base >= 0, as exp(exponent * log(base)), which vectorises."""
    return tf.exp(exponent * tf.math.log(tf.maximum(base, 1e-12)))


def half_power(level):
    """Exactly 0.5 ** level for whole-number `level` (a float tensor or a Python number).

    Built from the float's exponent bits: the texture sampler needs it for
    every pixel of every texture read.
    """
    if not isinstance(level, tf.Tensor):
        return 0.5 ** level
    exponent = tf.bitwise.left_shift(127 - tf.cast(level, tf.int32), 23)      # IEEE-754 float32 of 2**-level
    return tf.bitcast(exponent, tf.float32)
