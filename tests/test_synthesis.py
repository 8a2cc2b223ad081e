"""End-to-end synthesis: labels match pixels, scene rules hold, seeds repeat (XLA: tests/test_layer.py)."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from augment_tf import synthesize
from augment_tf.config import Effect, GeometryConfig, SceneConfig

from synthesis_helpers import (GEOMETRY_OFF, MARKS, PHOTOMETRIC_OFF, SCENE_OFF, SCENE_SETTINGS, bordered_card,
                               fixed_barrel, flat_card, marked_card, pixel_centres, small_config, textures)


def test_corner_marks_are_under_the_corner_labels():
    """Each printed corner's colour mark must sit at its labelled corner after the warp."""
    config = small_config(size=128, scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF,
                          geometry=dataclasses.replace(GEOMETRY_OFF, scale=(0.6, 0.85)))
    cards, backgrounds = textures(config, [marked_card()] * 16)
    out = synthesize.synthesize(cards, backgrounds, tf.constant([3, 4]), config)
    images, corners = out["image"].numpy(), out["corners"].numpy()
    for image, quad in zip(images, corners):
        centre = quad.mean(axis=0)
        for mark, corner in zip(MARKS, quad):
            inside = corner + 0.12 * (centre - corner)                   # a few pixels into the card
            pixel = image[int(inside[1]), int(inside[0])] * 255
            assert np.abs(pixel - mark).max() < 60, (corner, pixel, mark)


def test_outside_the_card_is_background():
    config = small_config(size=128, scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF,
                          geometry=dataclasses.replace(GEOMETRY_OFF, scale=(0.2, 0.3)))
    cards, backgrounds = textures(config, [marked_card()] * 4, background_rgb=(0, 200, 200))
    out = synthesize.synthesize(cards, backgrounds, tf.constant([1, 1]), config)
    for image, quad in zip(out["image"].numpy(), out["corners"].numpy()):
        far = np.array([x for x in [(2, 2), (125, 2), (2, 125), (125, 125)]
                        if np.linalg.norm(quad - x, axis=1).min() > 40])
        assert len(far)
        np.testing.assert_allclose(image[far[:, 1], far[:, 0]] * 255, [[0, 200, 200]] * len(far), atol=2)


def test_same_seed_same_batch():
    config = small_config()
    cards, backgrounds = textures(config, [marked_card()] * 4)
    first = synthesize.synthesize(cards, backgrounds, tf.constant([7, 8]), config)
    again = synthesize.synthesize(cards, backgrounds, tf.constant([7, 8]), config)
    other = synthesize.synthesize(cards, backgrounds, tf.constant([7, 9]), config)
    np.testing.assert_array_equal(first["image"].numpy(), again["image"].numpy())
    assert np.abs(first["image"].numpy() - other["image"].numpy()).mean() > 0.01


def test_occluders_hide_at_most_one_corner():
    scene = dataclasses.replace(SCENE_OFF, occluder=Effect(1.0, 0.3, 0.6))
    config = small_config(size=96, scene=scene, photometric=PHOTOMETRIC_OFF)
    cards, backgrounds = textures(config, [marked_card()] * 32)
    hidden = synthesize.synthesize(cards, backgrounds, tf.constant([5, 5]), config)["occluded"].numpy()
    assert hidden.sum(axis=1).max() <= 1
    assert hidden.any()


SHADOW_LIGHT = 0.55     # the least light an occluder's shadow leaves (`occluders.render_occluders`)


def _around(image: np.ndarray, point: np.ndarray) -> np.ndarray:
    """The 2 x 2 pixels of [S, S] `image` whose centres surround `point` (fewer at the frame's edge)."""
    column, row = np.floor(point - 0.5).astype(int)
    return image[max(row, 0):row + 2, max(column, 0):column + 2]


@pytest.mark.parametrize("barrel", [0.0, 0.05], ids=["pinhole", "lens"])
def test_a_corner_is_flagged_occluded_where_the_pixels_show_the_occluder_over_it(barrel):
    """The same occluders over an all-black and an all-white scene: the difference of the two photos is
    how much of the scene shows through each pixel, 1 in the clear, 0 under an occluder, and at least
    `SHADOW_LIGHT` under its shadow alone. A corner is flagged when the occluder covers more than half of
    the corner point, so of the 2 x 2 pixels around it one at least is half hidden or more (shows 0.5 or
    less); around a corner not flagged, one at least is half clear (shows 0.5 * SHADOW_LIGHT or more)."""
    geometry = dataclasses.replace(GEOMETRY_OFF, scale=(0.5, 0.8), barrel=fixed_barrel(barrel))
    scene = dataclasses.replace(SCENE_OFF, occluder=Effect(1.0, 0.25, 0.35))
    config = small_config(size=256, scene=scene, photometric=PHOTOMETRIC_OFF, geometry=geometry)
    black, white = [synthesize.synthesize(*textures(config, [flat_card(grey)] * 24, background_rgb=grey),
                                          tf.constant([5, 5]), config) for grey in [(0, 0, 0), (255, 255, 255)]]
    shows = (white["image"] - black["image"]).numpy().mean(-1)                            # [B, S, S]
    flagged, corners = black["occluded"].numpy(), black["corners"].numpy()
    touched = 0                                        # corners not flagged, with an occluder or shadow on them
    for image, quad, flags in zip(shows, corners, flagged):
        for corner, flag in zip(quad, flags):
            around = _around(image, corner)
            if flag:
                assert around.min() <= 0.5, (corner, around)
            else:
                assert around.max() >= 0.5 * SHADOW_LIGHT, (corner, around)
                touched += around.min() < 1.0
    assert flagged.sum() >= 3 and touched >= 3, (flagged.sum(), touched)      # both sides were tried


def _inset(quad: np.ndarray, points: np.ndarray) -> np.ndarray:
    """[N] how far [N, 2] points lie inside the convex [4, 2] quad: their distance to its nearest edge's
    line (negative outside)."""
    following = np.roll(quad, -1, axis=0)
    edges = following - quad                                                              # [4, 2]
    relative = points[:, None] - quad[None]                                               # [N, 4, 2]
    cross = edges[:, 0] * relative[..., 1] - edges[:, 1] * relative[..., 0]               # [N, 4]
    turn = np.sign((quad[:, 0] * following[:, 1] - following[:, 0] * quad[:, 1]).sum())   # inside: cross's sign
    return (turn * cross / np.linalg.norm(edges, axis=-1)).min(axis=-1)


def test_neighbours_never_paint_over_the_labelled_card():
    """Neighbours lie under the labelled card, whatever their overlap: past its anti-aliased rim (1.5 px
    inside its quad) every pixel is its own colour.

    Each of the 9 cards has a colour of its own; image b's labelled card is card b, and its 8 neighbour
    slots show the 8 others. With the even cards see-through, their images show where neighbours reach
    under the labelled card: the first check had something to catch."""
    colours = np.array([(30 + 25 * i, 230 - 22 * i, (40 + 90 * i) % 256) for i in range(9)])
    scene = dataclasses.replace(SCENE_OFF, neighbor_slots=8, neighbor=Effect(1.0, -0.25, 0.0), loose_neighbor_p=0.5)
    geometry = dataclasses.replace(GEOMETRY_OFF, centre_p=1.0, barrel=fixed_barrel(0.0))
    config = small_config(size=128, scene=scene, photometric=PHOTOMETRIC_OFF, geometry=geometry)
    render = lambda cards: synthesize.synthesize(*textures(config, cards, background_rgb=(0, 0, 0)),  # noqa: E731
                                                 tf.constant([1, 2]), config)
    out = render([flat_card(colour) for colour in colours])
    images = out["image"].numpy().reshape(9, -1, 3)
    inside = [_inset(quad, pixel_centres(128)) > 1.5 for quad in out["corners"].numpy()]
    for image, colour, pixels in zip(images, colours, inside):
        assert np.abs(image[pixels] - colour / 255).max() < 1e-4
    see_through = render([flat_card(colour, alpha=255 * (i % 2)) for i, colour in enumerate(colours)])
    under = [(image[pixels].max(-1) > 0).sum() for image, pixels in
             zip(see_through["image"].numpy().reshape(9, -1, 3)[::2], inside[::2])]
    assert sum(under) > 20, under


def test_full_synthesis_gives_finite_photos_and_labels_of_the_right_shapes():
    """Every layer and effect at its defaults: the whole recipe runs. (Pixels lie in 0..1 by the final
    clip, and `present` implies `visible` by its definition, so neither is a check.)"""
    config = small_config()
    cards, backgrounds = textures(config, [marked_card()] * 8)
    out = synthesize.synthesize(cards, backgrounds, tf.constant([0, 0]), config)
    image = out["image"].numpy()
    assert image.shape == (8, 64, 64, 3) and image.dtype == np.float32
    assert np.isfinite(image).all()                     # the final clip passes NaN through (eagerly)
    assert out["corners"].shape == (8, 4, 2) and out["visible"].shape == out["occluded"].shape == (8, 4)
    assert out["present"].shape == (8,)
    corners = out["corners"].numpy()
    in_frame = ((corners >= 0) & (corners <= 64)).all(-1)
    assert (in_frame | ~out["visible"].numpy()).all()   # a visible corner lies in the frame


@pytest.mark.slow            # traces the whole default synthesis graph: ~15 s, unless a dump test traced it first
def test_a_layer_or_effect_nobody_gets_is_left_out_of_the_graph():
    """p == 0 must make synthesis cheaper, not just neutral: its ops are not traced at all."""
    def scopes(config):
        cards, backgrounds = textures(config, [marked_card()] * 2)
        graph = synthesize.compile_synthesis(config, jit_compile=False).get_concrete_function(
            cards, backgrounds, tf.constant([0, 0])).graph
        return {op.name.split("/")[0] for op in graph.get_operations()} | {
            "/".join(op.name.split("/")[:2]) for op in graph.get_operations()}

    layers = {"neighbors", "binder", "piles", "spreads", "contact_shadow", "sleeves", "wear", "foil", "occluders",
              "dark_pairing", "photometric/jpeg", "photometric/blur", "letterbox"}
    full = scopes(small_config())
    assert layers <= full
    bare = scopes(small_config(scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF, geometry=GEOMETRY_OFF))
    assert not layers & bare
    assert {"geometry", "background", "card"} <= bare


def test_scene_off_knows_every_scene_field():
    """`SCENE_OFF` switches off every `Effect` of `SceneConfig` and the empty frames; any other field must be
    a setting that adds nothing (`SCENE_SETTINGS`), or a new layer would stay on in every "layers off" test."""
    other = {field.name for field in dataclasses.fields(SceneConfig) if not isinstance(field.default, Effect)}
    assert other - {"empty_p"} == SCENE_SETTINGS


def shadow_darkening(scene: SceneConfig, scale: tuple[float, float], tilt: float, seed: list[int]):
    """How much the contact shadow darkens six grey-table frames of `scene` (cards on the table, flat geometry):
    ([B, H, W] darkening, the shadowed batch)."""
    geometry = dataclasses.replace(GEOMETRY_OFF, scale=scale, max_tilt_deg=tilt, barrel=fixed_barrel(0.0))
    scene = dataclasses.replace(scene, table_p=1.0)
    config = small_config(size=128, scene=scene, photometric=PHOTOMETRIC_OFF, geometry=geometry)
    shadowed = dataclasses.replace(config, scene=dataclasses.replace(scene, contact_shadow=Effect(1.0, 0.6, 0.6)))
    cards, backgrounds = textures(config, [marked_card()] * 6, background_rgb=(200, 200, 200))
    plain = synthesize.synthesize(cards, backgrounds, tf.constant(seed), config)
    out = synthesize.synthesize(cards, backgrounds, tf.constant(seed), shadowed)
    darkening = (plain["image"].numpy() - out["image"].numpy()).mean(-1)        # [B, H, W]
    assert darkening.min() > -1e-5                                               # a shadow only darkens
    return darkening, out


def test_a_card_on_a_table_casts_a_soft_shadow_along_its_edges_only():
    import cv2
    darkening, out = shadow_darkening(SCENE_OFF, (0.5, 0.6), 20.0, [2, 3])
    for dark, quad in zip(darkening, out["corners"].numpy()):
        assert dark.max() > 0.2
        ys, xs = np.nonzero(dark > 0.05)
        distance = [cv2.pointPolygonTest(quad.astype(np.float32), (float(x) + 0.5, float(y) + 0.5), True)
                    for x, y in zip(xs, ys)]
        assert min(distance) > -8.0                # hugging the card (>0 is inside, under its soft edge)
        assert max(distance) < 1.5                 # and hidden under the card itself


def test_neighbours_on_a_table_cast_the_same_shadow():
    """Every card on the table casts the contact shadow, the neighbours too: darkened pixels hug some card's edges,
    and some lie far from the labelled card, along a neighbour's."""
    import cv2
    scene = dataclasses.replace(SCENE_OFF, neighbor_slots=4, neighbor=Effect(1.0, 0.1, 0.2), loose_neighbor_p=0.0)
    darkening, out = shadow_darkening(scene, (0.3, 0.35), 10.0, [4, 5])
    far_from_labelled = 0
    for dark, quads in zip(darkening, out["cards"].numpy()):                    # [K, 4, 2]: slot 0 the labelled
        quads = [quad.astype(np.float32) for quad in quads if np.abs(quad).sum() > 0]
        ys, xs = np.nonzero(dark > 0.05)
        for x, y in zip(xs, ys):
            point = (float(x) + 0.5, float(y) + 0.5)
            distance = [cv2.pointPolygonTest(quad, point, True) for quad in quads]
            assert max(distance) > -8.0, point                                   # hugging some card
            far_from_labelled += distance[0] < -12.0
    assert far_from_labelled > 20                                                # along the neighbours' edges


def _black_card_with(seed: list[int], **layer) -> tuple[np.ndarray, np.ndarray]:
    """Synthesises near-black cards, plain and with one scene layer switched on.

    Returns:
      (change [B, H, W, 3] the layer made to the image, corners [B, 4, 2]).
    """
    geometry = dataclasses.replace(GEOMETRY_OFF, scale=(0.5, 0.6), max_tilt_deg=20.0, barrel=fixed_barrel(0.0))
    config = small_config(size=128, scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF, geometry=geometry)
    black = np.full((176, 128, 4), 15, np.uint8)
    black[..., 3] = 255
    cards, backgrounds = textures(config, [black] * 6)
    plain = synthesize.synthesize(cards, backgrounds, tf.constant(seed), config)
    out = synthesize.synthesize(cards, backgrounds, tf.constant(seed),
                                dataclasses.replace(config, scene=dataclasses.replace(SCENE_OFF, **layer)))
    return out["image"].numpy() - plain["image"].numpy(), out["corners"].numpy()


def test_a_worn_card_whitens_along_its_rim_only():
    import cv2
    change, corners = _black_card_with([4, 5], wear=Effect(1.0, 1.0, 1.0))
    whitening = change.mean(-1)                                                   # [B, H, W]
    assert whitening.min() > -1e-5                                                # wear only whitens
    for white, quad in zip(whitening, corners):
        assert white.max() > 0.15
        ys, xs = np.nonzero(white > 0.02)
        distance = [cv2.pointPolygonTest(quad.astype(np.float32), (float(x) + 0.5, float(y) + 0.5), True)
                    for x, y in zip(xs, ys)]
        assert -1.0 < min(distance) and max(distance) < 4.0     # on the card, within a few pixels of its rim


def test_a_foil_card_gains_light_in_changing_hues_on_its_face_only():
    import cv2
    light, corners = _black_card_with([6, 7], foil=Effect(1.0, 0.6, 0.6))         # [B, H, W, 3]
    assert light.min() > -1e-5                                                    # a sheen only brightens
    for added, quad in zip(light, corners):
        card = cv2.fillConvexPoly(np.zeros(added.shape[:2], np.uint8), np.round(quad).astype(np.int32), 1)
        near_card = cv2.dilate(card, np.ones((5, 5), np.uint8))                    # its anti-aliased rim too
        assert np.abs(added[near_card == 0]).max() < 1e-5 and added[card == 1].max() > 0.1
        lit = added[(card == 1) & (added.sum(-1) > 0.05)]
        mix = lit / lit.sum(-1, keepdims=True)                                    # each pixel's share of R, G, B
        assert mix.std(axis=0).max() > 0.05                                       # the hue changes across the card


def test_a_black_bordered_card_is_put_on_a_darkened_background_and_a_white_bordered_one_is_not():
    config = small_config(size=64, scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF, geometry=GEOMETRY_OFF)
    paired = dataclasses.replace(config, scene=dataclasses.replace(SCENE_OFF, dark_pairing=Effect(1.0, 0.04, 0.15)))
    for border, darker in (((14, 13, 15), True), ((238, 236, 230), False)):
        cards, backgrounds = textures(config, [bordered_card(border)] * 8, background_rgb=(180, 180, 180))
        plain = synthesize.synthesize(cards, backgrounds, tf.constant([7, 8]), config)["image"].numpy()
        out = synthesize.synthesize(cards, backgrounds, tf.constant([7, 8]), paired)["image"].numpy()
        corner = np.s_[:, :2, :2]                    # a frame corner: background, as the card never reaches it
        if darker:
            assert np.all(out[corner] <= 0.15 + 1e-3) and np.all(plain[corner] > 0.6)
        else:
            np.testing.assert_array_equal(out, plain)

def test_compile_synthesis_traces_a_recipe_once():
    """Equal recipes (lists or tuples alike) share one traced function; another recipe or XLA gets its own."""
    listed = small_config(size=64, geometry=dataclasses.replace(GeometryConfig(), scale=[0.3, 0.6]))
    tupled = small_config(size=64, geometry=dataclasses.replace(GeometryConfig(), scale=(0.3, 0.6)))
    other = small_config(size=64, geometry=dataclasses.replace(GeometryConfig(), scale=(0.3, 0.7)))
    first = synthesize.compile_synthesis(listed, jit_compile=False)
    assert synthesize.compile_synthesis(tupled, jit_compile=False) is first
    assert synthesize.compile_synthesis(other, jit_compile=False) is not first
    assert synthesize.compile_synthesis(tupled, jit_compile=True) is not first
