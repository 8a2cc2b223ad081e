"""Downloads real Magic card images from Scryfall, politely and with a disk cache.

The TFDS builder's Scryfall config reads the `unique_artwork` bulk file (one
JSON array of card objects), keeps the cards that make good training images
(`is_usable`), draws an even mix of border colours and colour groups
(`parity_sample`), and fetches each card's image (`ScryfallClient.card_image`).

Scryfall's rules (scryfall.com/docs/api) shape the client: every request names
the application in its User-Agent and sends an Accept header, requests are
spaced to at most 10 per second, a 429 is answered by waiting `Retry-After`, and
everything downloaded is cached on disk so a rebuild asks for nothing twice.
Files are written to `<name>.tmp` and renamed into place, so an interrupted
build never leaves a half file that looks complete.
"""

import itertools
import json
import logging
import math
import os
import pathlib
import random
import re
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from PIL import Image

DEFAULT_API_URL = "https://api.scryfall.com"
API_URL_ENV = "SCRYFALL_API_URL"
USER_AGENT = "mtg-card-corners/0.1 (open-source card-corner detector; TFDS builder)"
ACCEPT = "application/json;q=0.9,*/*;q=0.8"
DEFAULT_BORDER_COLORS = ("black", "white", "borderless")
COLOR_GROUPS = ("W", "U", "B", "R", "G", "colorless", "multicolor")

MAX_BACKOFF_SECONDS = 60.0
_CHUNK_BYTES = 1 << 20
# Image kinds tried in order, with the suffix of the cached file: the 745x1040
# PNG has transparent rounded corners; the 672x936 JPEG is the fallback.
_IMAGE_KINDS = (("png", ".png"), ("large", ".jpg"))
_EXCLUDED_LAYOUTS = frozenset({"token", "emblem", "art_series", "double_faced_token"})
_NO_IMAGE_STATUSES = frozenset({"missing", "placeholder"})
_PLAYABLE = frozenset({"legal", "restricted"})
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


def api_url() -> str:
    """Returns the API base URL: `$SCRYFALL_API_URL` if set, else Scryfall's.

    Tests point the environment variable at a stand-in server.

    Returns:
      The base URL without a trailing "/".
    """
    return (os.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")


# `ScryfallClient.__init__` has an argument named `api_url` that hides the function.
_default_api_url = api_url


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
        as long, at most 60 s. Defaults to 1.
      session: the `requests.Session` to send with. Defaults to a new one.

    Attributes:
      skipped: `(card id, card name, reason)` for each card whose image could
        not be fetched.
    """

    def __init__(self, cache_dir: pathlib.Path, api_url: str | None = None,
                 requests_per_second: float = 10.0, timeout: float = 30.0,
                 max_retries: int = 5, backoff_seconds: float = 1.0,
                 session: requests.Session | None = None):
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
        self._min_interval = 1.0 / requests_per_second
        self._next_request_at = 0.0

    def bulk_cards(self, bulk_type: str = "unique_artwork") -> list[dict]:
        """Returns every card object in one of Scryfall's bulk files.

        The bulk index is asked for on every call (one small request); the
        file itself is downloaded only when no copy with the same `updated_at`
        is cached.

        Args:
          bulk_type: bulk file type, e.g. "unique_artwork" or "default_cards".

        Returns:
          The bulk file's JSON array of card objects.

        Raises:
          ScryfallError: the index or the file could not be downloaded.
        """
        entry = self._request(f"{self.api_url}/bulk-data/{bulk_type}", _json_body)
        stamp = _safe_name(entry["updated_at"])
        path = self.cache_dir / "bulk" / f"{bulk_type}-{stamp}.json"
        if not path.exists():
            self._download(entry["download_uri"], path)
        with path.open(encoding="utf-8") as file:
            return json.load(file)

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
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".tmp")
        try:
            self._request(url, lambda response: _write_body(response, partial))
            problem = check(partial) if check else None
            if problem:
                raise ScryfallError(url, problem)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def _request(self, url: str, read: Callable[[requests.Response], _T]) -> _T:
        """GETs `url` and returns `read(response)`, retrying what is worth retrying.

        `read` runs inside the retry loop, so a body cut short is retried too.

        Raises:
          ScryfallError: a 4xx other than 429, or retries exhausted.
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
                    delay = _retry_after(response) or self._backoff(attempt)
            except _RETRYABLE_ERRORS as error:
                problem, delay = self._describe(error), self._backoff(attempt)
            if attempt < self.max_retries:
                logger.warning("GET %s: %s; retrying in %.2f s", url, problem, delay)
                time.sleep(delay)
        raise ScryfallError(url, f"{problem}; gave up after {self.max_retries + 1} attempts")

    def _wait_for_turn(self) -> None:
        """Sleeps until at least the minimum interval has passed since the last request."""
        now = time.monotonic()
        if now < self._next_request_at:
            time.sleep(self._next_request_at - now)
        self._next_request_at = max(now, self._next_request_at) + self._min_interval

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
    text_fields = ("name", "id", "set", "border_color", "frame", "layout")
    metadata = {field: str(card.get(field) or "") for field in text_fields}
    metadata["full_art"] = bool(card.get("full_art", False))
    for field in ("colors", "color_identity"):
        metadata[field] = list(card.get(field) or [])
    return metadata


def _json_body(response: requests.Response) -> dict:
    """Returns a response's body parsed as JSON; raises ScryfallError if it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError as error:
        raise ScryfallError(response.url, f"body is not JSON ({error})") from error


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
