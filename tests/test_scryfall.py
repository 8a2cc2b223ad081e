"""Tests for `mtg_tfds.scryfall`, against the stand-in server in `scryfall_stand_in`."""

import collections
import concurrent.futures
import io
import json
import logging
import os
import random
import time

import pytest
from PIL import Image

from mtg_tfds import scryfall
from scryfall_stand_in import (BORDER_COLORS, BULK_INDEX_PATH, CORRUPT_IMAGES, DROPPED, JPEG_SIZE, SPLIT_CARD,
                               TRUNCATED_PNG, ScryfallStandIn, make_cards, png_bytes, write_bulk_file)

ALL_PAIRS = [(border, group) for border in scryfall.DEFAULT_BORDER_COLORS
             for group in scryfall.COLOR_GROUPS]


class FakeClock:
    """A clock and sleep for `ScryfallClient` that never wait.

    `sleep` records the wait in `sleeps` and moves the clock on. Reading the
    clock moves it on a second too, as if each request took that long, so the
    rate limit never waits and `sleeps` holds exactly the waits between retries.
    """

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def stand_in():
    with ScryfallStandIn() as server:
        yield server


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_client(stand_in, tmp_path, clock):
    """Returns a factory of clients that share one cache folder and `clock`, so never wait."""
    def make(**overrides) -> scryfall.ScryfallClient:
        options = {"cache_dir": tmp_path / "cache", "api_url": stand_in.url,
                   "requests_per_second": 1000.0, "timeout": 5.0, "max_retries": 3,
                   "backoff_seconds": 0.01, "clock": clock.monotonic, "sleep": clock.sleep}
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
    cards = scryfall.ScryfallClient(tmp_path, requests_per_second=1000.0).bulk_file().cards()
    assert [card["id"] for card in cards] == [card["id"] for card in stand_in.cards]


@pytest.mark.parametrize("argument, value", [
    ("requests_per_second", 0.0), ("timeout", 0.0), ("max_retries", -1), ("backoff_seconds", -1.0)])
def test_client_rejects_bad_arguments(tmp_path, argument, value):
    with pytest.raises(ValueError, match=argument):
        scryfall.ScryfallClient(tmp_path, **{argument: value})


# --- Politeness: headers, rate limit, retries ------------------------------------------------

def test_every_request_sends_user_agent_and_accept(stand_in, make_client):
    client = make_client()
    client.bulk_file()
    for card in good_cards(stand_in, 2) + [stand_in.card_named(TRUNCATED_PNG)]:
        client.card_image(card)
    assert len(stand_in.requests) == 6
    for request in stand_in.requests:
        assert request.headers["User-Agent"] == scryfall.USER_AGENT
        assert request.headers["Accept"] == "application/json;q=0.9,*/*;q=0.8"


def test_requests_are_spaced_by_rate_limit(stand_in, make_client):
    client = make_client(requests_per_second=10.0, clock=time.monotonic, sleep=time.sleep)
    client.bulk_file()
    for card in good_cards(stand_in, 3):
        client.card_image(card)
    times = [request.time for request in stand_in.requests]
    assert len(times) == 5
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= 0.085, gaps  # 0.1 s, less a little for network jitter


@pytest.mark.parametrize("status, retry_after, wait", [
    (429, None, 30.0),      # Scryfall's lockout, not the 0.01 s backoff
    (429, "0", 30.0),
    (429, "0.3", 30.0),
    (429, "45", 45.0),
    (429, "soon", 30.0),    # not a number of seconds
    (503, "0", 0.0),        # as given, 0 included
    (503, "2.5", 2.5),
    (503, None, 0.01),      # the backoff
    (500, None, 0.01),
])
def test_retry_waits(stand_in, make_client, clock, status, retry_after, wait):
    stand_in.fail(BULK_INDEX_PATH, status, retry_after=retry_after)
    make_client().bulk_file()
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2
    assert clock.sleeps == [wait]


@pytest.mark.parametrize("status", [429, 503])
def test_a_retry_after_of_hours_stops_with_one_line(stand_in, make_client, clock, status):
    stand_in.fail(BULK_INDEX_PATH, status, retry_after="7200")
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client().bulk_file()
    assert "Retry-After asks for 7200 s" in str(error.value) and "\n" not in str(error.value)
    assert clock.sleeps == [] and len(stand_in.requests_to(BULK_INDEX_PATH)) == 1


def test_rate_limit_waits_out_the_interval(make_client, clock):
    clock.monotonic = lambda: clock.now     # a clock that stands still between requests
    make_client(requests_per_second=4.0).bulk_file()
    assert clock.sleeps == [0.25]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_server_errors_are_retried(stand_in, make_client, status):
    stand_in.fail(stand_in.bulk_file_path, status)
    assert len(list(make_client().bulk_file().cards())) == len(stand_in.cards)
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 2


def test_backoff_doubles_and_is_capped(stand_in, make_client, clock):
    stand_in.fail(BULK_INDEX_PATH, 500, times=4)
    with pytest.raises(scryfall.ScryfallError):
        make_client(backoff_seconds=20.0, max_retries=3).bulk_file()
    assert clock.sleeps == [20.0, 40.0, 60.0]


def test_gives_up_after_max_retries(stand_in, make_client):
    stand_in.fail(BULK_INDEX_PATH, 500, times=10)
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client(max_retries=2).bulk_file()
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 3
    assert_one_line_naming(error, stand_in.url + BULK_INDEX_PATH, "500", "3 attempts")


def test_404_is_not_retried(stand_in, make_client):
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client().bulk_file("no_such_type")
    assert len(stand_in.requests) == 1
    assert_one_line_naming(error, stand_in.url + "/bulk-data/no_such_type", "404")


def test_timeout_is_retried(stand_in, make_client):
    stand_in.stall(BULK_INDEX_PATH, 1.0)
    assert len(list(make_client(timeout=0.2).bulk_file().cards())) == len(stand_in.cards)
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2


def test_timeouts_exhausted_raise(stand_in, make_client):
    stand_in.stall(BULK_INDEX_PATH, 1.0, times=2)
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client(timeout=0.2, max_retries=1).bulk_file()
    assert_one_line_naming(error, stand_in.url + BULK_INDEX_PATH, "timed out")


def test_body_cut_short_is_retried(stand_in, make_client):
    stand_in.cut_short(stand_in.bulk_file_path)
    assert len(list(make_client().bulk_file().cards())) == len(stand_in.cards)
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 2


def test_failed_download_leaves_no_file(stand_in, make_client, tmp_path):
    stand_in.cut_short(stand_in.bulk_file_path, times=4)
    with pytest.raises(scryfall.ScryfallError) as error:
        make_client(max_retries=3).bulk_file()
    assert_one_line_naming(error, stand_in.url + stand_in.bulk_file_path, "cut short")
    assert list((tmp_path / "cache" / "bulk").iterdir()) == []


def test_downloads_sharing_a_folder_keep_their_own_partial_files(stand_in, make_client, tmp_path):
    bulk_dir = tmp_path / "cache" / "bulk"
    release = stand_in.hold_body(stand_in.bulk_file_path)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        in_progress = pool.submit(make_client().bulk_file)
        theirs = _wait_for_one(bulk_dir, "*.tmp")
        stand_in.cut_short(stand_in.bulk_file_path, times=4)
        with pytest.raises(scryfall.ScryfallError):
            make_client(max_retries=3).bulk_file()     # fails, and deletes its own partial file only
        assert theirs.exists()
        release.set()
        bulk = in_progress.result(timeout=30)
    assert list(bulk.cards()) == stand_in.cards
    assert f".{os.getpid()}-" in theirs.name
    assert list(bulk_dir.glob("*.tmp")) == []


def _wait_for_one(folder, pattern):
    """Returns the one file in `folder` matching `pattern`, waiting up to 10 s for it to appear."""
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        found = list(folder.glob(pattern))
        if found:
            [path] = found
            return path
        time.sleep(0.01)
    raise AssertionError(f"no {pattern} in {folder}")


# --- Bulk data and image cache ---------------------------------------------------------------

def test_bulk_file_is_cached_per_updated_at(stand_in, make_client, tmp_path):
    first = make_client().bulk_file()
    second = make_client().bulk_file()
    assert first == second
    assert list(first.cards()) == stand_in.cards
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 1
    bulk_dir = tmp_path / "cache" / "bulk"
    assert first.path == bulk_dir / "unique_artwork-2024-11-20T10_02_31.594_00_00.json"
    assert first.path.is_file()

    stand_in.updated_at = "2024-11-21T10:02:31.594+00:00"
    make_client().bulk_file()
    assert len(stand_in.requests_to(stand_in.bulk_file_path)) == 1
    assert first.path.is_file()      # kept: a build may name it in `bulk_file`
    assert len(list(bulk_dir.glob("unique_artwork-*[0-9].json"))) == 2


def test_bulk_file_knows_where_it_came_from(stand_in, make_client):
    downloaded = make_client().bulk_file()
    assert downloaded.updated_at == stand_in.updated_at == "2024-11-20T10:02:31.594+00:00"
    assert downloaded.download_uri == stand_in.url + stand_in.bulk_file_path
    assert downloaded.as_metadata() == {"path": str(downloaded.path), "updated_at": downloaded.updated_at,
                                        "download_uri": downloaded.download_uri}
    assert scryfall.local_bulk_file(downloaded.path) == downloaded     # read back from its .bulk_data.json


def test_local_bulk_file_from_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "cards.json").write_text(json.dumps(make_cards("http://stand-in.invalid")))
    monkeypatch.chdir(tmp_path)
    bulk = scryfall.local_bulk_file("cards.json")
    assert bulk == scryfall.BulkFile(tmp_path / "cards.json")      # absolute; no updated_at or URI known
    assert list(bulk.cards()) == make_cards("http://stand-in.invalid")


def test_missing_local_bulk_file_is_one_line_naming_it(tmp_path):
    with pytest.raises(scryfall.BulkFileError) as error:
        scryfall.local_bulk_file(tmp_path / "nowhere.json")
    assert str(error.value) == f"bulk file {tmp_path / 'nowhere.json'}: no such file"


@pytest.mark.parametrize("text, problem", [
    ('[{"id": "a"}, {"id": ', "Expecting value at character 21"),
    ('{"object": "list"}', "expected '[' at character 0"),
    ('[{"id": "a"}, 7]', "item 1 is not a card object"),
    (b'["\xff"]', "utf-8"),
])
def test_bad_bulk_file_is_one_line_naming_it(tmp_path, text, problem):
    path = tmp_path / "bulk.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(scryfall.BulkFileError) as error:
        list(scryfall.BulkFile(path).cards())
    message = str(error.value)
    assert message.startswith(f"bulk file {path}: ") and problem in message and "\n" not in message


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


def test_usable_cards_keep_what_the_dataset_reads(stand_in, make_client):
    cards = make_cards(stand_in.url)
    kept = scryfall.usable_cards(iter(cards))
    usable = [card for card in cards if scryfall.is_usable(card)]
    assert [card["id"] for card in kept] == [card["id"] for card in usable]
    assert [scryfall.card_metadata(card) for card in kept] == [scryfall.card_metadata(card) for card in usable]
    assert ([card["id"] for card in scryfall.parity_sample(kept, cycles=2)]
            == [card["id"] for card in scryfall.parity_sample(usable, cycles=2)])
    assert all(set(card["image_uris"]) == {"png", "large"} for card in kept)
    assert "legalities" not in kept[0] and "card_faces" not in kept[usable.index(stand_in.card_named(SPLIT_CARD))]
    assert make_client().card_image(kept[0]).name == f"{kept[0]['id']}.png"


def test_card_metadata_fills_missing_fields():
    assert scryfall.card_metadata({}) == {
        "name": "", "id": "", "set": "", "border_color": "", "frame": "", "full_art": False,
        "colors": [], "color_identity": [], "layout": ""}


# --- Streaming the bulk file -----------------------------------------------------------------

ODD_ARRAY = ('[1234567, -2.5e10, 0, "a\\"b\\u00e9]", true, false, null, {"k": [1, {"x": "\u00e9,]"}]}, [],'
             ' {}, "\\ud83c\\udccf"]')


@pytest.mark.parametrize("text", [
    "[]", " \n[ ]\n", "[[]]", ODD_ARRAY, ODD_ARRAY.replace(", ", ",\n  "), ODD_ARRAY.replace(" ", ""),
    json.dumps(make_cards("http://stand-in.invalid"), indent=1)],
    ids=["empty", "empty with spaces", "nested", "odd", "odd one per line", "odd compact", "cards indented"])
@pytest.mark.parametrize("chunk_chars", [1, 2, 3, 7, 64, 1 << 20])
def test_iter_json_array_matches_json_loads(text, chunk_chars):
    assert list(scryfall.iter_json_array(io.StringIO(text), chunk_chars)) == json.loads(text)


class CountingReader:
    """A text file that counts its reads."""

    def __init__(self, file):
        self.file = file
        self.reads = 0

    def read(self, size):
        self.reads += 1
        return self.file.read(size)


def test_bulk_file_larger_than_a_chunk_is_streamed(tmp_path):
    path = tmp_path / "bulk.json"
    write_bulk_file(path, megabytes=3.5)                 # one card per line, as Scryfall's
    with path.open(encoding="utf-8") as file:
        expected = json.load(file)
    with path.open(encoding="utf-8") as file:
        reader = CountingReader(file)
        cards = scryfall.iter_json_array(reader)         # 1 MiB chunks
        first = next(cards)
        assert reader.reads == 1                         # lazily: one chunk read for the first card
        assert [first, *cards] == expected
    assert reader.reads == 5                             # 4 chunks, then the end of the file
    assert list(scryfall.BulkFile(path).cards()) == expected


@pytest.mark.parametrize("text, message", [
    ("", "expected '[' at character 0"),
    ("  ", "expected '[' at character 2"),
    ("[1,]", "Expecting value at character 3"),
    ("[1 2]", "expected ',' or ']' at character 3"),
    ("[1", "expected ',' or ']' at character 2"),
    ('[{"a": 1}', "expected ',' or ']' at character 9"),
    ('[{"a": 1', "Expecting ',' delimiter at character 8"),
    ("[1] x", "text after the array at character 4"),
])
@pytest.mark.parametrize("chunk_chars", [1, 3, 1 << 20])
def test_iter_json_array_rejects_what_is_not_one_array(text, message, chunk_chars):
    with pytest.raises(ValueError) as error:
        list(scryfall.iter_json_array(io.StringIO(text), chunk_chars))
    assert str(error.value) == message
