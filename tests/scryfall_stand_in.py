"""A stand-in for Scryfall, served on 127.0.0.1 so tests never touch the network.

It answers what `mtg_tfds.scryfall` asks for, shaped like the real thing:

- `GET /bulk-data/unique_artwork`: the bulk index entry, whose `download_uri`
  points back at the stand-in.
- the bulk file: a JSON array of card objects built in code (`make_cards`),
  one card per `CARDS_PER_PAIR` for every border colour (silver and gold
  included) and colour group, plus `DROPPED` cards that `is_usable` must drop
  and two cards with broken images (`TRUNCATED_PNG`, `CORRUPT_IMAGES`).
- card images: a small RGBA PNG with transparent rounded corners for `png`,
  a small JPEG for every other kind.
- anything else: 404 with a Scryfall-style error object.

Example:

    with ScryfallStandIn() as stand_in:
        monkeypatch.setenv("SCRYFALL_API_URL", stand_in.url)
        stand_in.fail(BULK_INDEX_PATH, status=429, retry_after="0.2")
        cards = list(ScryfallClient(tmp_path).bulk_file().cards())
    assert len(stand_in.requests_to(BULK_INDEX_PATH)) == 2

Fault knobs; each applies to the next `times` requests for one path (the URL
path without its query string, e.g. `stand_in.image_path(card, "png")`):

- `fail(path, status, times=1, retry_after=None)`: answer with `status`.
- `stall(path, seconds, times=1)`: wait before answering (client timeouts).
- `cut_short(path, times=1)`: send an honest Content-Length but half the body.
- `hold_body(path)`: send half the body, then the rest once the returned
  event is set (a download caught in progress).

Every request is recorded in `requests` as a `RecordedRequest`. Set
`updated_at`, or call `publish`, to imitate Scryfall publishing a new bulk file.

`write_bulk_file` writes a synthetic bulk file of any size with cards the size
of Scryfall's, for measuring memory; from the shell:

    python tests/scryfall_stand_in.py /tmp/bulk.json 190     # about 190 MB
"""

import argparse
import dataclasses
import email.message
import functools
import http.server
import io
import itertools
import json
import re
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

import numpy as np
from PIL import Image

from mtg_tfds.card_shape import rounded_alpha

BULK_TYPE = "unique_artwork"
BULK_INDEX_PATH = f"/bulk-data/{BULK_TYPE}"
BORDER_COLORS = ("black", "white", "borderless", "silver", "gold")
GROUP_COLORS = {"W": ["W"], "U": ["U"], "B": ["B"], "R": ["R"], "G": ["G"],
                "colorless": [], "multicolor": ["U", "R"]}
CARDS_PER_PAIR = 2
PNG_SIZE = (75, 104)    # Scryfall's png is 745 x 1040.
JPEG_SIZE = (67, 93)    # Scryfall's large is 672 x 936.
TRUNCATED_PNG = "Fault: truncated png"        # png cut short, large fine.
SPLIT_CARD = "Kept: split card"               # two halves on one card: `card_faces` and one image
CORRUPT_IMAGES = "Fault: corrupt png and large"
# Cards `is_usable` must drop, each a good card with the changes shown;
# "card_faces" is filled in with two faces.
DROPPED = {
    "Dropped: funny set": {"set_type": "funny", "border_color": "silver"},
    "Dropped: token": {"layout": "token", "set_type": "token"},
    "Dropped: emblem": {"layout": "emblem", "set_type": "token"},
    "Dropped: art series": {"layout": "art_series", "set_type": "memorabilia"},
    "Dropped: double-faced token": {"layout": "double_faced_token", "card_faces": True,
                                    "image_uris": None},
    "Dropped: modal double-faced": {"layout": "modal_dfc", "card_faces": True,
                                    "image_uris": None},
    "Dropped: image missing": {"image_status": "missing"},
    "Dropped: image placeholder": {"image_status": "placeholder"},
    "Dropped: only small images": {"image_uris": "small"},
    "Dropped: not legal anywhere": {"legalities": {"standard": "not_legal",
                                                   "vintage": "banned"}},
}
_IMAGE_PATH = re.compile(r"/(?P<kind>[a-z_]+)/front/(?P<id>[0-9a-f-]+)\.(png|jpg)")
_ID_NAMESPACE = uuid.UUID("6f1c1c7e-2f0e-4c7b-9a43-3c0b2f3b6a10")


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    """One request the stand-in received.

    Attributes:
      path: the URL path, without the query string.
      headers: the request headers; look-ups ignore case.
      time: `time.monotonic()` when the request arrived.
    """
    path: str
    headers: email.message.Message
    time: float


@dataclasses.dataclass(frozen=True)
class _Fault:
    """How to misbehave on one request; the default is not at all."""
    status: int | None = None
    retry_after: str | None = None
    stall: float = 0.0
    cut_short: bool = False
    hold: threading.Event | None = None


class ScryfallStandIn:
    """The stand-in server. Start it with `start()` or `with`; stop with `stop()`.

    Attributes:
      url: base URL, e.g. "http://127.0.0.1:40123"; set `SCRYFALL_API_URL` to it.
      cards: the card objects in the bulk file (image URLs point at `url`).
      updated_at: the bulk entry's `updated_at`; changing it publishes a new file.
      requests: every `RecordedRequest`, oldest first.
    """

    def __init__(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stand_in = self
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.cards = make_cards(self.url)
        self.updated_at = "2024-11-20T10:02:31.594+00:00"
        self.requests: list[RecordedRequest] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._lock = threading.Lock()
        # A short poll interval makes `stop()` quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    def start(self) -> "ScryfallStandIn":
        """Starts serving in a daemon thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and closes the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "ScryfallStandIn":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def fail(self, path: str, status: int, times: int = 1,
             retry_after: str | None = None) -> None:
        """Answers the next `times` requests for `path` with `status` (and `Retry-After`)."""
        self._add_fault(path, _Fault(status=status, retry_after=retry_after), times)

    def stall(self, path: str, seconds: float, times: int = 1) -> None:
        """Waits `seconds` before answering the next `times` requests for `path`."""
        self._add_fault(path, _Fault(stall=seconds), times)

    def cut_short(self, path: str, times: int = 1) -> None:
        """Sends only half the body, with the full Content-Length, `times` times."""
        self._add_fault(path, _Fault(cut_short=True), times)

    def hold_body(self, path: str) -> threading.Event:
        """Sends half the body of the next request for `path`, the rest once the returned event is set.

        The rest goes after 30 s anyway, so a failing test cannot hang.
        """
        release = threading.Event()
        self._add_fault(path, _Fault(hold=release), 1)
        return release

    def publish(self, updated_at: str, cards: list[dict]) -> None:
        """Imitates Scryfall publishing a new bulk file, holding `cards`, at `updated_at`."""
        self.updated_at = updated_at
        self.cards = cards

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Returns the recorded requests for one path."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def card_named(self, name: str) -> dict:
        """Returns the card called `name`."""
        return next(card for card in self.cards if card["name"] == name)

    @staticmethod
    def image_path(card: dict, kind: str) -> str:
        """Returns the URL path of one of the card's images, e.g. kind "png"."""
        return urlsplit(card["image_uris"][kind]).path

    @property
    def bulk_file_path(self) -> str:
        """The URL path of the current bulk file; it changes with `updated_at`."""
        stamp = re.sub(r"\D", "", self.updated_at)[:14]
        return f"/unique-artwork/unique-artwork-{stamp}.json"

    def _add_fault(self, path: str, fault: _Fault, times: int) -> None:
        with self._lock:
            self._faults.setdefault(path, []).extend([fault] * times)

    def _receive(self, path: str, headers: email.message.Message) -> _Fault:
        """Records a request and returns the fault to apply to it."""
        with self._lock:
            self.requests.append(RecordedRequest(path, headers, time.monotonic()))
            queue = self._faults.get(path)
            return queue.pop(0) if queue else _Fault()

    def _respond(self, path: str) -> tuple[int, bytes, str]:
        """Returns (status, body, content type) for a request that is not faulted."""
        if path == BULK_INDEX_PATH:
            return 200, _json(self._bulk_entry()), "application/json"
        if path == self.bulk_file_path:
            return 200, _json(self.cards), "application/json"
        match = _IMAGE_PATH.fullmatch(path)
        if match:
            return 200, self._image(match["kind"], match["id"]), _content_type(match["kind"])
        return _error(404, f"No such path {path}.")

    def _bulk_entry(self) -> dict:
        return {"object": "bulk_data", "id": str(uuid.uuid5(_ID_NAMESPACE, BULK_TYPE)),
                "type": BULK_TYPE, "name": "Unique Artwork",
                "updated_at": self.updated_at, "size": len(_json(self.cards)),
                "download_uri": self.url + self.bulk_file_path,
                "content_type": "application/json"}

    @staticmethod
    def _image(kind: str, card_id: str) -> bytes:
        """Returns the image bytes, truncated for the cards with broken images."""
        image = png_bytes() if kind == "png" else jpeg_bytes()
        broken = {TRUNCATED_PNG: ("png",), CORRUPT_IMAGES: ("png", "large")}
        for name, kinds in broken.items():
            if card_id == _card_id(name) and kind in kinds:
                return image[: len(image) // 2]
        return image


class _Server(http.server.ThreadingHTTPServer):
    """Quiet about clients that hang up (a client that timed out, for instance)."""
    stand_in: ScryfallStandIn

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers one request through the stand-in. HTTP/1.0: one request per connection."""
    server: _Server

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        stand_in = self.server.stand_in
        path = urlsplit(self.path).path
        fault = stand_in._receive(path, self.headers)  # pylint: disable=protected-access
        time.sleep(fault.stall)
        if fault.status:
            status, body, content_type = _error(fault.status, "Scripted fault.")
        else:
            status, body, content_type = stand_in._respond(path)  # pylint: disable=protected-access
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if fault.retry_after is not None:
            self.send_header("Retry-After", fault.retry_after)
        self.end_headers()
        half = len(body) // 2
        self.wfile.write(body[:half])
        if fault.cut_short:
            return
        if fault.hold:
            fault.hold.wait(timeout=30.0)
        self.wfile.write(body[half:])

    def log_message(self, *args) -> None:
        """Keeps test output clean."""


def make_cards(base_url: str) -> list[dict]:
    """Returns the stand-in's card objects, their image URLs under `base_url`.

    Args:
      base_url: where the images are served.

    Returns:
      `CARDS_PER_PAIR` usable cards per (border colour, colour group), a usable
      `SPLIT_CARD`, the `DROPPED` cards, then the `TRUNCATED_PNG` and
      `CORRUPT_IMAGES` cards.
    """
    cards = []
    for border, group in itertools.product(BORDER_COLORS, GROUP_COLORS):
        for number in range(1, CARDS_PER_PAIR + 1):
            name = f"{border.title()} {group} {number}"
            cards.append(_card(base_url, name, border_color=border, colors=GROUP_COLORS[group]))
    cards.append(_card(base_url, SPLIT_CARD, colors=["U", "R"], layout="split", card_faces=True))
    for name, changes in DROPPED.items():
        cards.append(_card(base_url, name, **changes))
    cards.append(_card(base_url, TRUNCATED_PNG, colors=["W"]))
    cards.append(_card(base_url, CORRUPT_IMAGES, colors=["U"]))
    return cards


def _card(base_url: str, name: str, colors: list[str] | None = None, **changes) -> dict:
    """Returns a usable card object, then applies `changes` (None removes a field).

    `card_faces=True` adds two faces; `image_uris="small"` keeps only the small
    and normal images.
    """
    card_id = _card_id(name)
    uris = _image_uris(base_url, card_id)
    card = {
        "object": "card", "id": card_id, "name": name, "lang": "en", "layout": "normal",
        "set": "tst", "set_type": "expansion", "border_color": "black", "frame": "2015",
        "full_art": False, "colors": colors or [], "color_identity": colors or [],
        "image_status": "highres_scan", "highres_image": True, "image_uris": uris,
        "legalities": {"standard": "not_legal", "legacy": "legal", "vintage": "restricted"},
    }
    card.update(changes)
    if changes.get("card_faces"):
        card["card_faces"] = [{"object": "card_face", "name": f"{name} ({side})",
                               "image_uris": uris} for side in ("front", "back")]
    if changes.get("image_uris") == "small":
        card["image_uris"] = {kind: uris[kind] for kind in ("small", "normal")}
    return {field: value for field, value in card.items() if value is not None}


def _card_id(name: str) -> str:
    """Returns the stand-in's id of the card called `name`: the same in every run."""
    return str(uuid.uuid5(_ID_NAMESPACE, name))


def _image_uris(base_url: str, card_id: str) -> dict[str, str]:
    """Returns Scryfall-shaped image URLs, `?<timestamp>` included."""
    return {kind: f"{base_url}/{kind}/front/{card_id}.{'png' if kind == 'png' else 'jpg'}?1234"
            for kind in ("small", "normal", "large", "png", "art_crop", "border_crop")}


@functools.cache
def png_bytes() -> bytes:
    """Returns the stand-in's `png` image: RGBA, transparent rounded corners."""
    width, height = PNG_SIZE
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[..., :3] = (30, 90, 60)
    pixels[..., 3] = rounded_alpha(width, height)
    return _encode(Image.fromarray(pixels, "RGBA"), "PNG")


@functools.cache
def jpeg_bytes() -> bytes:
    """Returns the stand-in's `large` (and other JPEG) image."""
    return _encode(Image.new("RGB", JPEG_SIZE, (30, 90, 60)), "JPEG")


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def _content_type(kind: str) -> str:
    return "image/png" if kind == "png" else "image/jpeg"


def _json(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")


def _error(status: int, details: str) -> tuple[int, bytes, str]:
    """Returns a Scryfall-style error response."""
    body = {"object": "error", "status": status, "code": "stand_in_error", "details": details}
    return status, _json(body), "application/json"


# The fields of a real Scryfall card that `make_cards` leaves out, with typical
# values: they bring a synthetic card to the 3 to 4 kB of a real one.
_REAL_CARD_FIELDS = {
    "oracle_id": "8c2996d9-3287-4480-8c04-7a378e37e3cf", "multiverse_ids": [221892],
    "mtgo_id": 37957, "tcgplayer_id": 33347, "cardmarket_id": 22117,
    "uri": "https://api.scryfall.com/cards/tst/1", "scryfall_uri": "https://scryfall.com/card/tst/1?utm_source=api",
    "mana_cost": "{1}{U}{R}", "cmc": 3.0, "type_line": "Creature - Human Wizard",
    "oracle_text": ("Flying, haste\nWhen this creature enters, draw a card, then discard a card. "
                    "{T}: This creature deals 1 damage to any target. Activate only as a sorcery."),
    "flavor_text": "The storm does not ask the sea for permission; neither does the one who calls it.",
    "power": "2", "toughness": "3", "keywords": ["Flying", "Haste"], "games": ["paper", "mtgo", "arena"],
    "reserved": False, "foil": True, "nonfoil": True, "finishes": ["nonfoil", "foil"], "oversized": False,
    "promo": False, "reprint": True, "variation": False, "set_id": "4a4b5b5e-2bd4-4ab5-9bf8-8e8a0a4c5c6d",
    "set_name": "Stand-in Test Set", "set_uri": "https://api.scryfall.com/sets/4a4b5b5e-2bd4-4ab5-9bf8-8e8a0a4c5c6d",
    "set_search_uri": "https://api.scryfall.com/cards/search?order=set&q=e%3Atst&unique=prints",
    "scryfall_set_uri": "https://scryfall.com/sets/tst?utm_source=api",
    "rulings_uri": "https://api.scryfall.com/cards/tst/1/rulings",
    "prints_search_uri": "https://api.scryfall.com/cards/search?order=released&q=oracleid%3A8c2996d9&unique=prints",
    "collector_number": "1", "digital": False, "rarity": "rare",
    "card_back_id": "0aeebaf5-8c7d-4636-9e82-8c27447861f7", "artist": "Stand-in Artist",
    "artist_ids": ["d48dd097-720d-476a-8722-6a02854ae28b"],
    "illustration_id": "2fcca987-364c-4738-a75b-099d8a26d614", "textless": False, "booster": True,
    "story_spotlight": False, "edhrec_rank": 5012, "penny_rank": 1200, "released_at": "2024-11-15",
    "prices": {"usd": "0.25", "usd_foil": "1.10", "usd_etched": None, "eur": "0.20", "eur_foil": "0.90",
               "tix": "0.03"},
    "related_uris": {
        "gatherer": "https://gatherer.wizards.com/Pages/Card/Details.aspx?multiverseid=221892",
        "tcgplayer_infinite_articles": "https://tcgplayer.pxf.io/c/4931599/1830156/21018?subId1=api&trafcat=infinite"
                                       "&u=https%3A%2F%2Finfinite.tcgplayer.com%2Fsearch%3FcontentMode%3Darticle",
        "tcgplayer_infinite_decks": "https://tcgplayer.pxf.io/c/4931599/1830156/21018?subId1=api&trafcat=infinite"
                                    "&u=https%3A%2F%2Finfinite.tcgplayer.com%2Fsearch%3FcontentMode%3Ddeck",
        "edhrec": "https://edhrec.com/route/?cc=Stand-in+Card"},
    "purchase_uris": {
        "tcgplayer": "https://tcgplayer.pxf.io/c/4931599/1830156/21018?subId1=api&u=https%3A%2F%2Fwww.tcgplayer.com"
                     "%2Fproduct%2F33347%3Fpage%3D1",
        "cardmarket": "https://www.cardmarket.com/en/Magic/Products/Search?referrer=scryfall&searchString=Stand-in"
                      "&utm_campaign=card_prices&utm_medium=text&utm_source=scryfall",
        "cardhoarder": "https://www.cardhoarder.com/cards/37957?affiliate_id=scryfall&ref=card-profile"
                       "&utm_campaign=affiliate&utm_medium=card&utm_source=scryfall"},
}
# The formats a real card's `legalities` lists.
_FORMATS = ("standard", "future", "historic", "timeless", "gladiator", "pioneer", "explorer", "modern", "legacy",
            "pauper", "vintage", "penny", "commander", "oathbreaker", "standardbrawl", "brawl", "alchemy",
            "paupercommander", "duel", "oldschool", "premodern", "predh")


def write_bulk_file(path: str, megabytes: float, base_url: str = "http://stand-in.invalid") -> int:
    """Writes a synthetic bulk file of about `megabytes` MB; returns how many cards it holds.

    The cards are `make_cards`'s over and over, each with a new id, a numbered
    name, `_REAL_CARD_FIELDS` and every format in `legalities` (those not
    listed as "not_legal"), one card per line as Scryfall lays out its bulk
    files.

    Args:
      path: the file to write.
      megabytes: its size, in units of 10^6 bytes.
      base_url: where the cards' image URLs point.

    Returns:
      The number of cards written.
    """
    templates = make_cards(base_url)
    count, size = 0, 1
    with open(path, "w", encoding="utf-8") as file:
        file.write("[")
        while size < megabytes * 1e6:
            template = templates[count % len(templates)]
            name = f"{template['name']} #{count}"
            legalities = {**dict.fromkeys(_FORMATS, "not_legal"), **template["legalities"]}
            card = {**template, **_REAL_CARD_FIELDS, "id": _card_id(name), "name": name, "legalities": legalities}
            line = ("\n" if count == 0 else ",\n") + json.dumps(card, separators=(",", ":"))
            file.write(line)
            count, size = count + 1, size + len(line)
        file.write("\n]\n")
    return count


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(description="Writes a synthetic Scryfall bulk file.")
    _parser.add_argument("path", help="the file to write")
    _parser.add_argument("megabytes", type=float, help="its size in MB (10^6 bytes)")
    _args = _parser.parse_args()
    print(f"{_args.path}: {write_bulk_file(_args.path, _args.megabytes)} cards")
