"""Position noise from `augment_tf.seeds`: smooth, uniform, and never periodic."""

import numpy as np
import tensorflow as tf

from augment_tf import seeds


def test_value_noise_is_smooth_bounded_and_does_not_repeat():
    t = np.arange(0, 2000, 0.05, dtype=np.float32)
    v = seeds.value_noise(tf.constant(t)).numpy()
    assert v.min() >= 0 and v.max() < 1
    assert np.abs(np.diff(v)).max() < 0.08                      # no jumps: blended within each cell
    cells = v[::20]                                             # the hashed value at each whole t
    assert abs(cells.mean() - 0.5) < 0.03 and 0.25 < cells.std() < 0.33      # uniform: std 0.289
    lagged = [np.corrcoef(cells[:-k], cells[k:])[0, 1] for k in range(1, 200)]
    assert np.abs(lagged).max() < 0.1                           # no lag repeats it, as a wave would
