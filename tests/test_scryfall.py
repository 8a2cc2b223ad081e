"""Tests for `mtg_tfds.scryfall`, against the stand-in server in `scryfall_stand_in`."""

import collections
import logging
import random
import time
import types

import pytest
from PIL import Image

from mtg_tfds import scryfall
from scryfall_stand_in import (BORDER_COLORS, BULK_INDEX_PATH, CORRUPT_IMAGES, DROPPED, JPEG_SIZE, SPLIT_CARD,
                               TRUNCATED_PNG, ScryfallStandIn, make_cards, png_bytes)

ALL_PAIRS = [(border, group) for border in scryfall.DEFAULT_BORDER_COLORS
             for group in scryfall.COLOR_GROUPS]


@pytest.fixture
def stand_in():
    with ScryfallStandIn() as server:
        yield server


@pytest.fixture
def make_client(stand_in, tmp_path):
    """Returns a factory of fast clients that share one cache folder."""
    def make(**overrides) -> scryfall.ScryfallClient:
        options = {"cache_dir": tmp_path / "cache", "api_url": stand_in.url,
                   "requests_per_second": 1000.0, "timeout": 5.0, "max_retries": 3,
                   "backoff_seconds": 0.01}
        return scryfall.ScryfallClient(**{**options, **overrides})
    return make


@pytest.fixture
def usable_cards():
    return [card for card in make_cards("http://stand-in.invalid") if scryfall.is_usable(card)]


def good_cards(stand_in, count):
    """Returns the first `count` cards whose images are fine."""
    return [card for card in stand_in.cards if scryfall.is_usable(card)
            and card["name"] not in (TRUNCATED_PNG, CORRUPT_IMAGES)][:count]


def image_requests(stand_in):
    return [request for request in stand_in.requests if "/front/" in request.path]


def assert_one_line_naming(error, url, *words):
    message = str(error.value)
    assert "\n" not in message
    assert url in message
    for word in words:
        assert word in message


# --- Configuration ---------------------------------------------------------------------------

def test_api_url_reads_environment(monkeypatch):
    monkeypatch.setenv(scryfall.API_URL_ENV, "http://localhost:1234/")
    assert scryfall.api_url() == "http://localhost:1234"
    monkeypatch.delenv(scryfall.API_URL_ENV)
    assert scryfall.api_url() == scryfall.DEFAULT_API_URL


def test_client_uses_environment_url(stand_in, monkeypatch, tmp_path):
    monkeypatch.setenv(scryfall.API_URL_ENV, stand_in.url + "/")
    cards = scryfall.ScryfallClient(tmp_path, requests_per_second=1000.0).bulk_cards()
    assert [card["id"] for card in cards] == [card["id"] for card in stand_in.cards]


@pytest.mark.parametrize("argument, value", [
    ("requests_per_second", 0.0), ("timeout", 0.0), ("max_retries", -1), ("backoff_seconds", -1.0)])
def test_client_rejects_bad_arguments(tmp_path, argument, value):
    with pytest.raises(ValueError, match=argument):
        scryfall.ScryfallClient(tmp_path, **{argument: value})


# --- Politeness: headers, rate limit, retries ------------------------------------------------

def test_every_request_sends_user_agent_and_accept(stand_in, make_client):
    client = make_client()
    client.bulk_cards()
    for card in good_cards(stand_in, 2) + [stand_in.card_named(TRUNCATED_PNG)]:
        client.card_image(card)
    assert len(stand_in.requests) == 6
    for request in stand_in.requests:
        assert request.headers["User-Agent"] == scryfall.USER_AGENT
        assert request.headers["Accept"] == "application/json;q=0.9,*/*;q=0.8"


def test_requests_are_spaced_by_rate_limit(stand_in, make_client):
    client = make_client(requests_per_second=10.0)
    client.bulk_cards()
    for card in good_cards(stand_in, 3):
        client.card_image(card)
    times = [request.time for request in stand_in.requests]
    assert len(times) == 5
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= 0.085, gaps  # 0.1 s, less a little for network jitter


def test_429_waits_retry_after_then_retries(stand_in, make_client):
    stand_in.fail(BULK_INDEX_PATH, 429, retry_after="0.3")
    cards = make_client(backoff_seconds=0.01).bulk_cards()
    assert len(cards) == len(stand_in.cards)
    first, second = stand_in.requests_to(BULK_INDEX_PATH)
    assert second.time - first.time >= 0.28


@pytest.mark.parametrize("status", [429, 500, 503])
def test_server_errors_are_retried(stand_in, make_client, status):
    stand_in.fail(stand_in.bulk_file_path, status)
    assert len(make_client().bulk_cards()) == len(stand_in.cards)
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 2


def test_backoff_doubles_and_is_capped(stand_in, make_client, monkeypatch):
    sleeps = []
    monkeypatch.setattr(scryfall, "time", types.SimpleNamespace(
        monotonic=time.monotonic, sleep=sleeps.append))
    stand_in.fail(BULK_INDEX_PATH, 500, times=4)
    with pytest.raises(scryfall.ScryfallError):
        make_client(backoff_seconds=20.0, max_retries=3).bulk_cards()
    assert [seconds for seconds in sleeps if seconds >= 1] == [20.0, 40.0, 60.0]


def test_gives_up_after_max_retries(stand_in, make_client):
    stand_in.fail(BULK_INDEX_PATH, 500, times=10)
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client(max_retries=2).bulk_cards()
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 3
    assert_one_line_naming(error, stand_in.url + BULK_INDEX_PATH, "500", "3 attempts")


def test_404_is_not_retried(stand_in, make_client):
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client().bulk_cards("no_such_type")
    assert len(stand_in.requests) == 1
    assert_one_line_naming(error, stand_in.url + "/bulk-data/no_such_type", "404")


def test_timeout_is_retried(stand_in, make_client):
    stand_in.stall(BULK_INDEX_PATH, 1.0)
    assert len(make_client(timeout=0.2).bulk_cards()) == len(stand_in.cards)
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2


def test_timeouts_exhausted_raise(stand_in, make_client):
    stand_in.stall(BULK_INDEX_PATH, 1.0, times=2)
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client(timeout=0.2, max_retries=1).bulk_cards()
    assert_one_line_naming(error, stand_in.url + BULK_INDEX_PATH, "timed out")


def test_body_cut_short_is_retried(stand_in, make_client):
    stand_in.cut_short(stand_in.bulk_file_path)
    assert len(make_client().bulk_cards()) == len(stand_in.cards)
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 2


def test_failed_download_leaves_no_file(stand_in, make_client, tmp_path):
    stand_in.cut_short(stand_in.bulk_file_path, times=4)
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client(max_retries=3).bulk_cards()
    assert_one_line_naming(error, stand_in.url + stand_in.bulk_file_path, "cut short")
    assert list((tmp_path / "cache" / "bulk").iterdir()) == []


# --- Bulk data and image cache ---------------------------------------------------------------

def test_bulk_file_is_cached_per_updated_at(stand_in, make_client, tmp_path):
    first = make_client().bulk_cards()
    second = make_client().bulk_cards()
    assert first == second == stand_in.cards
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 1
    bulk_dir = tmp_path / "cache" / "bulk"
    assert (bulk_dir / "unique_artwork-2024-11-20T10_02_31.594_00_00.json").is_file()

    stand_in.updated_at = "2024-11-21T10:02:31.594+00:00"
    make_client().bulk_cards()
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 1
    assert len(list(bulk_dir.iterdir())) == 2


def test_images_are_cached(stand_in, make_client):
    cards = good_cards(stand_in, 3) + [stand_in.card_named(TRUNCATED_PNG)]
    first = [make_client().card_image(card) for card in cards]
    requests_before = len(stand_in.requests)
    second = [make_client().card_image(card) for card in cards]
    assert len(stand_in.requests) == requests_before
    assert first == second
    assert [path.suffix for path in first] == [".png", ".png", ".png", ".jpg"]
    assert first[0].name == f"{cards[0]['id']}.png"
    assert first[0].read_bytes() == png_bytes()


def test_unreadable_cached_image_is_downloaded_again(stand_in, make_client, tmp_path):
    card = good_cards(stand_in, 1)[0]
    cached = tmp_path / "cache" / "images" / f"{card['id']}.png"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(png_bytes()[:100])
    assert make_client().card_image(card) == cached
    assert cached.read_bytes() == png_bytes()
    assert len(image_requests(stand_in)) == 1


def test_truncated_png_falls_back_to_large(stand_in, make_client):
    client = make_client()
    path = client.card_image(stand_in.card_named(TRUNCATED_PNG))
    assert path.suffix == ".jpg"
    with Image.open(path) as image:
        assert image.size == JPEG_SIZE
    assert not path.with_suffix(".png").exists()
    assert client.skipped == []


@pytest.mark.parametrize("fault", ["404", "cut short every time"])
def test_png_download_failure_falls_back_to_large(stand_in, make_client, fault):
    card = good_cards(stand_in, 1)[0]
    png_path = stand_in.image_path(card, "png")
    if fault == "404":
        stand_in.fail(png_path, 404)
    else:
        stand_in.cut_short(png_path, times=4)
    assert make_client(max_retries=3).card_image(card).suffix == ".jpg"
    assert len(stand_in.requests_to(png_path)) == (1 if fault == "404" else 4)


def test_corrupt_images_are_skipped_and_reported(stand_in, make_client, tmp_path, caplog):
    card = stand_in.card_named(CORRUPT_IMAGES)
    client = make_client()
    with caplog.at_level(logging.WARNING, logger=scryfall.__name__):
        assert client.card_image(card) is None
    [(card_id, name, reason)] = client.skipped
    assert (card_id, name) == (card["id"], card["name"])
    assert "png:" in reason and "large:" in reason and "not a decodable image" in reason
    assert CORRUPT_IMAGES in caplog.text
    assert list((tmp_path / "cache" / "images").iterdir()) == []


def test_card_without_image_urls_is_skipped(stand_in, make_client):
    client = make_client()
    assert client.card_image(stand_in.card_named("Dropped: modal double-faced")) is None
    assert client.skipped[0][2] == "no png or large image URL"
    assert stand_in.requests == []


# --- Card selection --------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DROPPED))
def test_is_usable_drops(name):
    card = next(card for card in make_cards("http://stand-in.invalid") if card["name"] == name)
    assert not scryfall.is_usable(card)


def test_is_usable_keeps_good_cards():
    kept = [card["name"] for card in make_cards("http://stand-in.invalid")
            if scryfall.is_usable(card)]
    assert len(kept) == len(make_cards("http://stand-in.invalid")) - len(DROPPED)
    assert not set(kept) & set(DROPPED)


def test_is_usable_keeps_a_split_card_whose_one_image_shows_both_halves():
    card = next(card for card in make_cards("http://stand-in.invalid") if card["name"] == SPLIT_CARD)
    assert "card_faces" in card and scryfall.is_usable(card)


def test_is_usable_counts_restricted_as_legal():
    card = make_cards("http://stand-in.invalid")[0]
    legalities = {"standard": "banned", "vintage": "restricted"}
    assert scryfall.is_usable({**card, "legalities": legalities})


@pytest.mark.parametrize("colors, group", [
    (["G"], "G"), (["W"], "W"), ([], "colorless"), (None, "colorless"), (["U", "R"], "multicolor")])
def test_color_group(colors, group):
    assert scryfall.color_group({"colors": colors}) == group


def pair_of(card):
    return card["border_color"], scryfall.color_group(card)


def test_parity_sample_covers_every_pair_once_per_cycle(usable_cards):
    pool_sizes = collections.Counter(map(pair_of, usable_cards))
    assert all(pool_sizes[pair] >= 2 for pair in ALL_PAIRS)
    sample = scryfall.parity_sample(usable_cards, cycles=2)
    assert len(sample) == 2 * len(ALL_PAIRS)
    for cycle in (sample[:len(ALL_PAIRS)], sample[len(ALL_PAIRS):]):
        assert sorted(map(pair_of, cycle)) == sorted(ALL_PAIRS)


@pytest.mark.parametrize("cycles", [0, 1, 3, 5])
def test_parity_sample_respects_cycles_and_empty_pools(usable_cards, cycles):
    pool_sizes = collections.Counter(map(pair_of, usable_cards))
    sample = scryfall.parity_sample(usable_cards, cycles=cycles)
    expected = {pair: min(cycles, pool_sizes[pair]) for pair in ALL_PAIRS}
    counts = collections.Counter(map(pair_of, sample))
    assert {pair: counts[pair] for pair in ALL_PAIRS} == expected
    assert len(sample) == sum(expected.values())
    assert len({card["id"] for card in sample}) == len(sample)


def test_parity_sample_is_deterministic(usable_cards):
    def ids(cards, seed):
        return [card["id"] for card in scryfall.parity_sample(cards, cycles=2, seed=seed)]
    shuffled = random.Random(7).sample(usable_cards, len(usable_cards))
    assert ids(usable_cards, seed=3) == ids(shuffled, seed=3) == ids(usable_cards[::-1], seed=3)
    assert ids(usable_cards, seed=3) != ids(usable_cards, seed=4)


def test_parity_sample_draws_silver_and_gold_only_when_asked(usable_cards):
    default = scryfall.parity_sample(usable_cards, cycles=1)
    assert {card["border_color"] for card in default} == set(scryfall.DEFAULT_BORDER_COLORS)
    everything = scryfall.parity_sample(usable_cards, cycles=1, border_colors=BORDER_COLORS)
    assert {card["border_color"] for card in everything} == set(BORDER_COLORS)
    assert len(everything) == len(BORDER_COLORS) * len(scryfall.COLOR_GROUPS)


def test_card_metadata_reads_fields(stand_in):
    card = {**stand_in.card_named("Gold multicolor 1"), "full_art": True, "frame": "1997"}
    assert scryfall.card_metadata(card) == {
        "name": "Gold multicolor 1", "id": card["id"], "set": "tst", "border_color": "gold",
        "frame": "1997", "full_art": True, "colors": ["U", "R"], "color_identity": ["U", "R"],
        "layout": "normal"}


def test_card_metadata_fills_missing_fields():
    assert scryfall.card_metadata({}) == {
        "name": "", "id": "", "set": "", "border_color": "", "frame": "", "full_art": False,
        "colors": [], "color_identity": [], "layout": ""}
