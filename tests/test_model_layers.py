"""The corner model's layers: soft-argmax precision and gradients, face order, pooling, serialisation."""

import doctest

import keras
import numpy as np
import pytest
import tensorflow as tf
from layer_test_helpers import run_layer_test

import model
from model import errors
from model.inference import rotations
from model.inference.loading import load_model
from model.layers import (convex_order, corner_pooling, face_order, frame_context, nearest_upsampling, normalize,
                          one_hot, quad_peaks, soft_argmax)
from model.network import corner_model
from model.network.corner_model import ModelConfig, build_model, training_view
from model.training import losses


@pytest.mark.parametrize("module", [soft_argmax, normalize, corner_pooling, face_order, convex_order, frame_context,
                                    errors, rotations, corner_model, quad_peaks, one_hot])
def test_docstring_examples_run(module):
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


def _gaussian_logits(centre_x: float, centre_y: float, size: int = 16, sigma: float = 1.0) -> np.ndarray:
    """[1, size, size, 1] log of a Gaussian centred at (centre_x, centre_y) in cells (pixel-edge convention)."""
    cells = np.arange(size) + 0.5
    y, x = np.meshgrid(cells, cells, indexing="ij")
    return (-((x - centre_x) ** 2 + (y - centre_y) ** 2) / (2 * sigma ** 2))[None, ..., None].astype(np.float32)


def test_soft_argmax_finds_a_peak_to_sub_cell_precision():
    for centre in [(5.3, 9.71), (8.0, 8.0), (3.55, 12.2)]:
        coords, probs = soft_argmax.SoftArgmax()(_gaussian_logits(*centre))
        np.testing.assert_allclose(np.asarray(coords)[0, 0] * 16, centre, atol=0.02)
        np.testing.assert_allclose(np.asarray(probs).sum(), 1.0, atol=1e-5)


def test_soft_argmax_gradients_move_the_expectation_towards_the_target():
    logits = tf.Variable(np.random.default_rng(0).normal(0, 0.1, (1, 8, 8, 1)).astype(np.float32))
    target = tf.constant([[[0.8, 0.2]]])
    layer = soft_argmax.SoftArgmax()
    before = float(tf.norm(layer(logits)[0] - target))
    for _ in range(50):
        with tf.GradientTape() as tape:
            loss = tf.norm(layer(logits)[0] - target)
        gradient = tape.gradient(loss, logits)
        assert np.isfinite(gradient.numpy()).all() and np.abs(gradient.numpy()).max() > 0
        logits.assign_sub(20.0 * gradient)
    assert float(tf.norm(layer(logits)[0] - target)) < before / 3


def test_quad_peaks_answers_one_mode_where_the_soft_argmax_answers_the_midpoint():
    card = [(3.5, 3.5), (20.5, 3.5), (20.5, 20.5), (3.5, 20.5)]
    logits = _card_logits(card)
    logits[..., 0] = np.logaddexp(logits[..., 0], _gaussian_logits(12.5, 12.5, 24)[..., 0] - 0.1)  # two modes
    whole, _ = soft_argmax.SoftArgmax()(logits)
    assert np.allclose(np.asarray(whole)[0, 0] * 24, 8.0, atol=0.3)          # the seed's collapse, in small
    np.testing.assert_allclose(np.asarray(quad_peaks.QuadPeaks(3.0)(logits))[0, 0] * 24, card[0], atol=0.05)


def _card_logits(corners: list[tuple[float, float]], size: int = 24) -> np.ndarray:
    """[1, size, size, 4] logits: channel k the log of a Gaussian at corners[k] (in cells)."""
    return np.concatenate([_gaussian_logits(x, y, size) for x, y in corners], axis=-1)


def test_quad_peaks_finds_single_peaks_to_sub_cell_precision():
    corners = [(4.3, 3.8), (17.6, 5.2), (18.9, 20.4), (3.1, 19.5)]
    np.testing.assert_allclose(np.asarray(quad_peaks.QuadPeaks(4.0)(_card_logits(corners)))[0] * 24, corners,
                               atol=0.02)


def test_quad_peaks_prefers_a_card_shaped_quad_to_a_stronger_decoy():
    card = [(4.5, 4.5), (18.5, 4.5), (18.5, 20.5), (4.5, 20.5)]
    logits = _card_logits(card)
    decoy = _gaussian_logits(21.5, 12.5, 24)[..., 0] + 0.5                     # a neighbour's corner, a little stronger
    logits[..., 2] = np.logaddexp(logits[..., 2], decoy)
    alone = np.asarray(quad_peaks.QuadPeaks(4.0, shape_weight=0.0)(logits))[0] * 24
    joint = np.asarray(quad_peaks.QuadPeaks(4.0)(logits))[0] * 24
    np.testing.assert_allclose(alone[2], (21.5, 12.5), atol=0.05)
    np.testing.assert_allclose(joint, card, atol=0.05)


def test_quad_peaks_stays_finite_on_wild_logits():
    logits = np.random.default_rng(3).normal(0, 300, (2, 16, 16, 4)).astype(np.float32)
    coords = np.asarray(quad_peaks.QuadPeaks()(logits))
    assert np.isfinite(coords).all() and (coords >= 0).all() and (coords <= 1).all()


def test_card_grid_pooling_reads_the_card_in_its_channels_frame():
    """Each grid point reads the features of its own patch of the card, wherever the card lies, and the grid
    turns with the channels: rolling the channel order by one turns the grid by a quarter."""
    size, grid = 32, 4
    quad = np.float32([[0.30, 0.20], [0.70, 0.25], [0.72, 0.80], [0.28, 0.78]])        # channel order, [4, 2]
    ys, xs = (np.mgrid[0:size, 0:size] + 0.5) / size
    blend = corner_pooling._blend(grid)                                                 # [G * G, 4]
    points = blend @ quad                                                               # [G * G, 2]
    # Each cell's feature is one-hot: the index of the grid point nearest it (on the card), a constant off it.
    nearest = np.argmin(np.hypot(xs[..., None] - points[:, 0], ys[..., None] - points[:, 1]), axis=-1)
    features = np.eye(grid * grid, dtype=np.float32)[nearest][None]                    # [1, 32, 32, 16]
    pooled = corner_pooling.CardGridPooling(grid)(quad[None], features).numpy()[0]      # [16, 16]
    assert (pooled.argmax(axis=-1) == np.arange(grid * grid)).all()
    assert np.diag(pooled).min() > 0.6
    turned = corner_pooling.CardGridPooling(grid)(np.roll(quad, -1, axis=0)[None], features).numpy()[0]
    rows = np.arange(grid * grid).reshape(grid, grid)                                  # point (row v, column u)
    np.testing.assert_allclose(turned, pooled[np.rot90(rows, k=1).reshape(-1)], atol=1e-5)


def test_face_order_undoes_the_turn_the_loss_matches():
    rng = np.random.default_rng(1)
    face = rng.uniform(10, 54, (6, 4, 2)).astype(np.float32)                 # TL, TR, BR, BL in pixels
    turns = np.array([0, 1, 2, 3, 1, 2])
    channels = np.stack([np.roll(f, -k, axis=0) for f, k in zip(face, turns)])  # channel j holds face (j + k) % 4
    outputs = {"coords": tf.constant(channels / 64), "heatmaps": tf.fill([6, 16, 16, 4], 1 / 256),
               "orientation": tf.zeros([6, 4]), "presence": tf.zeros([6]), "mask": tf.zeros([6, 16, 16])}
    terms = losses.per_sample_losses(outputs, face, tf.ones([6], tf.bool), 64)
    np.testing.assert_array_equal(terms["turn"].numpy(), turns)
    assert terms["coords"].numpy().max() < 1e-3
    restored = face_order.FaceOrder()(channels, np.eye(4, dtype=np.float32)[turns] * 10)
    np.testing.assert_allclose(restored.numpy(), face, atol=1e-4)


def test_heatmap_regulariser_prefers_a_peak_at_the_target_and_absent_frames_train_only_presence_and_mask():
    target = np.array([[[4.0, 4.0], [28.0, 4.0], [28.0, 28.0], [4.0, 28.0]]], np.float32)
    def terms(heatmaps, present):
        coords = tf.constant(target / 32)
        return losses.per_sample_losses({"coords": coords, "heatmaps": heatmaps, "orientation": tf.zeros([1, 4]),
                                         "presence": tf.zeros([1]), "mask": tf.fill([1, 8, 8], -20.0)},
                                        target, tf.constant([present]), 32)
    peaked = np.stack([soft_argmax.SoftArgmax()(_gaussian_logits(x / 4, y / 4, 8))[1][0, ..., 0]
                       for x, y in target[0]], -1)[None]
    uniform = np.full([1, 8, 8, 4], 1 / 64, np.float32)
    assert float(terms(peaked, True)["heatmap"][0]) < 0.05 < float(terms(uniform, True)["heatmap"][0])
    absent = terms(uniform, False)
    assert float(absent["coords"][0]) == float(absent["heatmap"][0]) == float(absent["orientation"][0]) == 0.0
    assert float(absent["mask"][0]) < 1e-6 < float(terms(uniform, True)["mask"][0])
    assert float(absent["total"][0]) == pytest.approx(float(absent["presence"][0]) + float(absent["mask"][0]))


def test_convex_order_untangles_any_order_of_a_perspective_quad_and_keeps_the_first_corner():
    rng = np.random.default_rng(3)
    for _ in range(20):
        quad = np.array([[100, 100], [160, 110], [150, 200], [95, 190]], np.float32) + rng.normal(0, 5, (4, 2))
        angle = rng.uniform(-np.pi, np.pi)
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
        face = (quad - 150) @ rotation.T + 150                                 # TL, TR, BR, BL, clockwise on screen
        shuffled = np.concatenate([face[:1], face[1:][rng.permutation(3)]])   # TL first, the rest in any order
        np.testing.assert_allclose(convex_order.ConvexOrder()(shuffled[None]).numpy()[0], face, atol=1e-4)


def _layer_cases() -> dict:
    """name: (layer class, constructor arguments, call arguments, output shape(s), dtype under mixed_float16,
    trainable weights)."""
    rng = np.random.default_rng(5)
    images = rng.uniform(0, 255, (2, 8, 8, 3)).astype(np.float32)
    logits = rng.normal(0, 3, (2, 16, 16, 4)).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum(axis=(1, 2), keepdims=True)    # each channel's map sums to 1
    quads = np.array([[0.2, 0.2], [0.8, 0.25], [0.75, 0.8], [0.2, 0.75]]) + rng.normal(0, 0.03, (2, 4, 2))
    quads = quads.astype(np.float32)                                       # [2, 4, 2] TL, TR, BR, BL
    features = rng.normal(0, 1, (2, 5, 4, 16)).astype(np.float32)
    return {
        "normalize_tf": (normalize.Normalize, {"mode": "tf"}, images, (2, 8, 8, 3), "float16", 0),
        "normalize_caffe": (normalize.Normalize, {"mode": "caffe"}, images, (2, 8, 8, 3), "float16", 0),
        "soft_argmax": (soft_argmax.SoftArgmax, {}, logits, ((2, 4, 2), (2, 16, 16, 4)), "float32", 0),
        "quad_peaks": (quad_peaks.QuadPeaks, {"window": 3.0, "candidates": 2, "shape_weight": 1.5}, logits,
                       (2, 4, 2), "float32", 0),
        "face_order": (face_order.FaceOrder, {}, (quads, rng.normal(0, 2, (2, 4)).astype(np.float32)), (2, 4, 2),
                       "float32", 0),
        "convex_order": (convex_order.ConvexOrder, {}, quads[:, [0, 2, 1, 3]], (2, 4, 2), "float32", 0),
        "corner_pooling": (corner_pooling.CornerPooling, {},
                           (probs, rng.normal(0, 1, (2, 16, 16, 6)).astype(np.float32)), (2, 4, 6), "float32", 0),
        "centred_corners": (corner_pooling.CentredCorners, {}, quads, (2, 8), "float32", 0),
        "card_grid_pooling": (corner_pooling.CardGridPooling, {"grid": 3},
                              (quads, rng.normal(0, 1, (2, 16, 16, 6)).astype(np.float32)), (2, 9, 6), "float32", 0),
        "coordinate_channels": (frame_context.CoordinateChannels, {}, features, (2, 5, 4, 18), "float16", 0),
        "nearest_upsampling": (nearest_upsampling.NearestUpsampling, {"size": (2, 3)}, features, (2, 10, 12, 16),
                               "float16", 0),
        "global_attention": (frame_context.GlobalAttention, {"key_channels": 8}, features, (2, 5, 4, 16), "float16",
                             6),                                           # norm gamma and beta, 4 projections
    }


@pytest.mark.parametrize("name", list(_layer_cases()))
def test_layer_config_shapes_saving_and_mixed_precision(name):
    layer_cls, init_kwargs, inputs, shape, mixed_dtype, trainable = _layer_cases()[name]
    run_layer_test(layer_cls, init_kwargs, inputs, shape, expected_mixed_dtype=mixed_dtype,
                   expected_num_trainable_weights=trainable)


def test_loaded_models_upsample_with_one_resize_to_the_same_numbers(tmp_path):
    """`load_model` swaps Keras's UpSampling2D (repeats, exported as Tile ops) for NearestUpsampling: the same
    outputs, the other layers and weights shared."""
    inputs = keras.Input((3, 5, 4))
    net = keras.Model(inputs, {"coords": keras.layers.Dense(2)(keras.layers.UpSampling2D((2, 3))(inputs)),
                               "presence": keras.layers.GlobalAveragePooling2D()(inputs)})
    net.save(tmp_path / "net.keras")
    loaded = load_model(tmp_path / "net.keras")
    assert [type(layer).__name__ for layer in loaded.layers if "up_sampling" in layer.name] == ["NearestUpsampling"]
    image = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded(image)["coords"], net(image)["coords"])
    with pytest.raises(ValueError, match="nearest"):
        nearest_upsampling.NearestUpsampling(2, interpolation="bilinear")


def test_layers_reject_bad_arguments():
    with pytest.raises(ValueError, match="window"):
        quad_peaks.QuadPeaks(window=-1.0)
    with pytest.raises(ValueError, match="candidates"):
        quad_peaks.QuadPeaks(candidates=0)
    with pytest.raises(ValueError, match="mode"):
        normalize.Normalize("torch")
    with pytest.raises(ValueError, match="grid"):
        corner_pooling.CardGridPooling(grid=0)


def test_model_outputs_and_training_view_share_weights():
    config = ModelConfig(input_size=64, alpha=0.35, decoder_channels=16)
    net = build_model(config)
    images = np.random.default_rng(2).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    out = net(images)
    assert out["coords"].shape == (2, 4, 2) and out["presence"].shape == (2,)
    assert out["heatmaps"].shape == (2, 16, 16, 4)
    assert ((out["presence"].numpy() > 0) & (out["presence"].numpy() < 1)).all()
    view = training_view(net)
    extra = {id(w) for w in view.trainable_weights} - {id(w) for w in net.trainable_weights}
    assert extra == {id(w) for w in view.get_layer("card_mask_logits").trainable_weights}
    assert {id(w) for w in net.trainable_weights} <= {id(w) for w in view.trainable_weights}
    np.testing.assert_allclose(view(images)["heatmaps"], out["heatmaps"], atol=1e-6)
    batch_norms = [layer for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert batch_norms and all(layer.momentum == config.bn_momentum for layer in batch_norms)
    with pytest.raises(ValueError, match="input_size"):
        ModelConfig(input_size=100)
    with pytest.raises(ValueError, match="context"):
        ModelConfig(context="everything")
    assert model.layers.SoftArgmax is soft_argmax.SoftArgmax


def test_coordinate_channels_are_symmetric_about_the_frame_centre():
    out = frame_context.CoordinateChannels()(np.zeros((3, 5, 4, 2), np.float32)).numpy()     # [3, 5, 4, 4]
    x, y = out[..., 2], out[..., 3]
    np.testing.assert_allclose(x, -x[:, :, ::-1], atol=1e-6)
    np.testing.assert_allclose(y, -y[:, ::-1, :], atol=1e-6)
    assert np.abs(x).max() < 1 and np.abs(y).max() < 1 and (out[..., :2] == 0).all()


def test_global_attention_starts_as_the_identity_and_then_reaches_every_cell():
    layer = frame_context.GlobalAttention(key_channels=4)
    features = tf.constant(np.random.default_rng(3).normal(size=(1, 4, 4, 8)).astype(np.float32))
    np.testing.assert_allclose(layer(features), features, atol=1e-6)
    layer.output_projection.assign(np.eye(8, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(features)
        corner_cell = layer(features)[0, 0, 0]
    gradient = tape.gradient(corner_cell, features).numpy()[0]                               # [4, 4, 8]
    assert np.abs(gradient[3, 3]).sum() > 0, "the far corner cell must influence the first cell"


@pytest.mark.parametrize("context", ["coords", "attention"])
def test_a_model_with_frame_context_round_trips_through_keras_files(context, tmp_path):
    net = build_model(ModelConfig(input_size=64, alpha=0.35, decoder_channels=16, context=context))
    images = np.random.default_rng(4).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    net.save(tmp_path / "net.keras")
    loaded = keras.models.load_model(tmp_path / "net.keras")
    np.testing.assert_allclose(loaded(images)["coords"], net(images)["coords"], atol=1e-6)
    assert any(isinstance(layer, frame_context.CoordinateChannels) for layer in loaded.layers)


def test_the_card_mask_covers_the_quad_either_way_round_and_is_empty_without_a_card():
    quad = np.array([[[0.25, 0.25], [0.75, 0.25], [0.75, 0.5], [0.25, 0.5]]], np.float32)        # 8x8 cells
    for corners in (quad, quad[:, ::-1]):
        mask = losses.quad_mask(tf.constant(corners), tf.constant([True]), 8, 8).numpy()[0]
        expected = np.zeros((8, 8)); expected[2:4, 2:6] = 1
        np.testing.assert_array_equal(mask, expected)
    assert losses.quad_mask(tf.constant(quad), tf.constant([False]), 8, 8).numpy().sum() == 0
    net = build_model(ModelConfig(input_size=64, alpha=0.35, decoder_channels=16))
    assert training_view(net)(np.zeros((1, 64, 64, 3), np.float32))["mask"].shape == (1, 16, 16)
    assert "card_mask_logits" not in {layer.name for layer in net.layers}
