"""Procedural Magic cards for the offline default dataset.

Each card is drawn at Scryfall's `png` size (745 x 1040) with the parts a photo
of a real card shows: a black, white, silver or gold border (or none), a
coloured and textured frame, a title with mana symbols, a painted art box, a
type line with a set symbol, a text box of serif rules and flavour text, P/T,
credit and collector lines, and 3 mm rounded corners that are transparent.
Cards come in the layout families real cards come in (`card_families`: the
1993, 1997, 2003 and 2015 frames, borderless, basic lands, planeswalkers, sagas,
split cards, adventures, tokens), each as often as the others, drawn by
`card_layouts` from the primitives of `card_parts`.

Card `i` of seed `s` is a function of (s, i) and of the photos passed in (the
builder passes the background folder's), so building fewer cards gives a prefix
of the same dataset. Given photos, about 30% of art boxes are cut from one, so
any change to the background photos changes those cards (which photo, the crop,
possibly the rest of the card); given none, no art is cut from a photo, and every
card differs from the same card drawn with photos (one random draw fewer).
"""

import dataclasses
from typing import Iterator

import numpy as np
from PIL import Image

from mtg_tfds import card_shape
from mtg_tfds.generators import card_families, card_layouts, card_text

BORDER_COLORS = ("black", "white", "borderless", "silver", "gold")
_COLOR_GROUPS = ("W", "U", "B", "R", "G", "colorless", "multicolor")
_RARITIES = ("common", "uncommon", "rare", "mythic")
_OWN_LAYOUTS = ("planeswalker", "saga", "split", "adventure", "token")   # Scryfall's `layout` names them


@dataclasses.dataclass(frozen=True)
class CardSpec:
    """What one procedural card shows; drawn by `render_card`."""
    index: int
    name: str
    colors: tuple[str, ...]
    card_type: str
    type_line: str
    mana_cost: tuple[str, ...]
    border_color: str
    frame: str
    full_art: bool
    rarity: str
    set_code: str
    family: str = "2015"
    layout: str = "normal"


def _mana_cost(rng: np.random.Generator, colors: tuple[str, ...]) -> tuple[str, ...]:
    generic = [str(rng.integers(1, 6))] if rng.random() < 0.7 else []
    coloured = [str(c) for c in colors for _ in range(rng.integers(1, 3))]
    return tuple(generic + coloured)


def _colors(rng: np.random.Generator) -> tuple[str, ...]:
    group = _COLOR_GROUPS[rng.integers(len(_COLOR_GROUPS))]
    if group == "multicolor":
        return tuple(sorted(rng.choice(list("WUBRG"), size=rng.integers(2, 4), replace=False)))
    return () if group == "colorless" else (group,)


def _name_and_type(rng: np.random.Generator, family: str) -> tuple[str, str, str]:
    """(name, card type, type line) as the family prints them."""
    name = card_text.card_name(rng)
    if family == "basic_land":
        land = str(rng.choice(list(card_families.BASIC_LANDS)))
        return land, "Land", f"Basic Land \u2014 {land}"
    if family == "planeswalker":
        return name, "Planeswalker", f"Legendary Planeswalker \u2014 {name.split()[0].rstrip(',')}"
    if family == "saga":
        return name, "Enchantment", "Enchantment \u2014 Saga"
    if family == "split":
        return f"{name} // {card_text.card_name(rng)}", "Instant", "Instant // Sorcery"
    if family == "token":
        creature = card_text.type_line(rng, "Creature").replace("Legendary ", "")
        return creature.split()[-1], "Creature", f"Token {creature}"
    card_type = "Creature" if family == "adventure" else str(rng.choice(
        ["Creature", "Instant", "Sorcery", "Enchantment", "Artifact", "Land"], p=[0.45, 0.13, 0.12, 0.1, 0.1, 0.1]))
    return name, card_type, card_text.type_line(rng, card_type)


def _frame_border_full_art(rng: np.random.Generator, family: str) -> tuple[str, str, bool]:
    """(era, border colour, full art): each era's own borders; borderless and full-art lands float their boxes."""
    if family == "basic_land":
        if rng.random() < 0.4:          # full-art lands: the art fills the frame, the symbol sits on it
            return "2015", str(rng.choice(["black", "borderless"])), True
        family = str(rng.choice(list(card_families.ERAS)))
    if family == "borderless":
        return "2015", "borderless", True
    era = card_families.ERAS.get(family, card_families.ERAS["2015"])
    colours, weights = zip(*era.borders)
    return era.frame, str(rng.choice(colours, p=weights)), False


def sample_spec(rng: np.random.Generator, index: int, family: str = "2015") -> CardSpec:
    """Draws what card `index` of `family` shows: colours, name and type, border, era, rarity.

    Args:
      rng: the card's own random generator.
      index: the card's position in the dataset, part of its id.
      family: one of `card_families.FAMILIES`. Defaults to "2015".

    Returns:
      A `CardSpec`.
    """
    colors = _colors(rng)
    name, card_type, type_line = _name_and_type(rng, family)
    if card_type == "Land":
        colors = ()
    frame, border, full_art = _frame_border_full_art(rng, family)
    rarity = str(rng.choice(_RARITIES, p=[0.45, 0.3, 0.18, 0.07]))
    if family in ("basic_land", "token"):
        rarity = "common"
    elif family == "planeswalker":
        rarity = str(rng.choice(["rare", "mythic"]))
    return CardSpec(
        index=index, name=name, colors=colors, card_type=card_type, type_line=type_line,
        mana_cost=() if card_type == "Land" or family == "token" else _mana_cost(rng, colors),
        border_color=border, frame=frame, full_art=full_art, rarity=rarity,
        set_code="".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), size=3)), family=family,
        layout=family if family in _OWN_LAYOUTS else "normal")


def metadata(spec: CardSpec, seed: int) -> dict:
    """Returns the card's metadata in the dataset's (Scryfall's) field names."""
    return {"name": spec.name, "id": f"procedural-{seed}-{spec.index:05d}", "set": spec.set_code.lower(),
            "border_color": spec.border_color, "frame": spec.frame, "full_art": spec.full_art,
            "colors": list(spec.colors), "color_identity": list(spec.colors), "layout": spec.layout}


def draw_card(spec: CardSpec, rng: np.random.Generator,
              photos: list[np.ndarray] | None = None) -> tuple[np.ndarray, dict]:
    """Draws a card in its family's layout.

    Args:
      spec: what the card shows, from `sample_spec`.
      rng: the card's own random generator.
      photos: optional uint8 [H, W, 3] photographs that art boxes may be cut from.

    Returns:
      (uint8 array [1040, 745, 4]: RGBA with transparent rounded corners, the layout record:
      part name -> list of (x0, y0, x1, y1) pixel boxes, see `card_layouts.Pen`).
    """
    width, height = card_shape.CARD_WIDTH_PX, card_shape.CARD_HEIGHT_PX
    era = card_families.ERAS[spec.frame]
    painted, frame_box = card_layouts.paint_frame(rng, spec, era, width, height)
    pen = card_layouts.Pen(rng, Image.fromarray(np.uint8(painted)).convert("RGBA"), spec, era, photos)
    card_layouts.LAYOUTS.get(spec.family, card_layouts.normal)(pen, frame_box)
    rgba = np.array(pen.canvas)
    rgba[..., 3] = card_shape.rounded_alpha(width, height)
    return rgba, pen.record


def render_card(spec: CardSpec, rng: np.random.Generator, photos: list[np.ndarray] | None = None) -> np.ndarray:
    """Draws a card; `draw_card` without the layout record."""
    return draw_card(spec, rng, photos)[0]


def generate_cards(num_cards: int, seed: int,
                   photos: list[np.ndarray] | None = None) -> Iterator[tuple[dict, np.ndarray]]:
    """Yields `num_cards` procedural cards, each a function of (seed, index, photos).

    Args:
      num_cards: how many cards.
      seed: the dataset seed.
      photos: optional photographs for some art boxes (the same list, in the
        same order, must be passed every time for the output to repeat).

    Yields:
      (metadata dict, uint8 RGBA image [1040, 745, 4]).
    """
    for index in range(num_cards):
        rng = np.random.default_rng([seed, index])
        spec = sample_spec(rng, index, card_families.family_for(seed, index))
        yield metadata(spec, seed), render_card(spec, rng, photos)
