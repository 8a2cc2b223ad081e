"""The Scryfall config end to end, against the stand-in Scryfall on 127.0.0.1.

`tfds build mtg_tfds --config scryfall` runs as a command; the other builds run
in this process, with one parity cycle, to stay quick.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds

from augment_tf import pipeline
from mtg_tfds import card_shape, scryfall
from mtg_tfds import mtg_tfds_dataset_builder as builder_module

from conftest import DUMMY_BACKGROUNDS
from scryfall_stand_in import BULK_INDEX_PATH, CORRUPT_IMAGES, TRUNCATED_PNG, ScryfallStandIn

REPO = pathlib.Path(__file__).parent.parent


def _tfds_build(stand_in: ScryfallStandIn, data_dir: pathlib.Path, *extra: str,
                config: str = "scryfall") -> subprocess.CompletedProcess:
    env = {**os.environ, "SCRYFALL_API_URL": stand_in.url}
    tfds_cli = pathlib.Path(sys.executable).parent / "tfds"
    return subprocess.run([str(tfds_cli), "build", "mtg_tfds", "--config", config, "--data_dir", str(data_dir),
                           *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def _build(data_dir: pathlib.Path, name: str, **options) -> tfds.core.DatasetBuilder:
    """Builds a one-cycle Scryfall config in this process; returns it reloaded from its files."""
    config = builder_module.MtgConfig(name=name, source="scryfall", cycles=1,
                                      backgrounds_dir=str(DUMMY_BACKGROUNDS), **options)
    builder_module.Builder(config=config, data_dir=str(data_dir)).download_and_prepare(
        download_config=tfds.download.DownloadConfig(compute_stats=tfds.download.ComputeStatsMode.SKIP))
    return pipeline.load_builder(data_dir, name)


def _card_ids(builder: tfds.core.DatasetBuilder) -> set[str]:
    return {card["id"].decode() for card in tfds.as_numpy(builder.as_dataset(split="cards"))}


@pytest.mark.slow                                     # `tfds build` subprocesses: ~40 s
def test_scryfall_config_builds_from_a_stand_in_and_reuses_its_cache(tmp_path):
    with ScryfallStandIn() as stand_in:
        truncated = stand_in.card_named(TRUNCATED_PNG)
        # A 503 with `Retry-After: 0` is retried at once; a 429 would wait Scryfall's 30 s
        # lockout (tests/test_scryfall.py checks the waits).
        stand_in.fail(BULK_INDEX_PATH, status=503, retry_after="0")
        stand_in.fail(stand_in.image_path(stand_in.cards[0], "png"), status=500)
        expected = scryfall.parity_sample([c for c in stand_in.cards if scryfall.is_usable(c)], cycles=10)
        expected_names = {c["name"] for c in expected} - {CORRUPT_IMAGES}
        assert TRUNCATED_PNG in expected_names and stand_in.cards[0]["name"] in expected_names

        first = _tfds_build(stand_in, tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        assert "Skipped 1 Scryfall cards" in first.stdout + first.stderr and CORRUPT_IMAGES in first.stdout
        assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2      # the 503 was retried
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
        bulk_path = tmp_path / "downloads" / "scryfall" / "bulk" / "unique_artwork-2024-11-20T10_02_31.594_00_00.json"
        assert builder.info.metadata["scryfall_bulk_file"] == {
            "path": str(bulk_path), "updated_at": "2024-11-20T10:02:31.594+00:00",
            "download_uri": stand_in.url + stand_in.bulk_file_path}

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


def test_bulk_file_config_draws_the_cards_of_an_earlier_build(tmp_path, monkeypatch):
    with ScryfallStandIn() as stand_in:
        monkeypatch.setenv(scryfall.API_URL_ENV, stand_in.url)
        first = _build(tmp_path, "scryfall_first")
        recorded = first.info.metadata["scryfall_bulk_file"]
        assert recorded["updated_at"] == stand_in.updated_at
        assert recorded["download_uri"] == stand_in.url + stand_in.bulk_file_path

        # A day later Scryfall serves a new file, without the first card of every pair.
        stand_in.publish("2024-11-21T10:02:31.594+00:00",
                         [card for card in stand_in.cards if not card["name"].endswith(" 1")])
        later = _build(tmp_path, "scryfall_later")
        assert later.info.metadata["scryfall_bulk_file"]["updated_at"] == "2024-11-21T10:02:31.594+00:00"
        assert _card_ids(later) != _card_ids(first)

        index_requests = len(stand_in.requests_to(BULK_INDEX_PATH))
        pinned = _build(tmp_path, "scryfall_pinned", bulk_file=recorded["path"])
        assert _card_ids(pinned) == _card_ids(first)
        assert pinned.info.metadata["scryfall_bulk_file"] == recorded
        assert len(stand_in.requests_to(BULK_INDEX_PATH)) == index_requests      # nothing downloaded


def test_http_error_ends_the_build_with_one_line_naming_the_url(tmp_path, monkeypatch):
    with ScryfallStandIn() as stand_in:
        monkeypatch.setenv(scryfall.API_URL_ENV, stand_in.url)
        stand_in.fail(BULK_INDEX_PATH, status=404)
        with pytest.raises(SystemExit) as exit_info:
            _build(tmp_path, "scryfall_404")
    assert str(exit_info.value) == f"error: GET {stand_in.url}{BULK_INDEX_PATH}: HTTP 404 Not Found, not retried"


@pytest.mark.slow                                     # the `tfds build` command line, in a subprocess
def test_missing_bulk_file_ends_tfds_build_with_one_line_naming_it(tmp_path):
    missing = tmp_path / "nowhere.json"
    config = {"name": "scryfall_missing", "source": "scryfall", "bulk_file": str(missing)}
    with ScryfallStandIn() as stand_in:
        result = _tfds_build(stand_in, tmp_path, config=json.dumps(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"error: bulk file {missing}: no such file"
    assert stand_in.requests == []
