"""`tfds build mtg_tfds --config scryfall` end to end, against the stand-in Scryfall on 127.0.0.1."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import tensorflow_datasets as tfds

from augment_tf import pipeline
from mtg_tfds import card_shape, scryfall

from scryfall_stand_in import BULK_INDEX_PATH, CORRUPT_IMAGES, TRUNCATED_PNG, ScryfallStandIn

REPO = pathlib.Path(__file__).parent.parent


def _tfds_build(stand_in: ScryfallStandIn, data_dir: pathlib.Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCRYFALL_API_URL": stand_in.url}
    tfds_cli = pathlib.Path(sys.executable).parent / "tfds"
    return subprocess.run([str(tfds_cli), "build", "mtg_tfds", "--config", "scryfall", "--data_dir", str(data_dir),
                           *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_scryfall_config_builds_from_a_stand_in_and_reuses_its_cache(tmp_path):
    with ScryfallStandIn() as stand_in:
        truncated = stand_in.card_named(TRUNCATED_PNG)
        stand_in.fail(BULK_INDEX_PATH, status=429, retry_after="0")
        stand_in.fail(stand_in.image_path(stand_in.cards[0], "png"), status=500)
        expected = scryfall.parity_sample([c for c in stand_in.cards if scryfall.is_usable(c)], cycles=10)
        expected_names = {c["name"] for c in expected} - {CORRUPT_IMAGES}
        assert TRUNCATED_PNG in expected_names and stand_in.cards[0]["name"] in expected_names

        first = _tfds_build(stand_in, tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        assert "Skipped 1 Scryfall cards" in first.stdout + first.stderr and CORRUPT_IMAGES in first.stdout
        assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2      # the 429 was retried
        assert len(stand_in.requests_to(stand_in.image_path(stand_in.cards[0], "png"))) == 2  # so was the 500
        for request in stand_in.requests:
            assert "mtg-card-corners" in request.headers["User-Agent"]
            assert "application/json" in request.headers["Accept"]

        builder = pipeline.load_builder(tmp_path, "scryfall")
        cards = {c["name"].decode(): c for c in tfds.as_numpy(builder.as_dataset(split="cards"))}
        assert set(cards) == expected_names
        fallback = cards[TRUNCATED_PNG]                             # its png was cut short: `large` instead
        height, width = fallback["image"].shape[:2]
        assert (width, height) == (67, 93) and fallback["image"][0, 0, 3] == 0
        np.testing.assert_array_equal(fallback["corners"], card_shape.card_corners(width, height))
        assert fallback["id"].decode() == truncated["id"] and fallback["set"] == b"tst"
        assert builder.info.splits["backgrounds"].num_examples > 0

        images_before = [r for r in stand_in.requests if r.path.endswith((".png", ".jpg"))]
        bulk_before = len(stand_in.requests_to(stand_in.bulk_file_path))
        second = _tfds_build(stand_in, tmp_path, "--overwrite")
        assert second.returncode == 0, second.stderr[-3000:]
        images_after = [r for r in stand_in.requests if r.path.endswith((".png", ".jpg"))]
        corrupt_paths = {stand_in.image_path(stand_in.card_named(CORRUPT_IMAGES), kind) for kind in ("png", "large")}
        assert {r.path for r in images_after[len(images_before):]} <= corrupt_paths   # only the skipped card again
        assert len(stand_in.requests_to(stand_in.bulk_file_path)) == bulk_before       # bulk file cached
        rebuilt = pipeline.load_builder(tmp_path, "scryfall")
        assert rebuilt.info.splits["cards"].num_examples == len(expected_names)
