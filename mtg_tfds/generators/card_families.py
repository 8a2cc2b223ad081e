"""The layout families of procedural cards: which printed layouts they imitate, with their parameters.

A detector trained on one title bar learns "the top is where this bar is" and then reads
older cards upside down, so procedural cards come in the families real cards come in, each
drawn about as often as the others. An era family (`ERAS`) sets how a card of that era is
drawn: where its boxes sit (fractions of the card face, x0, y0, x1, y1), how its bars,
frame, P/T and collector lines look. A layout family (planeswalker, saga, ...) draws in the
2015 era's style with its own geometry (`card_layouts`).

The family a card belongs to is recorded through Scryfall's own fields (`frame`, `layout`,
`full_art`, `border_color`, and basic lands' names); `family_of` reads it back.
"""

import dataclasses

import numpy as np

BASIC_LANDS = {"Plains": "W", "Island": "U", "Swamp": "B", "Mountain": "R", "Forest": "G"}


@dataclasses.dataclass(frozen=True)
class Era:
    """How the cards of one frame era are drawn.

    Attributes:
      frame: Scryfall's `frame` value recorded for the card.
      boxes: box name -> (x0, y0, x1, y1) as fractions of the card face.
      borders: (border colour, weight) pairs.
      frame_texture: "colour" (1993's stone, water, lava, leaves, wood, gold), "flat"
        (1997's faint print texture) or "mottled" (the modern frames' fractal noise).
      bars: how the title and type bars look: "none" (text on the frame), "flat", "bevel".
      art_bevel: whether the art box sits in a light-and-shadow bevel (1993).
      set_symbol_p: how often the type line carries a set symbol (none before Fifth Edition).
      pt: "frame" (on the frame under the text box), "text_box" (in its corner), "box"
        (a bevelled box overlapping the text box's corner).
      collector: which collector and credit lines, by era name.
      holo: whether rares and mythics carry the holo stamp at the bottom centre.
    """
    frame: str
    boxes: dict
    borders: tuple
    frame_texture: str
    bars: str
    art_bevel: bool
    set_symbol_p: float
    pt: str
    collector: str
    holo: bool


_MODERN_BOXES = {"title": (0.057, 0.046, 0.943, 0.1), "art": (0.08, 0.107, 0.92, 0.556),
                 "type": (0.057, 0.561, 0.943, 0.615), "text": (0.075, 0.62, 0.925, 0.905),
                 "pt": (0.765, 0.885, 0.935, 0.936)}
ERAS = {
    # Alpha to Fifth Edition: the title and type line set straight on a textured, bevelled frame.
    "1993": Era("1993", {"title": (0.085, 0.047, 0.915, 0.094), "art": (0.11, 0.1, 0.89, 0.5),
                         "type": (0.085, 0.507, 0.915, 0.553), "text": (0.1, 0.562, 0.9, 0.872),
                         "pt": (0.72, 0.876, 0.9, 0.92)},
                (("black", 0.45), ("white", 0.55)), "colour", "none", True, 0.3, "frame", "1993", False),
    # Mirage to Scourge: flatter frames, thin bars, the set symbol at the type line's right.
    "1997": Era("1997", {"title": (0.08, 0.045, 0.92, 0.092), "art": (0.105, 0.1, 0.895, 0.5),
                         "type": (0.08, 0.507, 0.92, 0.557), "text": (0.095, 0.567, 0.905, 0.884),
                         "pt": (0.74, 0.84, 0.895, 0.878)},
                (("black", 0.6), ("white", 0.25), ("silver", 0.05), ("gold", 0.1)), "flat", "flat", False, 1.0,
                "text_box", "1997", False),
    # Eighth Edition to Magic 2014: bevelled bars, a P/T box over the text box, holo stamps on rares.
    "2003": Era("2003", _MODERN_BOXES, (("black", 0.75), ("white", 0.15), ("silver", 0.05), ("gold", 0.05)),
                "mottled", "bevel", False, 1.0, "box", "2003", True),
    # Magic 2015 onwards: the same boxes, a two-row collector line at the left.
    "2015": Era("2015", _MODERN_BOXES, (("black", 0.92), ("white", 0.04), ("silver", 0.04)),
                "mottled", "bevel", False, 1.0, "box", "2015", True),
}
# Every family, drawn equally often: the four eras' normal cards, then the other layouts.
FAMILIES = ("1993", "1997", "2003", "2015", "borderless", "basic_land", "planeswalker", "saga", "split",
            "adventure", "token")


def family_for(seed: int, index: int) -> str:
    """The family of card `index`: every run of len(FAMILIES) cards holds each family once.

    A function of (seed, index) alone, in an order shuffled per run, so any prefix of
    the dataset covers the families evenly.
    """
    block, position = divmod(index, len(FAMILIES))
    order = np.random.default_rng([seed, block, len(FAMILIES)]).permutation(len(FAMILIES))
    return FAMILIES[order[position]]


def family_of(meta: dict) -> str:
    """Reads a procedural card's family back from its dataset fields (str or bytes values)."""
    text = {key: value.decode() if isinstance(value, bytes) else value for key, value in meta.items()}
    if text["layout"] != "normal":
        return text["layout"]
    if text["name"] in BASIC_LANDS:
        return "basic_land"
    if text["border_color"] == "borderless":
        return "borderless"
    return text["frame"]
