"""`run_layer_test`: the checks every custom Keras layer gets, after keras-hub's `TestCase.run_layer_test`."""

import pathlib
import tempfile

import keras
import numpy as np


def run_layer_test(layer_cls, init_kwargs: dict, input_data, expected_output_shape, expected_output_dtype="float32",
                   expected_mixed_dtype="float16", expected_num_trainable_weights: int = 0,
                   mixed_tolerance: float = 1e-2):
    """Builds `layer_cls(**init_kwargs)` and checks its anatomy.

    1. An eager call gives `expected_output_shape` in `expected_output_dtype` and
       makes `expected_num_trainable_weights` trainable weights.
    2. `get_config` holds the constructor arguments, and `from_config` rebuilds a
       layer with the same config that, given the same weights, answers the same.
    3. `compute_output_shape` (where the layer defines it) and a symbolic call on
       `keras.Input`s give the eager call's shapes (and the symbolic call its dtypes).
    4. A tiny functional model around the layer saves to `.keras` and loads
       (by the layer's registered name) to the same outputs.
    5. Under the mixed_float16 policy (restored after) the layer runs, keeps float32
       variables, answers in `expected_mixed_dtype`, its symbolic call promises
       that dtype, and its outputs stay within `mixed_tolerance` of float32's with
       the same weights (relative, and absolute on the outputs' scale).

    Weights are set to random values before the round trips, so a weight that
    does not travel (or one initialised to zeros, as `GlobalAttention`'s output
    projection) cannot go unnoticed.

    Args:
      layer_cls: the layer class.
      init_kwargs: constructor arguments (other than `name` and `dtype`).
      input_data: one array, or a tuple of arrays passed as positional call arguments.
      expected_output_shape: the output's shape, or a tuple of shapes for a layer with several outputs.
      expected_output_dtype: every output's dtype under the float32 policy. Defaults to "float32".
      expected_mixed_dtype: every output's dtype under mixed_float16. Defaults to "float16".
      expected_num_trainable_weights: Defaults to 0.
      mixed_tolerance: rtol and atol between mixed_float16 and float32 outputs. Defaults to 1e-2.
    """
    inputs = input_data if isinstance(input_data, tuple) else (input_data,)
    several = isinstance(expected_output_shape[0], tuple)
    expected_shapes = list(expected_output_shape) if several else [expected_output_shape]
    rng = np.random.default_rng(0)

    layer = layer_cls(**init_kwargs)
    _outputs(layer(*inputs))                                                    # builds the weights
    assert len(layer.trainable_weights) == expected_num_trainable_weights, layer.trainable_weights
    _randomise(layer, rng)
    output = _outputs(layer(*inputs))
    assert [value.shape for value in output] == expected_shapes
    assert [str(value.dtype) for value in output] == [expected_output_dtype] * len(output)

    config = layer.get_config()
    assert {key: config.get(key) for key in init_kwargs} == init_kwargs, config
    rebuilt = layer_cls.from_config(config)
    assert rebuilt.get_config() == config
    rebuilt(*inputs)
    rebuilt.set_weights(layer.get_weights())
    _assert_same(_outputs(rebuilt(*inputs)), output)

    if layer_cls.compute_output_shape is not keras.layers.Layer.compute_output_shape:
        computed = layer.compute_output_shape(*(tuple(value.shape) for value in inputs))
        assert [tuple(shape) for shape in (computed if several else [computed])] == expected_shapes, computed
    symbolic_inputs = [keras.Input(batch_shape=value.shape, dtype=str(value.dtype)) for value in inputs]
    symbolic = layer_cls(**init_kwargs)(*symbolic_inputs)
    assert [tuple(value.shape) for value in keras.tree.flatten(symbolic)] == expected_shapes
    assert [value.dtype for value in keras.tree.flatten(symbolic)] == [expected_output_dtype] * len(output)

    model = keras.Model(symbolic_inputs if len(inputs) > 1 else symbolic_inputs[0], symbolic)
    _randomise(model, rng)
    model_inputs = list(inputs) if len(inputs) > 1 else inputs[0]
    expected = _outputs(model(model_inputs))
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "layer.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
    assert [type(each) for each in loaded.layers if not isinstance(each, keras.layers.InputLayer)] == [layer_cls]
    _assert_same(_outputs(loaded(model_inputs)), expected)

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        mixed = layer_cls(**init_kwargs)
        symbolic = mixed(*[keras.Input(batch_shape=value.shape, dtype=str(value.dtype)) for value in inputs])
        mixed.set_weights(layer.get_weights())
        mixed_output = _outputs(mixed(*inputs))
    finally:
        keras.config.set_dtype_policy(previous)
    assert [str(value.dtype) for value in mixed_output] == [expected_mixed_dtype] * len(output)
    assert all(weight.dtype == "float32" for weight in mixed.weights)            # variables stay float32
    assert [value.dtype for value in keras.tree.flatten(symbolic)] == [expected_mixed_dtype] * len(output)
    for got, want in zip(mixed_output, output):
        assert np.isfinite(got).all()
        scale = max(1.0, float(np.abs(want).max()))                          # float16 keeps ~3 digits of it
        np.testing.assert_allclose(got.astype(np.float32), want, rtol=mixed_tolerance, atol=mixed_tolerance * scale)


def _outputs(result) -> list[np.ndarray]:
    return [keras.ops.convert_to_numpy(value) for value in keras.tree.flatten(result)]


def _randomise(layer_or_model, rng: np.random.Generator) -> None:
    for weight in layer_or_model.weights:
        weight.assign(rng.normal(0, 0.5, weight.shape).astype(weight.dtype))


def _assert_same(got: list[np.ndarray], expected: list[np.ndarray]) -> None:
    assert len(got) == len(expected)
    for one, other in zip(got, expected):
        np.testing.assert_allclose(one, other, atol=1e-6)
