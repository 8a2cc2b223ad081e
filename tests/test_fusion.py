"""The fusion barriers change how XLA schedules work, never the values."""

import numpy as np
import tensorflow as tf

from augment_tf import fusion


def _parameters(batch: int) -> dict[str, tf.Tensor]:
    rng = np.random.default_rng(0)
    return {"angle": tf.constant(rng.normal(size=[batch]), tf.float32),
            "homography": tf.constant(rng.normal(size=[batch, 3, 3]), tf.float32),
            "visible": tf.constant(rng.random([batch, 4]) < 0.5),
            "count": tf.constant(rng.integers(0, 9, [batch, 2]), tf.int32),
            "scale": tf.constant(rng.normal(size=[batch, 1]), tf.float32)}


def test_materialize_all_keeps_every_value_shape_and_dtype_eagerly_and_under_xla():
    parameters = _parameters(5)
    compiled = tf.function(fusion.materialize_all, jit_compile=True)
    for stored in (fusion.materialize_all(parameters), compiled(parameters)):
        assert list(stored) == list(parameters)
        for name, value in parameters.items():
            assert stored[name].dtype == value.dtype and stored[name].shape == value.shape, name
            np.testing.assert_array_equal(stored[name].numpy(), value.numpy(), err_msg=name)


def test_materialize_all_follows_a_batch_size_known_only_at_run_time():
    compiled = tf.function(fusion.materialize_all, jit_compile=True,
                           input_signature=[{name: tf.TensorSpec([None, *value.shape[1:]], value.dtype)
                                             for name, value in _parameters(1).items()}])
    for batch in (1, 3):
        parameters = _parameters(batch)
        stored = compiled(parameters)
        np.testing.assert_array_equal(stored["homography"].numpy(), parameters["homography"].numpy())


def test_materialize_keeps_values_of_images():
    image = tf.random.stateless_uniform([2, 8, 8, 3], [1, 2])
    np.testing.assert_array_equal(tf.function(fusion.materialize, jit_compile=True)(image).numpy(), image.numpy())
