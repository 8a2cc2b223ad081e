"""The background lies in the card's plane (a card on a table) or faces the camera."""

import dataclasses

import numpy as np
import tensorflow as tf

from augment_tf import composite, geometry
from augment_tf.config import GeometryConfig, SceneConfig
from augment_tf.scene import background

SIZE, WIDTH, HEIGHT = 64, 92, 128


def _coordinates(table_p: float, batch: int = 32, depth_of_field=(0.0, 3.0)):
    card = geometry.sample_card_geometry(tf.constant([4, 2]), batch, SIZE, (WIDTH, HEIGHT), GeometryConfig())
    x, y = composite.pixel_centres(SIZE)
    plane = composite.plane_coords(card["homography"], x, y)
    config = dataclasses.replace(SceneConfig(), table_p=table_p, depth_of_field=depth_of_field)
    bx, by, lod, on_table = background.background_coordinates(tf.constant([1, 1]), card, plane, x, y, SIZE,
                                                              (WIDTH, HEIGHT), config)
    return np.stack([bx, by], -1), on_table.numpy(), plane, np.stack([x[0], y[0]], -1), lod.numpy()


def _affine_residual(source: np.ndarray, target: np.ndarray) -> float:
    """Largest error of the least-squares affine map from [P, 2] source to [P, 2] target points."""
    design = np.concatenate([source, np.ones_like(source[:, :1])], -1).astype(np.float64)
    solution, *_ = np.linalg.lstsq(design, target, rcond=None)
    return np.abs(design @ solution - target).max()


def test_a_table_background_moves_with_the_card_plane_and_a_flat_one_with_the_frame():
    coords, on_table, plane, pixels, _ = _coordinates(table_p=1.0)
    assert on_table.mean() > 0.5                   # most default geometries recede gently enough
    uv = np.stack([plane.u.numpy(), plane.v.numpy()], -1)
    perspective = []
    for b in range(len(coords)):
        if on_table[b]:
            assert _affine_residual(uv[b], coords[b]) < 1e-2
            perspective.append(_affine_residual(pixels, coords[b]))
        else:
            assert _affine_residual(pixels, coords[b]) < 1e-2
    assert max(perspective) > 1.0                  # tilted tables are foreshortened, not affine in the frame
    _, flat, _, _, _ = _coordinates(table_p=0.0)
    assert not flat.any()


def test_a_table_is_only_used_where_it_stays_in_front_and_recedes_gently():
    coords, on_table, plane, _, _ = _coordinates(table_p=1.0, batch=64)
    footprint = plane.texels_per_pixel.numpy()
    for b in np.flatnonzero(on_table):
        assert plane.in_front.numpy()[b].all()
        assert footprint[b].max() / footprint[b].min() < 40
    assert not on_table.all()                      # some frames see the plane too steeply


def test_a_held_cards_background_is_out_of_focus_and_a_tables_follows_its_footprint():
    _, _, _, _, sharp = _coordinates(table_p=0.0, depth_of_field=(0.0, 0.0))
    _, _, _, _, blurred = _coordinates(table_p=0.0, depth_of_field=(3.0, 3.0))
    np.testing.assert_allclose(blurred - sharp, 3.0, atol=1e-5)  # three mip levels coarser, everywhere
    assert np.ptp(sharp, axis=1).max() < 1e-5                    # a flat background: one footprint per image
    _, on_table, plane, _, lod = _coordinates(table_p=1.0)
    table = np.flatnonzero(on_table)
    np.testing.assert_allclose(np.ptp(lod[table], axis=1), np.ptp(plane.lod.numpy()[table], axis=1), atol=1e-4)
