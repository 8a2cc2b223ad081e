"""Turns a batch of cards and backgrounds into labelled photos, on the accelerator.

`synthesize` is pure TensorFlow on batched tensors with stateless seeds: it
runs inside `tf.function(jit_compile=True)` (XLA), in a Keras train step, or
eagerly for a static dump, and the same seed always gives the same batch.

Layers, bottom to top: background (maybe darkened under a dark-rimmed card),
maybe a binder page's backing, neighbouring cards (maybe a fan or stack under
the labelled card, or a spread of cards laid out with it, up to a whole deck of
small cards; each maybe worn, foil and sleeved, with its shadow on a table), the
labelled card's shadow on the table, the sleeve's back, the labelled card (its
rim maybe worn white, its face maybe foil), the sleeve's front film, the binder
pockets' film, an occluder with its shadow, all seen through the lens (`lens`);
then the camera (`photometric`), and last the black bars of a letterboxed
frame. Some frames hold no card to find (`presence`): the labelled card is
left out or cut by the frame's edge.
"""

import functools
import json

import tensorflow as tf

from augment_tf import composite, fusion, geometry, lens, photometric, presence, seeds, texture
from augment_tf.config import SceneConfig, SynthesisConfig
from augment_tf.scene import (background, binder, contact_shadow, foil, neighbors, occluders, piles, sleeves,
                              spreads, wear, whole_cards)


def synthesize(cards: tf.Tensor, backgrounds: tf.Tensor, seed: tf.Tensor,
               config: SynthesisConfig) -> dict[str, tf.Tensor]:
    """Synthesises one batch of card photos with their corner labels.

    Args:
      cards: [B, N] int32 card pyramids (`texture.card_atlas` of
        card_height x card_width RGBA textures).
      backgrounds: [B, M] int32 background pyramids (`texture.background_atlas` at the output size).
      seed: [2] int seed; the output is a pure function of inputs and seed.
      config: the synthesis recipe.

    Returns:
      dict with `image` [B, size, size, 3] float32 in 0..1; `corners` [B, 4, 2]
      float32, TL, TR, BR, BL of the printed card in output pixels (also where
      `present` is False: mask them); `visible` [B, 4] bool, corner inside the
      frame and not in a letterbox bar; `occluded` [B, 4] bool, corner under an
      occluder; `present` [B] bool, the labelled card is drawn with all 4
      corners visible (False in empty frames, `SceneConfig.empty_p`).
      Every card in the frame (`whole_cards.card_labels`): `cards` [B, K, 4, 2]
      (slot 0 is the labelled card), `card_whole` [B, K] bool, `card_hidden`
      [B, K] the share of each face hidden, `primary` [B] int32 the whole card
      nearest the centre (-1 where none is whole).
    """
    size, batch_size, texture_size = config.size, tf.shape(cards)[0], (config.card_width, config.card_height)
    # Each stage has its own name scope, so profiles and XLA dumps say where time goes.
    with tf.name_scope("geometry"):
        deck = None
        if config.scene.neighbor_slots and config.scene.deck.used:      # a deck laid out around a small card
            deck = seeds.bernoulli(seeds.child(seed, "deck"), "present", [batch_size], config.scene.deck.p)
        geo = geometry.sample_card_geometry(seeds.child(seed, "geometry"), batch_size, size, texture_size,
                                            config.geometry, None if deck is None else
                                            (deck, (config.scene.deck.low, config.scene.deck.high)))
        if deck is not None:
            geo["deck"] = deck
        geo["barrel"] = lens.sample_distortion(seeds.child(seed, "lens"), batch_size, config.geometry.barrel)
        if config.scene.neighbor_slots and config.scene.binder.used and config.scene.page_curve.used:
            page = binder.sample_present(seeds.child(seed, "binder"), batch_size, config.scene)
            geo["page_curve"] = lens.sample_page_curve(seeds.child(seed, "page_curve"), geo["corners"], page,
                                                       config.scene.page_curve)                    # [B, 4]
        if config.scene.empty_p:
            geo = presence.sample_presence(seeds.child(seed, "presence"), geo, size, texture_size, config.scene)
        else:
            geo["drawn"] = tf.ones([batch_size], tf.bool)
        geo = fusion.materialize_all(geo)              # the scene is drawn in undistorted coordinates
        corners = lens.image_points(geo["barrel"], geo["corners"], size, geo.get("page_curve"))   # [B, 4, 2] drawn
    image, cover, occluded, layers = _scene(cards, backgrounds, seed, geo, config)  # [B, P, 3], [B, P], [B, 4]
    with tf.name_scope("card_labels"):
        labels = whole_cards.card_labels(geo, corners, layers["neighbors"], layers["sleeve"], layers["occluder"],
                                         texture_size, size, config.scene.neighbor_slots)
    image = fusion.materialize(tf.reshape(image, [batch_size, size, size, 3]))
    with tf.name_scope("photometric"):
        cover = tf.reshape(cover, [batch_size, size, size])
        centre = tf.reduce_mean(corners, axis=1) / size
        image = photometric.apply(seeds.child(seed, "photometric"), image, centre, cover, config.photometric)
    if config.geometry.letterbox_p:
        with tf.name_scope("letterbox"):
            image = tf.where(geometry.content_mask(geo["content_box"], size), image, 0.0)   # bars exactly 0
    visible = geometry.inside_box(corners, geo["content_box"])                   # [B, 4]
    return {"image": image, "corners": corners, "visible": visible, "occluded": occluded,
            "present": geo["drawn"] & tf.reduce_all(visible, axis=-1), **labels}


def _scene(cards: tf.Tensor, backgrounds: tf.Tensor, seed: tf.Tensor, geo: dict[str, tf.Tensor],
           config: SynthesisConfig) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, dict]:
    """Renders the scene's layers, bottom to top, at every output pixel.

    A layer nobody gets (p == 0) is left out of the graph, so it costs nothing.

    Returns:
      (image [B, P, 3] RGB in 0..1; cover [B, P], where the labelled card or its
      sleeve is; occluded [B, 4] bool, corner under an occluder; the sampled
      layers that can hide a card, {"neighbors", "sleeve", "occluder"}, None
      where the recipe draws none).
    """
    size, width, height, scene = config.size, config.card_width, config.card_height, config.scene
    layout = texture.AtlasLayout(height, width, config.mip_levels)
    with tf.name_scope("plane"):
        x, y = composite.pixel_centres(size)                                        # [1, P]
        if config.geometry.barrel.used or "page_curve" in geo:
            x, y = lens.scene_points(geo["barrel"], x, y, size, geo.get("page_curve"))   # [B, P]: what pixels show
        plane = composite.plane_coords(geo["homography"], x, y)
    with tf.name_scope("background"):
        image, on_table = background.render_background(seeds.child(seed, "background"), backgrounds, geo,
                                                       plane, x, y, size, (width, height), scene)  # [B, P, 3]
    if scene.dark_pairing.used:
        with tf.name_scope("dark_pairing"):           # a dark-rimmed card on a darkened background
            gain = background.dark_pairing_gain(seeds.child(seed, "dark_pairing"), cards, backgrounds, layout,
                                                size, scene)                         # [B]
            image = image * gain[:, None, None]
    layers = {"neighbors": None, "sleeve": None, "occluder": None}
    page = None
    if scene.neighbor_slots and scene.binder.used:
        with tf.name_scope("binder"):
            page = fusion.materialize_all(binder.sample_binder(seeds.child(seed, "binder"), tf.shape(cards)[0],
                                                               width, scene))
            image = composite.over(binder.render_backing(page, plane, width, height), image)
    pile = None
    if scene.neighbor_slots and (scene.fan.used or scene.stack.used):
        with tf.name_scope("piles"):
            pile = piles.sample_piles(seeds.child(seed, "piles"), geo["drawn"], width, height, scene, page)
    spread = None
    if scene.neighbor_slots and (scene.spread.used or scene.deck.used):
        with tf.name_scope("spreads"):
            spread = spreads.sample_spreads(seeds.child(seed, "spreads"), geo, width, height, size, scene, page, pile,
                                            geo.get("deck"))
    shadow = None
    if scene.contact_shadow.used:             # one light for every card on the table: the neighbours cast it too
        with tf.name_scope("contact_shadow"):
            shadow = fusion.materialize_all(contact_shadow.sample_contact_shadows(
                seeds.child(seed, "contact_shadow"), on_table, width, scene))
    if scene.neighbor_slots and (scene.neighbor.used or page is not None or pile is not None or spread is not None):
        with tf.name_scope("neighbors"):
            slots = layers["neighbors"] = neighbors.sample_neighbors(seeds.child(seed, "neighbors"), geo,
                                                                     (width, height), size, scene, page, pile,
                                                                     spread)
            image = neighbors.draw_neighbors(cards, layout, slots, plane, image, shadow)
    if shadow is not None:
        with tf.name_scope("contact_shadow"):
            cast = contact_shadow.render_contact_shadows(shadow, plane, width, height)            # [B, P]
            image = image * (1.0 - tf.where(geo["drawn"][:, None], cast, 0.0)[..., None])
    image, cover, layers["sleeve"] = _card_in_sleeve(cards, layout, seed, plane, geo["drawn"], image, scene)
    if page is not None:
        with tf.name_scope("binder_film"):
            image = composite.over(binder.render_film(page, plane, width, height), image)
    occluded = tf.zeros([tf.shape(cards)[0], 4], tf.bool)
    if scene.occluder.used:
        with tf.name_scope("occluders"):
            occluder = layers["occluder"] = fusion.materialize_all(occluders.sample_occluders(
                seeds.child(seed, "occluder"), geo["corners"], size, scene))
            layer, shadow = occluders.render_occluders(occluder, x, y)
            image = composite.over(layer, image * (1.0 - shadow[..., None]))
            occluded = occluders.occluded_corners(occluder, geo["corners"])
    return image, cover, occluded, layers


def _card_in_sleeve(cards: tf.Tensor, layout: texture.AtlasLayout, seed: tf.Tensor, plane: composite.PlaneCoords,
                    drawn: tf.Tensor, image: tf.Tensor,
                    scene: SceneConfig) -> tuple[tf.Tensor, tf.Tensor, dict | None]:
    """Composites the labelled card over `image` [B, P, 3], between its sleeve's back and front film.

    Where `drawn` [B] is False (an empty frame) neither card nor sleeve is drawn.

    Returns:
      (image [B, P, 3], cover [B, P]: the card's or its sleeve's coverage, the
      sleeves drawn (`sleeves.sample_sleeves`) or None without sleeves).
    """
    batch_size = tf.shape(cards)[0]
    back = front = sleeve = None
    if scene.sleeve.used:
        with tf.name_scope("sleeves"):
            sleeve = sleeves.sample_sleeves(seeds.child(seed, "sleeve"), batch_size, layout.width, scene)
            sleeve = fusion.materialize_all({**sleeve, "present": sleeve["present"] & drawn})
            back, front = sleeves.render_sleeves(sleeve, plane, layout.width, layout.height)  # [B, P, 4] each
            image = composite.over(back, image)
    with tf.name_scope("card"):
        card = texture.sample_atlas(cards, layout, tf.range(batch_size)[:, None], plane.u, plane.v, plane.lod)
    if scene.wear.used:
        with tf.name_scope("wear"):
            worn = fusion.materialize_all(wear.sample_wear(seeds.child(seed, "wear"), batch_size, layout.width, scene))
            card = wear.apply_wear(worn, card, plane, layout.width, layout.height)
    if scene.foil.used:
        with tf.name_scope("foil"):
            sheen = fusion.materialize_all(foil.sample_foil(seeds.child(seed, "foil"), batch_size,
                                                            layout.width, scene))
            card = foil.apply_foil(sheen, card, plane)
    if scene.wear.used or scene.foil.used:
        card = fusion.materialize(card)       # read per channel by each layer above: compute it once
    if scene.empty_p:
        # After the barrier: before it, XLA's CPU backend ran the masked wear and foil 8% slower overall.
        card = tf.where(drawn[:, None, None], card, 0.0)                           # [B, P, 4]: left out
    image, cover = composite.over(card, image), card[..., 3]
    if front is not None:
        image, cover = composite.over(front, image), tf.maximum(cover, back[..., 3])
    return image, cover, sleeve


def compile_synthesis(config: SynthesisConfig, jit_compile: bool):
    """Returns `synthesize` for `config` as a `tf.function`.

    Cached per (recipe, jit_compile): tracing the scene takes seconds, and a
    process that synthesises twice with one recipe (two dumps, a validation
    set) traces it once. The function holds no state; the seed input decides
    every draw. The synthesis branches in Python on the recipe alone, never on
    a tensor, so it is traced without AutoGraph, whose rewriting of the 800-odd
    functions it calls took a third of the tracing time.

    Args:
      config: the synthesis recipe.
      jit_compile: compile with XLA. On a GPU always; on a CPU XLA is also
        ~3x faster for this elementwise- and gather-heavy graph, but compiling
        takes seconds, so short jobs may prefer False.

    Returns:
      A function (cards, backgrounds, seed) -> the dict of `synthesize`.
    """
    return _compiled(json.dumps(config.to_dict(), sort_keys=True), jit_compile)


@functools.lru_cache(maxsize=4)
def _compiled(recipe: str, jit_compile: bool):
    """`compile_synthesis` for a recipe as canonical JSON: a config may hold lists, which do not hash."""
    config = SynthesisConfig.from_dict(json.loads(recipe))
    return tf.function(lambda cards, backgrounds, seed: synthesize(cards, backgrounds, seed, config),
                       jit_compile=jit_compile, autograph=False)
