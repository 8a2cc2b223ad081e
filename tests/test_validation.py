"""`model.evaluation.validation`'s synthetic set: which card each sample shows, its cache, and the per-family
scores."""

import dataclasses
import json

import numpy as np
import pytest
import tensorflow as tf
from synthesis_helpers import GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, small_config

from augment_tf import pipeline, texture
from augment_tf.atlas_table import AtlasTable, card_groups, load_atlases
from augment_tf.config import GeometryConfig, SynthesisConfig
from augment_tf.scene import background
from model.evaluation import validation
from mtg_tfds.generators.card_families import FAMILIES

# Upright cards filling most of the frame, nothing else drawn: each sample's border can be read off its pixels.
UPRIGHT = SynthesisConfig(size=256, card_height=512, scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF,
                          geometry=dataclasses.replace(GEOMETRY_OFF, scale=(0.8, 0.85), max_rotation_deg=0.0,
                                                       max_tilt_deg=0.0, max_shear=0.0,
                                                       barrel=dataclasses.replace(GeometryConfig().barrel, p=0.0)))
SMALL = small_config(scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF)
_LUMA = np.array([0.299, 0.587, 0.114])


@pytest.fixture(scope="module")
def builder(tiny_dataset):
    return pipeline.load_builder(tiny_dataset, "procedural_tiny")


def _rim_luma(image: np.ndarray, corners: np.ndarray) -> float:
    """The mean luma of a photo's pixels 2.5 px inside the middle of the card's left, right and top edges."""
    tl, tr, br, bl = corners
    points = [(tl + bl) / 2 + [2.5, 0], (tr + br) / 2 - [2.5, 0], (tl + tr) / 2 + [0, 2.5]]
    return float(np.mean([image[int(y), int(x)] @ _LUMA for x, y in points]) / 255)


@pytest.mark.slow                   # synthesises 16 photos at 256 px: ~8 s on 2 cores
def test_each_sample_records_the_family_and_border_of_the_card_it_shows(builder, tmp_path):
    val = validation.synthetic_set(builder, UPRIGHT, 16, seed=validation.VAL_SEED, held_out=False,
                                   cache=tmp_path / "val_set.npz")
    assert val["family"].shape == val["border"].shape == (16,) and set(val["family"]) <= set(FAMILIES)
    groups = card_groups(builder, "cards")                        # the table's rows, as `AtlasTable.rows` names them
    table = AtlasTable(*load_atlases(builder, UPRIGHT, "cards", "backgrounds"))
    # Each sample's rim, as photographed, against the texture rim of the card its record names (the tiny
    # dataset's families are one card each): a record naming another card would miss it.
    layout = texture.AtlasLayout(UPRIGHT.card_height, UPRIGHT.card_width, UPRIGHT.mip_levels)
    own_rim = dict(zip(groups["family"], background.rim_luminance(table.cards, layout).numpy()))
    expected = np.array([own_rim[family] for family in val["family"]])
    seen = np.array([_rim_luma(image, corners) for image, corners in zip(val["image"], val["corners"])])
    assert np.ptp(expected) > 0.3, "every sample shows a card with the same rim: the test tells nothing"
    np.testing.assert_allclose(seen, expected, atol=0.15)
    assert np.all(seen[val["border"] == "black"] < 0.25)
    rows = table.rows(tf.constant([validation.VAL_SEED, 0]), 16)[0].numpy()
    np.testing.assert_array_equal(groups["family"][rows], val["family"])
    np.testing.assert_array_equal(tf.gather(table.cards, rows), table.draw(tf.constant([validation.VAL_SEED, 0]),
                                                                          16)[0])


@pytest.mark.slow                   # synthesises 4 photos: ~10 s on 2 cores, most of it tracing the synthesis
def test_a_cache_from_before_the_labels_is_rebuilt_with_them(builder, tmp_path):
    cache = tmp_path / "val_set.npz"
    old = json.dumps({"config": SMALL.to_dict(), "num": 4, "seed": 1, "cards": "cards",
                      "dataset": builder.info.full_name, "backgrounds": "backgrounds"}, sort_keys=True)
    np.savez(cache, fingerprint=old, image=np.zeros([4, 64, 64, 3], np.uint8), corners=np.zeros([4, 4, 2]),
             present=np.ones(4, bool))
    val = validation.synthetic_set(builder, SMALL, 4, seed=1, held_out=False, cache=cache)
    assert val["image"].any() and len(val["family"]) == 4
    with np.load(cache) as stored:
        np.testing.assert_array_equal(stored["border"], val["border"])
    again = validation.synthetic_set(builder, SMALL, 4, seed=1, held_out=False, cache=cache)
    np.testing.assert_array_equal(again["family"], val["family"])


def test_synthetic_groups_score_each_family_and_border_over_present_samples():
    card = np.array([[10, 10], [50, 10], [50, 66], [10, 66]], np.float32)
    val = {"image": np.zeros([4, 64, 64, 3], np.uint8), "corners": np.stack([card] * 4),
           "present": np.array([True, True, True, False]), "family": np.array(["1993", "1993", "saga", "saga"]),
           "border": np.array(["black", "white", "black", "black"])}
    predicted = np.stack([np.roll(card, 1, axis=0), card, card, card + 30])     # the first read turned
    groups = validation.synthetic_groups(val, predicted)
    assert groups["family"]["1993"]["turned"] == 0.5 and groups["family"]["saga"]["count"] == 1
    assert groups["border"]["black"]["count"] == 2 and groups["border"]["black"]["turned"] == 0.5
    assert groups["border"]["white"]["within3_aware"] == 1
