"""The multiply-only stand-ins for sin and pow follow the exact functions."""

import numpy as np
import tensorflow as tf

from augment_tf import fast_math


def test_power_follows_pow():
    base = tf.constant([0.0, 1e-4, 0.2, 0.5, 1.0])
    np.testing.assert_allclose(fast_math.power(base, 1.4).numpy(), base.numpy() ** 1.4, atol=1e-5)


def test_wave_is_within_6_percent_of_sine():
    turns = np.linspace(-3.0, 3.0, 1001, dtype=np.float32)
    np.testing.assert_allclose(fast_math.wave(tf.constant(turns)).numpy(), np.sin(2 * np.pi * turns), atol=0.06)


def test_half_power_is_exact_for_tensors_and_numbers():
    levels = tf.constant([0.0, 1.0, 2.0, 4.0, 9.0])
    np.testing.assert_array_equal(fast_math.half_power(levels).numpy(), 0.5 ** levels.numpy())
    assert fast_math.half_power(3) == 0.125
