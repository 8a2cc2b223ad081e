"""Turns a batch of cards and backgrounds into labelled photos, on the accelerator.

`synthesize` is pure TensorFlow on batched tensors with stateless seeds: it
runs inside `tf.function(jit_compile=True)` (XLA), in a Keras train step, or
eagerly for a static dump, and the same seed always gives the same batch.

Layers, bottom to top: background, neighbouring cards, the sleeve's back, the
labelled card, the sleeve's front film, an occluder with its shadow; then the
camera (`photometric`).
"""

import tensorflow as tf

from augment_tf import (background, composite, fusion, geometry, neighbors, occluders, photometric, seeds,
                        sleeves, texture)
from augment_tf.config import SynthesisConfig


def synthesize(cards: tf.Tensor, backgrounds: tf.Tensor, seed: tf.Tensor,
               config: SynthesisConfig) -> dict[str, tf.Tensor]:
    """Synthesises one batch of card photos with their corner labels.

    Args:
      cards: [B, N] int32 card pyramids (`texture.card_atlas` of
        card_height x card_width RGBA textures).
      backgrounds: [B, Hb, Wb] int32 packed backgrounds (`texture.background_texels`).
      seed: [2] int seed; the output is a pure function of inputs and seed.
      config: the synthesis recipe.

    Returns:
      dict with `image` [B, size, size, 3] float32 in 0..1; `corners` [B, 4, 2]
      float32, TL, TR, BR, BL of the printed card in output pixels; `visible`
      [B, 4] bool, corner inside the frame; `occluded` [B, 4] bool, corner
      under an occluder.
    """
    size, width, height = config.size, config.card_width, config.card_height
    batch_size = tf.shape(cards)[0]
    layout = texture.AtlasLayout(height, width, config.mip_levels)
    # Each stage has its own name scope, so profiles and XLA dumps say where time goes.
    with tf.name_scope("geometry"):
        geo = fusion.materialize_all(geometry.sample_card_geometry(
            seeds.child(seed, "geometry"), batch_size, size, (width, height), config.geometry))
        x, y = composite.pixel_centres(size)                                        # [1, P]
        plane = composite.plane_coords(geo["homography"], x, y)
    with tf.name_scope("background"):
        image = background.render_background(seeds.child(seed, "background"), backgrounds, x, y, size,
                                             config.scene)                          # [B, P, 3]
    with tf.name_scope("neighbors"):
        slots = neighbors.sample_neighbors(seeds.child(seed, "neighbors"), geo["homography"], (width, height),
                                           size, config.scene)
        image = composite.over(neighbors.render_neighbors(cards, layout, slots, plane), image)
    with tf.name_scope("sleeves"):
        sleeve = fusion.materialize_all(sleeves.sample_sleeves(seeds.child(seed, "sleeve"), batch_size, width,
                                                               config.scene))
        sleeve_back, sleeve_front = sleeves.render_sleeves(sleeve, plane, width, height)
        image = composite.over(sleeve_back, image)
    with tf.name_scope("card"):
        card = texture.sample_atlas(cards, layout, tf.range(batch_size)[:, None], plane.u, plane.v, plane.lod)
        image = composite.over(sleeve_front, composite.over(card, image))
    with tf.name_scope("occluders"):
        occluder = fusion.materialize_all(occluders.sample_occluders(seeds.child(seed, "occluder"),
                                                                     geo["corners"], size, config.scene))
        layer, shadow = occluders.render_occluders(occluder, x, y)
        image = composite.over(layer, image * (1.0 - shadow[..., None]))
        image = fusion.materialize(tf.reshape(image, [batch_size, size, size, 3]))

    with tf.name_scope("photometric"):
        cover = tf.reshape(tf.maximum(card[..., 3], sleeve_back[..., 3]), [batch_size, size, size])
        centre = tf.reduce_mean(geo["corners"], axis=1) / size
        image = photometric.apply(seeds.child(seed, "photometric"), image, centre, cover, config.photometric)
    return {"image": image, "corners": geo["corners"], "visible": geo["visible"],
            "occluded": occluders.occluded_corners(occluder, geo["corners"])}


def compile_synthesis(config: SynthesisConfig, jit_compile: bool):
    """Returns `synthesize` for `config` as a `tf.function`.

    Args:
      config: the synthesis recipe.
      jit_compile: compile with XLA. On a GPU always; on a CPU XLA is also
        ~3x faster for this elementwise- and gather-heavy graph, but compiling
        takes seconds, so short jobs may prefer False.

    Returns:
      A function (cards, backgrounds, seed) -> the dict of `synthesize`.
    """
    return tf.function(lambda cards, backgrounds, seed: synthesize(cards, backgrounds, seed, config),
                       jit_compile=jit_compile)
