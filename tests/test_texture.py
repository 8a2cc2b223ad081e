"""Packed textures, the mip atlas layout and the samplers."""

import numpy as np
import tensorflow as tf

from augment_tf import texture


def test_pack_unpack_round_trip():
    rgba = np.random.default_rng(0).integers(0, 256, (5, 7, 4)).astype(np.uint8)
    unpacked = texture.unpack_rgba(texture.pack_rgba(tf.constant(rgba))).numpy()
    np.testing.assert_allclose(unpacked * 255, rgba, atol=1e-3)


def test_atlas_layout_matches_the_built_pyramid():
    layout = texture.AtlasLayout(64, 48, 4)
    atlas = texture.card_atlas(np.zeros((88, 63, 4), np.uint8), 64, 48, 4)
    assert atlas.shape == (layout.texels,)
    sizes = [(64 // 2 ** l + 2) * (48 // 2 ** l + 2) for l in range(4)]
    assert [layout.level_start(l) for l in range(4)] == [sum(sizes[:l]) for l in range(4)]


def test_atlas_premultiplies_and_pads_with_transparent_texels():
    card = np.zeros((32, 32, 4), np.uint8)
    card[..., 0], card[..., 3] = 200, 128
    texels = texture.unpack_rgba(texture.card_atlas(card, 32, 32, 2)).numpy()
    first_row = texels[:34]                                  # the padding ring of level 0
    np.testing.assert_array_equal(first_row, 0)
    inner = texels[34 + 1]                                   # level 0, texel (0, 0)
    np.testing.assert_allclose(inner[0], 200 / 255 * 128 / 255, atol=2 / 255)
    np.testing.assert_allclose(inner[3], 128 / 255, atol=1 / 255)


def test_sample_atlas_reads_the_colour_inside_and_fades_at_the_edge():
    card = np.zeros((64, 48, 4), np.uint8)
    card[...] = [10, 120, 250, 255]
    layout = texture.AtlasLayout(64, 48, 3)
    atlas = texture.card_atlas(card, 64, 48, 3)[None]
    u = tf.constant([[24.0, 0.0, -5.0, 24.0]])
    v = tf.constant([[32.0, 32.0, 32.0, 32.0]])
    lod = tf.constant([[0.0, 0.0, 0.0, 2.0]])
    rgba = texture.sample_atlas(atlas, layout, tf.zeros([1, 1], tf.int32), u, v, lod).numpy()[0]
    np.testing.assert_allclose(rgba[0] * 255, [10, 120, 250, 255], atol=1)
    np.testing.assert_allclose(rgba[1, 3], 0.5, atol=0.02)     # on the edge: half covered
    assert rgba[2, 3] == 0                                       # outside: transparent
    np.testing.assert_allclose(rgba[3] * 255, [10, 120, 250, 255], atol=1)   # coarser level, same colour


def test_sample_mirrored_folds_coordinates_back_into_the_image():
    image = np.zeros((16, 16, 3), np.uint8)
    image[:, 0] = 255                                            # a white first column
    atlas, layout = texture.background_atlas(image, 16)[None], texture.background_layout(16)
    sample = lambda x, y: texture.sample_mirrored(atlas, layout, x, y, tf.zeros_like(x)).numpy()[0]  # noqa: E731
    x = tf.constant([[0.5, -0.5, 1.5, 16.5, 14.5]])
    y = tf.constant([[4.0] * 5])
    rgb = sample(x, y)
    np.testing.assert_allclose(rgb[0], 1.0, atol=1e-3)          # column 0
    np.testing.assert_allclose(rgb[1], rgb[2], atol=1e-6)       # mirrored about column 0's centre
    np.testing.assert_allclose(rgb[3], rgb[4], atol=1e-6)       # mirrored about column 15's centre
    assert np.isfinite(sample(tf.constant([[-38.5]]), y[:, :1])).all()   # far left folds back and forth


def test_sample_mirrored_reads_the_level_its_lod_asks_for():
    checks = (np.indices((16, 16)).sum(0) % 2 * 255).astype(np.uint8)   # 1-texel checkerboard
    atlas = texture.background_atlas(np.repeat(checks[..., None], 3, -1), 16)[None]
    x, y = tf.constant([[4.5, 5.5, 4.5, 5.5]]), tf.constant([[4.5, 4.5, 4.5, 4.5]])
    lod = tf.constant([[0.0, 0.0, 3.0, 3.0]])
    grey = texture.sample_mirrored(atlas, texture.background_layout(16), x, y, lod).numpy()[0, :, 0]
    assert abs(grey[0] - grey[1]) > 0.9                          # level 0: neighbouring texels alternate
    np.testing.assert_allclose(grey[2:], 0.5, atol=0.01)         # level 3 (2 x 2): averaged to grey


def _gather_index_dtypes(sampler, *specs: tf.TensorSpec) -> list[tf.DType]:
    """The index dtype of every gather in `sampler` traced for `specs` (traced only: nothing is allocated)."""
    graph = tf.function(sampler).get_concrete_function(*specs).graph
    return [op.inputs[1].dtype for op in graph.get_operations() if op.type == "GatherV2"]


def test_texels_are_indexed_in_64_bits_so_a_large_batch_cannot_wrap():
    """Samplers read a batch's textures flattened into one buffer. 1024-texel-high cards pass int32's
    2**31 texels at about 2,100 cards; there an int32 index would wrap into another card's texels."""
    cards = texture.AtlasLayout(1024, 736, 5)
    backgrounds = texture.background_layout(1024)
    batch = 2 ** 31 // min(cards.texels, backgrounds.texels) + 1          # past 2**31 texels for both
    pixels = tf.TensorSpec([batch, 8], tf.float32)
    card_reads = _gather_index_dtypes(
        lambda atlases, card, u, v, lod: texture.sample_atlas(atlases, cards, card, u, v, lod),
        tf.TensorSpec([batch, cards.texels], tf.int32), tf.TensorSpec([batch, 8], tf.int32), pixels, pixels, pixels)
    background_reads = _gather_index_dtypes(
        lambda atlases, x, y, lod: texture.sample_mirrored(atlases, backgrounds, x, y, lod),
        tf.TensorSpec([batch, backgrounds.texels], tf.int32), pixels, pixels, pixels)
    assert card_reads == background_reads == [tf.int64] * 4    # the bilinear taps
    last = texture.flat_index(tf.constant([[batch - 1]]), cards.texels, tf.constant([[cards.texels - 1.0]]))
    assert last.numpy()[0, 0] == batch * cards.texels - 1 > 2 ** 31
