"""Made-up card text: names, type lines, rules and flavour text.

The words only have to look like a card's at photo resolution: word lengths,
capitals, an em dash in the type line, mana symbols in the rules. Everything is
drawn from a `numpy.random.Generator`, so a card's text is a function of its seed.
"""

import numpy as np

_ONSETS = ["b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "kh", "l", "m", "n", "p",
           "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z", "x", "qu", "y"]
_VOWELS = ["a", "e", "i", "o", "u", "ae", "ai", "ea", "ia", "ou", "y"]
_CODAS = ["", "", "", "n", "r", "l", "th", "s", "x", "k", "m", "nd", "rn", "st"]
_TITLES = ["of the Veil", "the Unbroken", "of Ash", "Ascendant", "of the Deep", "Reborn",
           "the Wanderer", "of Thorns", "Eternal", "the Bold", "of Embers", "Unchained"]
_NOUNS = ["Bolt", "Growth", "Counsel", "Ritual", "Tide", "Oath", "Wrath", "Bargain", "Vision",
          "Strike", "Blessing", "Harvest", "Gate", "Sanctum", "Golem", "Familiar", "Wurm",
          "Angel", "Sphinx", "Dragon", "Knight", "Elemental", "Spirit", "Horror", "Drake"]
_SUBTYPES = ["Elf", "Warrior", "Human", "Wizard", "Goblin", "Shaman", "Zombie", "Soldier",
             "Dragon", "Angel", "Beast", "Spirit", "Merfolk", "Rogue", "Vampire", "Cleric",
             "Knight", "Elemental", "Faerie", "Giant", "Insect", "Construct"]
_KEYWORDS = ["Flying", "Trample", "Haste", "Vigilance", "Deathtouch", "Lifelink", "Reach",
             "First strike", "Menace", "Hexproof", "Flash", "Defender", "Ward {2}"]
_CLAUSES = [
    "When {name} enters the battlefield, draw a card.",
    "{T}: Add {M}.",
    "Target creature gets +{n}/+{n} until end of turn.",
    "{name} deals {n} damage to any target.",
    "Counter target spell unless its controller pays {{{n}}}.",
    "Destroy target artifact or enchantment.",
    "Whenever {name} attacks, you gain {n} life.",
    "Return target creature card from your graveyard to your hand.",
    "Create a {n}/{n} green Beast creature token.",
    "Each opponent discards a card.",
    "Scry {n}, then draw a card.",
    "Tap target creature. It doesn't untap during its controller's next untap step.",
    "{M}{M}: {name} gets +1/+0 until end of turn.",
    "Search your library for a basic land card, put it onto the battlefield tapped, then shuffle.",
]
_FLAVOR = ["The old paths remember every footstep.", "Power answers only to those who ask twice.",
           "In the silence after the storm, the tide began to sing.",
           "\"Stand your ground. The dawn is on our side.\"",
           "Some doors are better left unopened.", "Every flame begins as a spark of defiance."]


def _word(rng: np.random.Generator) -> str:
    syllables = rng.integers(1, 4)
    parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)]
    return ("".join(parts) + rng.choice(_CODAS)).capitalize()


def card_name(rng: np.random.Generator) -> str:
    """Returns a card name such as "Vorath, the Bold" or "Thaekas Bolt"."""
    style = rng.integers(4)
    if style == 0:
        return f"{_word(rng)}, {rng.choice(_TITLES)}"
    if style == 1:
        return f"{_word(rng)} {rng.choice(_NOUNS)}"
    if style == 2:
        return f"{_word(rng)} {_word(rng)}"
    return f"{rng.choice(_NOUNS)} {rng.choice(_TITLES)}"


def type_line(rng: np.random.Generator, card_type: str) -> str:
    """Returns a type line for `card_type`, with subtypes after an em dash where they fit."""
    if card_type == "Creature":
        subtypes = " ".join(rng.choice(_SUBTYPES, size=rng.integers(1, 3), replace=False))
        legendary = "Legendary " if rng.random() < 0.15 else ""
        return f"{legendary}Creature \u2014 {subtypes}"
    if card_type == "Enchantment" and rng.random() < 0.4:
        return "Enchantment \u2014 Aura"
    if card_type == "Artifact" and rng.random() < 0.3:
        return "Artifact \u2014 Equipment"
    return card_type


def rules_text(rng: np.random.Generator, name: str, mana: str) -> list[str]:
    """Returns rules paragraphs; symbols such as `{T}`, `{G}` or `{2}` stay in braces."""
    paragraphs = []
    if rng.random() < 0.4:
        paragraphs.append(", ".join(rng.choice(_KEYWORDS, size=rng.integers(1, 3), replace=False)))
    for clause in rng.choice(_CLAUSES, size=rng.integers(1, 3), replace=False):
        paragraphs.append(str(clause).format(name=name, n=rng.integers(1, 5), T="{T}", M=mana))
    return paragraphs


def flavor_text(rng: np.random.Generator) -> str:
    """Returns one line of flavour text."""
    return str(rng.choice(_FLAVOR))


def ability(rng: np.random.Generator, name: str, mana: str = "{1}") -> str:
    """Returns one rules clause, e.g. a planeswalker's loyalty ability or a saga's chapter."""
    return str(rng.choice(_CLAUSES)).format(name=name, n=rng.integers(1, 5), T="{T}", M=mana)


def loyalty_costs(rng: np.random.Generator) -> list[str]:
    """Returns a planeswalker's loyalty costs top to bottom, such as ["+1", "\u22122", "\u22127"]."""
    minus = sorted(rng.choice(np.arange(1, 9), size=rng.integers(1, 3), replace=False))
    return [f"+{rng.integers(1, 3)}"] + [f"\u2212{m}" for m in minus]
