"""The families of procedural cards: each drawn from (seed, index) alone, evenly, with what sets it apart.

The layout record `procedural_cards.draw_card` returns names every part it drew as pixel boxes, so
these tests read the split card's turned halves or the planeswalker's loyalty boxes from it, and
check the pixels where a part must be alone (a basic land's text box).
"""

import collections
import dataclasses
import hashlib

import numpy as np
import pytest

from mtg_tfds.generators import card_families, procedural_cards

WIDTH, HEIGHT = 745, 1040


def _first_index(family: str, **fields) -> int:
    """The first card of seed 0 in `family` whose spec has `fields` (specs are cheap; drawing is not)."""
    for index in range(400):
        if card_families.family_for(0, index) == family:
            spec = procedural_cards.sample_spec(np.random.default_rng([0, index]), index, family)
            if all(getattr(spec, key) == value for key, value in fields.items()):
                return index
    raise AssertionError(f"no {family} card with {fields} among 400")


def _draw(index: int, **changes):
    """Draws card `index` of seed 0 as `generate_cards` does, with spec fields changed; (spec, rgba, record)."""
    rng = np.random.default_rng([0, index])
    spec = procedural_cards.sample_spec(rng, index, card_families.family_for(0, index))
    spec = dataclasses.replace(spec, **changes)
    rgba, record = procedural_cards.draw_card(spec, rng)
    return spec, rgba, record


@pytest.fixture(scope="module")
def one_of_each():
    """family -> (spec, rgba, record) of its first card of seed 0."""
    return {family: _draw(_first_index(family)) for family in card_families.FAMILIES}


def test_every_family_is_drawn_evenly_and_recorded_in_scryfalls_fields():
    families = [card_families.family_for(0, index) for index in range(400)]
    counts, borders = collections.Counter(families), set()
    assert set(counts) == set(card_families.FAMILIES)
    assert max(counts.values()) - min(counts.values()) <= 1                     # 36 or 37 of each of 11
    assert families[:11] != families[11:22]                                     # shuffled per run of 11
    for index, family in enumerate(families):
        spec = procedural_cards.sample_spec(np.random.default_rng([0, index]), index, family)
        meta = procedural_cards.metadata(spec, seed=0)
        assert card_families.family_of(meta) == family
        assert meta["frame"] in ("1993", "1997", "2003", "2015")
        assert meta["layout"] in ("normal", "planeswalker", "saga", "split", "adventure", "token")
        borders.add(meta["border_color"])
    assert borders == set(procedural_cards.BORDER_COLORS)


def test_each_family_is_a_function_of_seed_and_index(one_of_each):
    for family, (spec, rgba, record) in one_of_each.items():
        again_spec, again, again_record = _draw(spec.index)
        assert again_spec == spec and again_record == record, family
        assert hashlib.sha256(again.tobytes()).digest() == hashlib.sha256(rgba.tobytes()).digest(), family
        assert rgba.shape == (HEIGHT, WIDTH, 4) and rgba[0, 0, 3] == 0 and rgba[HEIGHT // 2, WIDTH // 2, 3] == 255


def test_split_cards_turn_both_halves(one_of_each):
    spec, _, record = one_of_each["split"]
    assert " // " in spec.name and len(record["half"]) == 2
    (top, bottom) = sorted(record["half"], key=lambda box: box[1])
    assert top[3] <= bottom[1] + 1 and top[2] - top[0] > top[3] - top[1]         # two landscape halves, stacked
    for x0, y0, x1, y1 in record["title"] + record["type"]:
        assert y1 - y0 > 4 * (x1 - x0)                                           # bars run up the card: turned


def test_planeswalkers_have_loyalty_costs_down_the_text_boxs_left_edge(one_of_each):
    _, _, record = one_of_each["planeswalker"]
    (text,) = record["text"]
    *abilities, start = record["loyalty"]
    assert len(abilities) >= 2
    centres = [((x0 + x1) / 2, (y0 + y1) / 2) for x0, y0, x1, y1 in abilities]
    assert all(abs(cx - text[0]) < 3 for cx, _ in centres)
    assert [cy for _, cy in centres] == sorted(cy for _, cy in centres)
    assert start[0] > (text[0] + text[2]) / 2 and start[3] > text[3]               # starting loyalty, bottom right


def test_sagas_put_the_art_down_the_right_half_and_chapters_down_the_left(one_of_each):
    _, _, record = one_of_each["saga"]
    (art,), (text,) = record["art"], record["text"]
    assert art[0] >= WIDTH * 0.49 and art[3] - art[1] > 2 * (art[2] - art[0])
    assert text[2] <= art[0] and len(record["chapter"]) >= 3
    assert all(abs((x0 + x1) / 2 - text[0]) < 8 for x0, _, x1, _ in record["chapter"])


@pytest.mark.parametrize("frame", ["1993", "1997", "2003", "2015"])
def test_basic_lands_text_box_holds_one_large_symbol_and_nothing_else(frame):
    spec, rgba, record = _draw(_first_index("basic_land", full_art=False, frame=frame))
    (text,), (symbol,) = record["text"], record["big_symbol"]
    assert spec.name in card_families.BASIC_LANDS and "rules_lines" not in record
    assert symbol[2] - symbol[0] > 0.4 * (text[3] - text[1])
    inside = rgba[text[1] + 8:text[3] - 8, text[0] + 8:text[2] - 8, :3].astype(int)
    outside_symbol = np.ones(inside.shape[:2], bool)
    outside_symbol[symbol[1] - text[1] - 8:symbol[3] - text[1] - 8, symbol[0] - text[0] - 8:symbol[2] - text[0] - 8] = 0
    fill = np.median(inside[outside_symbol], axis=0)
    assert np.abs(inside[outside_symbol] - fill).max() <= 2                       # one flat colour: no text


def test_full_art_lands_show_their_art_behind_the_symbol():
    spec, _, record = _draw(_first_index("basic_land", full_art=True))
    (art,), (text,), (symbol,) = record["art"], record["text"], record["big_symbol"]
    assert spec.frame == "2015" and art[1] < text[1] and art[3] >= text[3] and "rules_lines" not in record
    assert text[0] <= symbol[0] and symbol[2] <= text[2]


def test_borderless_art_reaches_the_edges(one_of_each):
    spec, _, record = one_of_each["borderless"]
    assert spec.border_color == "borderless" and spec.full_art
    assert record["art"] == [(0, 0, WIDTH, HEIGHT)]


@pytest.mark.parametrize("frame", ["2003", "2015"])
def test_modern_rares_have_the_holo_stamp_and_a_pt_box_over_the_text_box(frame):
    _, _, record = _draw(_first_index(frame), card_type="Creature", rarity="rare")
    (text,), (pt,), (holo,) = record["text"], record["pt"], record["holo"]
    assert pt[1] < text[3] < pt[3] and pt[2] > text[2]
    assert abs((holo[0] + holo[2]) / 2 - WIDTH / 2) < 2 and holo[3] > text[3]


def test_old_frames_keep_the_pt_in_their_places():
    _, _, record = _draw(_first_index("1997"), card_type="Creature", rarity="rare")
    (text,), (pt,) = record["text"], record["pt"]
    assert text[0] < pt[0] and pt[2] <= text[2] and text[1] < pt[1] and pt[3] <= text[3]   # in the text box's corner
    assert "set_symbol" in record and "holo" not in record
    _, _, record = _draw(_first_index("1993"), card_type="Creature", rarity="rare")
    assert record["pt"][0][1] >= record["text"][0][3] and "holo" not in record             # on the frame below it


def test_adventures_and_tokens(one_of_each):
    _, _, record = one_of_each["adventure"]
    (text,), (story,) = record["text"], record["adventure"]
    assert text[0] <= story[0] and story[2] <= (text[0] + text[2]) / 2 and text[1] <= story[1]
    spec, _, record = one_of_each["token"]
    assert spec.layout == "token" and not spec.mana_cost and spec.type_line.startswith("Token ")
