"""Downloads real Magic card images from Scryfall, politely and with a disk cache.

The TFDS builder's Scryfall config takes the `unique_artwork` bulk file (one
JSON array of card objects, about 190 MB) from `ScryfallClient.bulk_file`, or a
copy on disk from `local_bulk_file`, streams its cards (`BulkFile.cards`) into
`usable_cards`, which keeps the cards that make good training images (each cut
down to the fields the dataset reads), draws an even mix of border colours and
colour groups (`parity_sample`), and fetches each card's image
(`ScryfallClient.card_image`).

Scryfall's rules (scryfall.com/docs/api) shape the client: every request names
the application in its User-Agent and sends an Accept header, requests are
spaced to at most 10 per second, a 429 (a 30 s lockout) is answered by waiting
at least 30 s, and everything downloaded is cached on disk so a rebuild asks for
nothing twice. Files are written under a temporary name unique to the process
and renamed into place, so an interrupted build never leaves a half file that
looks complete, and builds sharing a folder never touch each other's partial
files.
"""

import dataclasses
import itertools
import json
import logging
import math
import os
import pathlib
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

import requests
from PIL import Image

from mtg_tfds import atomic_files

DEFAULT_API_URL = "https://api.scryfall.com"
API_URL_ENV = "SCRYFALL_API_URL"
USER_AGENT = "mtg-card-corners/0.1 (open-source card-corner detector; TFDS builder)"
ACCEPT = "application/json;q=0.9,*/*;q=0.8"
DEFAULT_BORDER_COLORS = ("black", "white", "borderless")
COLOR_GROUPS = ("W", "U", "B", "R", "G", "colorless", "multicolor")

MAX_BACKOFF_SECONDS = 60.0
# After a 429 Scryfall refuses every request for 30 s; asking sooner risks a ban.
LOCKOUT_SECONDS = 30.0
# A `Retry-After` longer than this is not slept through: the build stops and says when to come back.
MAX_RETRY_AFTER_SECONDS = 600.0
_CHUNK_BYTES = 1 << 20
# Characters of a bulk file read at a time.
_CHUNK_CHARS = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_CHARS = frozenset("0123456789+-.eE")
# Image kinds tried in order, with the suffix of the cached file: the 745x1040
# PNG has transparent rounded corners; the 672x936 JPEG is the fallback.
_IMAGE_KINDS = (("png", ".png"), ("large", ".jpg"))
_EXCLUDED_LAYOUTS = frozenset({"token", "emblem", "art_series", "double_faced_token"})
_NO_IMAGE_STATUSES = frozenset({"missing", "placeholder"})
_PLAYABLE = frozenset({"legal", "restricted"})
# The card fields `card_metadata` copies into the dataset, by type.
_TEXT_FIELDS = ("name", "id", "set", "border_color", "frame", "layout")
_LIST_FIELDS = ("colors", "color_identity")
# Raised while connecting or while reading the body; all are worth retrying.
# ChunkedEncodingError is what requests raises for a body shorter than its
# Content-Length.
_RETRYABLE_ERRORS = (
    requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


class ScryfallError(RuntimeError):
    """A request to Scryfall failed for good.

    The message is one line: `GET <url>: <what went wrong>`.

    Attributes:
      url: the URL that failed.
    """

    def __init__(self, url: str, problem: str):
        self.url = url
        super().__init__(" ".join(f"GET {url}: {problem}".split()))


class BulkFileError(RuntimeError):
    """A bulk file on disk is missing or is not a JSON array of card objects.

    The message is one line: `bulk file <path>: <what went wrong>`.

    Attributes:
      path: the file.
    """

    def __init__(self, path: pathlib.Path, problem: str):
        self.path = path
        super().__init__(" ".join(f"bulk file {path}: {problem}".split()))


def api_url() -> str:
    """Returns the API base URL: `$SCRYFALL_API_URL` if set, else Scryfall's.

    Tests point the environment variable at a stand-in server.

    Returns:
      The base URL without a trailing "/".
    """
    return (os.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")


# `ScryfallClient.__init__` has an argument named `api_url` that hides the function.
_default_api_url = api_url


@dataclasses.dataclass(frozen=True)
class BulkFile:
    """A bulk file on disk, and which of Scryfall's bulk files it is.

    Attributes:
      path: the JSON file, an array of card objects.
      updated_at: Scryfall's `updated_at` of the file; "" if unknown.
      download_uri: the URL it was downloaded from; "" if unknown.
    """
    path: pathlib.Path
    updated_at: str = ""
    download_uri: str = ""

    def cards(self) -> Iterator[dict]:
        """Yields the file's card objects one at a time.

        The file is streamed (`iter_json_array`), never read whole: a 190 MB
        bulk file takes about 700 MB of memory as one parsed list.

        Raises:
          BulkFileError: the file is not a JSON array of objects.
        """
        with self.path.open(encoding="utf-8") as file:
            try:
                for index, card in enumerate(iter_json_array(file)):
                    if not isinstance(card, dict):
                        raise BulkFileError(self.path, f"item {index} is not a card object")
                    yield card
            except ValueError as error:  # JSON syntax, or bytes that are not UTF-8
                raise BulkFileError(self.path, f"not a JSON array of cards ({error})") from None

    def as_metadata(self) -> dict[str, str]:
        """Returns the file's path, `updated_at` and `download_uri`, for the dataset's metadata."""
        return {"path": str(self.path), "updated_at": self.updated_at, "download_uri": self.download_uri}


def local_bulk_file(path: str | os.PathLike) -> BulkFile:
    """Returns a bulk file already on disk, such as one an earlier build downloaded.

    Scryfall serves only its current bulk file, so building from an older copy
    is how two builds made days apart draw the same cards. Where the copy came
    from is read from the `<stem>.bulk_data.json` that `ScryfallClient.bulk_file`
    writes beside each download; a file from elsewhere has none, and its
    `updated_at` and `download_uri` are "".

    Args:
      path: the bulk file.

    Returns:
      The file, with its absolute path.

    Raises:
      BulkFileError: no such file, or its `.bulk_data.json` is not readable JSON.
    """
    path = pathlib.Path(path).expanduser().absolute()
    if not path.is_file():
        raise BulkFileError(path, "no such file")
    entry_path = _bulk_entry_path(path)
    if not entry_path.exists():
        return BulkFile(path)
    try:
        entry = json.loads(entry_path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BulkFileError(path, f"{entry_path.name} is not JSON ({error})") from None
    return BulkFile(path, str(entry.get("updated_at", "")), str(entry.get("download_uri", "")))


class ScryfallClient:
    """Fetches bulk card data and card images, caching both under `cache_dir`.

    One client spaces all its requests at least `1 / requests_per_second`
    apart. It is not thread-safe: use one client per thread.

    Args:
      cache_dir: folder for `bulk/` and `images/`; created as needed.
      api_url: API base URL. Defaults to `api_url()` (the environment or Scryfall).
      requests_per_second: most requests sent per second. Defaults to 10,
        Scryfall's published limit.
      timeout: seconds to wait to connect and for each read. Defaults to 30.
      max_retries: retries after a 429, 5xx, timeout or broken connection.
        Defaults to 5.
      backoff_seconds: the first retry waits this long, each further one twice
        as long, at most 60 s. Defaults to 1. A 429 always waits at least
        `LOCKOUT_SECONDS`, and `Retry-After` overrides the backoff of a 5xx.
      session: the `requests.Session` to send with. Defaults to a new one.
      clock: the monotonic clock, in seconds, that spaces requests. Defaults
        to `time.monotonic`.
      sleep: what waits for the rate limit and between retries. Defaults to
        `time.sleep`; tests pass a fake with `clock` to check the waits
        without waiting.

    Attributes:
      skipped: `(card id, card name, reason)` for each card whose image could
        not be fetched.
    """

    def __init__(self, cache_dir: pathlib.Path, api_url: str | None = None,
                 requests_per_second: float = 10.0, timeout: float = 30.0,
                 max_retries: int = 5, backoff_seconds: float = 1.0,
                 session: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        _require(requests_per_second > 0, "requests_per_second", requests_per_second)
        _require(timeout > 0, "timeout", timeout)
        _require(max_retries >= 0, "max_retries", max_retries)
        _require(backoff_seconds >= 0, "backoff_seconds", backoff_seconds)
        self.cache_dir = pathlib.Path(cache_dir)
        self.api_url = (api_url or _default_api_url()).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.skipped: list[tuple[str, str, str]] = []
        self._session = session or requests.Session()
        self._clock = clock
        self._sleep = sleep
        self._min_interval = 1.0 / requests_per_second
        self._next_request_at = 0.0

    def bulk_file(self, bulk_type: str = "unique_artwork") -> BulkFile:
        """Returns Scryfall's current bulk file of one type, downloading it unless cached.

        The bulk index is asked for on every call (one small request); the
        file itself, `bulk/<type>-<updated_at>.json`, is downloaded only when
        no copy with the same `updated_at` is cached. Its index entry is kept
        beside it as `<type>-<updated_at>.bulk_data.json`, for
        `local_bulk_file`. Older copies are never deleted: Scryfall serves
        only the current file, and a build may name an older one.

        Args:
          bulk_type: bulk file type, e.g. "unique_artwork" or "default_cards".

        Returns:
          The cached file, with its `updated_at` and `download_uri`.

        Raises:
          ScryfallError: the index or the file could not be downloaded.
        """
        entry = self._request(f"{self.api_url}/bulk-data/{bulk_type}", _json_body)
        stamp = _safe_name(entry["updated_at"])
        path = self.cache_dir / "bulk" / f"{bulk_type}-{stamp}.json"
        if not path.exists():
            self._download(entry["download_uri"], path)
        entry_path = _bulk_entry_path(path)
        if not entry_path.exists():
            with atomic_files.replacing(entry_path) as partial:
                partial.write_text(json.dumps(entry), encoding="utf-8")
        return BulkFile(path, entry["updated_at"], entry["download_uri"])

    def card_image(self, card: dict) -> pathlib.Path | None:
        """Returns the path of the card's image, downloading it if not cached.

        Tries the `png` image, then the `large` JPEG. A downloaded file is kept
        only if PIL decodes it completely. When neither works the card is
        added to `skipped`, a warning is logged, and None is returned: one bad
        image never stops a build.

        Args:
          card: a Scryfall card object with `id`, `name` and `image_uris`.

        Returns:
          `cache_dir/images/<id>.png` or `<id>.jpg`, or None if skipped.
        """
        card_id = _safe_name(card["id"])
        cached = self._cached_image(card_id)
        if cached:
            return cached
        uris = card.get("image_uris") or {}
        problems = []
        for kind, suffix in _IMAGE_KINDS:
            if kind not in uris:
                continue
            path = self.cache_dir / "images" / f"{card_id}{suffix}"
            try:
                self._download(uris[kind], path, check=_image_problem)
                return path
            except ScryfallError as error:
                problems.append(f"{kind}: {error}")
        self._skip(card, "; ".join(problems) or "no png or large image URL")
        return None

    def _cached_image(self, card_id: str) -> pathlib.Path | None:
        """Returns a cached image of the card that decodes; deletes one that does not."""
        for _, suffix in _IMAGE_KINDS:
            path = self.cache_dir / "images" / f"{card_id}{suffix}"
            if not path.exists():
                continue
            if _image_problem(path) is None:
                return path
            logger.warning("Deleting unreadable cached image %s", path)
            path.unlink()
        return None

    def _skip(self, card: dict, reason: str) -> None:
        """Records and logs a card whose image could not be fetched."""
        card_id, name = str(card.get("id", "")), str(card.get("name", ""))
        self.skipped.append((card_id, name, reason))
        logger.warning("Skipping card %s (%s): %s", name, card_id, reason)

    def _download(self, url: str, path: pathlib.Path,
                  check: Callable[[pathlib.Path], str | None] | None = None) -> None:
        """Downloads `url` to `path` atomically, keeping it only if `check` passes.

        Args:
          url: what to download.
          path: where the finished file goes.
          check: returns a problem description for a bad file, or None.

        Raises:
          ScryfallError: the download failed or `check` found a problem.
        """
        with atomic_files.replacing(path) as partial:
            self._request(url, lambda response: _write_body(response, partial))
            problem = check(partial) if check else None
            if problem:
                raise ScryfallError(url, problem)

    def _request(self, url: str, read: Callable[[requests.Response], _T]) -> _T:
        """GETs `url` and returns `read(response)`, retrying what is worth retrying.

        `read` runs inside the retry loop, so a body cut short is retried too.

        Raises:
          ScryfallError: a 4xx other than 429, a `Retry-After` over
            `MAX_RETRY_AFTER_SECONDS`, or retries exhausted.
        """
        for attempt in range(self.max_retries + 1):
            self._wait_for_turn()
            try:
                with self._session.get(url, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
                                       timeout=self.timeout, stream=True) as response:
                    if response.status_code < 400:
                        return read(response)
                    problem = f"HTTP {response.status_code} {response.reason}"
                    if response.status_code != 429 and response.status_code < 500:
                        raise ScryfallError(url, f"{problem}, not retried")
                    delay = self._retry_delay(response, attempt)
                    if delay > MAX_RETRY_AFTER_SECONDS:
                        raise ScryfallError(url, f"{problem}, and Retry-After asks for {delay:.0f} s; not waiting "
                                                 f"that long here, try again later")
            except _RETRYABLE_ERRORS as error:
                problem, delay = self._describe(error), self._backoff(attempt)
            if attempt < self.max_retries:
                logger.warning("GET %s: %s; retrying in %.2f s", url, problem, delay)
                self._sleep(delay)
        raise ScryfallError(url, f"{problem}; gave up after {self.max_retries + 1} attempts")

    def _wait_for_turn(self) -> None:
        """Sleeps until at least the minimum interval has passed since the last request."""
        now = self._clock()
        if now < self._next_request_at:
            self._sleep(self._next_request_at - now)
        self._next_request_at = max(now, self._next_request_at) + self._min_interval

    def _retry_delay(self, response: requests.Response, attempt: int) -> float:
        """Returns how long to wait before retrying after a 429 or a 5xx.

        A 429 starts Scryfall's 30 s lockout, so it waits `LOCKOUT_SECONDS`, or
        longer if `Retry-After` asks. A 5xx waits `Retry-After` as given, 0
        included, and the exponential backoff when there is none.
        """
        retry_after = _retry_after(response)
        if response.status_code == 429:
            return max(LOCKOUT_SECONDS, retry_after or 0.0)
        return self._backoff(attempt) if retry_after is None else retry_after

    def _backoff(self, attempt: int) -> float:
        """Returns the exponential backoff before retry number `attempt + 1`."""
        return min(self.backoff_seconds * 2**attempt, MAX_BACKOFF_SECONDS)

    def _describe(self, error: requests.RequestException) -> str:
        """Returns a short description of a failed connection or read."""
        if isinstance(error, requests.Timeout):
            return f"timed out after {self.timeout:g} s"
        if isinstance(error, requests.exceptions.ChunkedEncodingError):
            return "body cut short (fewer bytes than Content-Length)"
        return f"connection failed: {error}"


def is_usable(card: dict) -> bool:
    """Says whether a card makes a good training image.

    Drops joke sets (`set_type == "funny"`), tokens, emblems, art-series cards,
    cards without a `png` or `large` image or whose image is missing or a
    placeholder, and cards legal in no format. Double-faced cards have images
    per face and none of their own, so they go too; split, flip and adventure
    cards (`card_faces` and one image of the whole card) stay.

    Args:
      card: a Scryfall card object.

    Returns:
      True if the card should be kept.
    """
    return (card.get("set_type") != "funny"
            and card.get("layout") not in _EXCLUDED_LAYOUTS
            and _has_image(card)
            and any(value in _PLAYABLE for value in (card.get("legalities") or {}).values()))


def _has_image(card: dict) -> bool:
    """Says whether the card has a real `png` or `large` image."""
    uris = card.get("image_uris") or {}
    return (bool(uris.get("png") or uris.get("large"))
            and card.get("image_status") not in _NO_IMAGE_STATUSES)


def usable_cards(cards: Iterable[dict]) -> list[dict]:
    """Returns the usable cards (`is_usable`), each cut down to the fields the dataset reads.

    A bulk file holds tens of thousands of cards of a few kB each. Keeping only
    what `parity_sample`, `ScryfallClient.card_image` and `card_metadata` read
    (and only the `png` and `large` image URLs) makes the kept cards a small
    fraction of the file's size in memory.

    Args:
      cards: card objects, e.g. `BulkFile.cards()`; read once.

    Returns:
      The usable cards, in their order, with the fields `card_metadata` reads
      and `image_uris`.
    """
    return [_dataset_fields(card) for card in cards if is_usable(card)]


def _dataset_fields(card: dict) -> dict:
    """Returns the card's metadata fields and its `png` and `large` image URLs."""
    fields = {field: card[field] for field in (*_TEXT_FIELDS, "full_art", *_LIST_FIELDS) if field in card}
    fields["image_uris"] = {kind: card["image_uris"][kind] for kind, _ in _IMAGE_KINDS
                            if kind in card["image_uris"]}
    return fields


def color_group(card: dict) -> str:
    """Returns the card's colour group, one of `COLOR_GROUPS`.

    Args:
      card: a Scryfall card object.

    Returns:
      The colour letter ("W", "U", "B", "R", "G") of a mono-coloured card,
      "colorless" for none, "multicolor" for two or more.
    """
    colors = card.get("colors") or []
    if not colors:
        return "colorless"
    return colors[0] if len(colors) == 1 else "multicolor"


def parity_sample(cards: list[dict], cycles: int,
                  border_colors: tuple[str, ...] = DEFAULT_BORDER_COLORS,
                  seed: int = 0) -> list[dict]:
    """Draws an even mix of border colours and colour groups.

    Each cycle takes one not-yet-taken card for every (border colour, colour
    group) pair, skipping pairs whose pool has run dry. Filter with
    `is_usable` first; this function does not.

    Args:
      cards: card objects to draw from.
      cycles: how many rounds to draw.
      border_colors: border colours to draw; silver and gold are drawn only
        if listed. Defaults to `DEFAULT_BORDER_COLORS`.
      seed: seed of the shuffle. The result depends only on the seed and the
        set of cards, not on their order.

    Returns:
      The drawn cards, cycle by cycle, each at most once.
    """
    _require(cycles >= 0, "cycles", cycles)
    pairs = list(itertools.product(border_colors, COLOR_GROUPS))
    pools = _shuffled_pools(cards, pairs, seed)
    sample = []
    for _ in range(cycles):
        for pair in pairs:
            if pools[pair]:
                sample.append(pools[pair].pop())
    return sample


def _shuffled_pools(cards: list[dict], pairs: list[tuple[str, str]],
                    seed: int) -> dict[tuple[str, str], list[dict]]:
    """Groups cards by (border colour, colour group) and shuffles each pool.

    Cards are de-duplicated by id and sorted by id before shuffling, so the
    order they came in does not matter.
    """
    pools = {pair: [] for pair in pairs}
    unique = {card["id"]: card for card in cards}
    for card_id in sorted(unique):
        pair = (unique[card_id].get("border_color"), color_group(unique[card_id]))
        if pair in pools:
            pools[pair].append(unique[card_id])
    rng = random.Random(seed)
    for pair in pairs:
        rng.shuffle(pools[pair])
    return pools


def card_metadata(card: dict) -> dict:
    """Returns the card fields the dataset stores beside each image.

    Args:
      card: a Scryfall card object.

    Returns:
      name, id, set, border_color, frame, layout (str, "" if missing),
      full_art (bool), colors and color_identity (lists, [] if missing).
    """
    metadata = {field: str(card.get(field) or "") for field in _TEXT_FIELDS}
    metadata["full_art"] = bool(card.get("full_art", False))
    for field in _LIST_FIELDS:
        metadata[field] = list(card.get(field) or [])
    return metadata


def iter_json_array(file: TextIO, chunk_chars: int = _CHUNK_CHARS) -> Iterator[object]:
    """Yields the items of the JSON array in a text file, one at a time.

    Reads `chunk_chars` characters at a time and decodes each item with
    `json.JSONDecoder.raw_decode`, so memory holds one chunk and one item
    rather than the whole array. Any layout of whitespace works.

    Args:
      file: an open text file (anything with `read(size)`) holding one JSON array.
      chunk_chars: characters read at a time.

    Yields:
      The array's items, in order, each decoded as `json.loads` would.

    Raises:
      ValueError: the text is not one JSON array; the one-line message says
        what was wrong at which character.
    """
    text = _ChunkedText(file, chunk_chars)
    text.take("[")
    if text.peek() == "]":
        text.take("]")
    else:
        yield text.decode()
        while text.take(",]") == ",":
            yield text.decode()
    if text.peek():
        raise text.error("text after the array")


class _ChunkedText:
    """A text file read a chunk at a time, with a read position, for `iter_json_array`.

    Reading the next chunk drops the text before the position, so at most a
    chunk and the value being decoded are held.
    """

    def __init__(self, file: TextIO, chunk_chars: int):
        _require(chunk_chars > 0, "chunk_chars", chunk_chars)
        self._file = file
        self._chunk_chars = chunk_chars
        self._decoder = json.JSONDecoder()
        self._buffer = ""
        self._position = 0   # in `_buffer`
        self._dropped = 0    # characters of the file before `_buffer`

    def peek(self) -> str:
        """Skips whitespace; returns the next character, or "" at the end of the file."""
        while True:
            self._position = _WHITESPACE.match(self._buffer, self._position).end()
            if self._position < len(self._buffer) or not self._read_chunk():
                return self._buffer[self._position:self._position + 1]

    def take(self, allowed: str) -> str:
        """Skips whitespace and consumes the next character, which must be one of `allowed`."""
        char = self.peek()
        if not char or char not in allowed:
            raise self.error(f"expected {' or '.join(map(repr, allowed))}")
        self._position += 1
        return char

    def decode(self) -> object:
        """Skips whitespace and decodes the JSON value that follows, reading on as needed."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._position)
            except json.JSONDecodeError as error:
                if self._read_chunk():  # the value may go on in the next chunk
                    continue
                raise self.error(error.msg, error.pos) from None
            # A number may go on in the next chunk, even past what was decoded
            # ("1.5e" of "1.5e3"): it is complete once something else follows.
            if (end < len(self._buffer) and self._buffer[end] not in _NUMBER_CHARS) or not self._read_chunk():
                self._position = end
                return value

    def error(self, problem: str, position: int | None = None) -> ValueError:
        """Returns a ValueError saying what is wrong at which character of the file.

        Args:
          problem: what is wrong.
          position: where, in the buffer; defaults to the read position.
        """
        position = self._position if position is None else position
        return ValueError(f"{problem} at character {self._dropped + position}")

    def _read_chunk(self) -> bool:
        """Appends the next chunk, dropping the text before the position; False at the end of the file."""
        chunk = self._file.read(self._chunk_chars)
        if not chunk:
            return False
        self._dropped += self._position
        self._buffer = self._buffer[self._position:] + chunk
        self._position = 0
        return True


def _json_body(response: requests.Response) -> dict:
    """Returns a response's body parsed as JSON; raises ScryfallError if it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError as error:
        raise ScryfallError(response.url, f"body is not JSON ({error})") from error


def _bulk_entry_path(path: pathlib.Path) -> pathlib.Path:
    """Returns where the bulk index entry of the bulk file at `path` is kept."""
    return path.with_name(f"{path.stem}.bulk_data.json")


def _write_body(response: requests.Response, path: pathlib.Path) -> None:
    """Streams a response's body into `path`."""
    with path.open("wb") as file:
        for chunk in response.iter_content(_CHUNK_BYTES):
            file.write(chunk)


def _retry_after(response: requests.Response) -> float | None:
    """Returns the response's `Retry-After` in seconds, or None if absent or not a number."""
    try:
        seconds = float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _image_problem(path: pathlib.Path) -> str | None:
    """Returns why the image at `path` does not decode completely, or None if it does."""
    try:
        with Image.open(path) as image:
            image.load()
    # PIL reports bad files as OSError, SyntaxError, ValueError, EOFError,
    # DecompressionBombError and others, depending on the format and the damage.
    except Exception as error:  # pylint: disable=broad-except
        return f"not a decodable image ({type(error).__name__}: {error})"
    return None


def _safe_name(text: str) -> str:
    """Returns `text` with every character unsafe in a file name replaced by "_"."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", str(text))


def _require(condition: bool, name: str, value: object) -> None:
    """Raises ValueError naming the argument when `condition` is false."""
    if not condition:
        raise ValueError(f"Invalid `{name}`. Received: {name}={value!r}")
