"""How each family of procedural card is laid out: the parts of a card, and the layouts that place them.

A `Pen` carries one card face's canvas, its spec and era (`card_families.ERAS`), and the
layout record: every part drawn, by name, as pixel boxes, so tests and later analyses can
find the title bar, the loyalty boxes or the big mana symbol without reading pixels. The
parts (`title`, `type_line`, `text_box`, `pt`, `credits`) draw in their era's style; the
layouts (`LAYOUTS`, one per family) say where.
"""

import dataclasses

import numpy as np
from PIL import Image, ImageDraw

from mtg_tfds.generators import card_families, card_parts, card_text, fonts, procedural_art

BORDER_RGB = {"black": (14, 13, 15), "white": (238, 236, 230), "silver": (176, 178, 182), "gold": (196, 164, 84)}
# Frame colour and text-box colour of each colour group.
PALETTE = {
    "W": ((226, 220, 196), (246, 241, 226)), "U": ((40, 105, 170), (196, 216, 232)),
    "B": ((52, 46, 46), (188, 182, 178)), "R": ((186, 64, 44), (236, 204, 188)),
    "G": ((46, 112, 66), (198, 216, 196)), "multicolor": ((204, 172, 86), (236, 226, 192)),
    "colorless": ((150, 152, 160), (212, 212, 216)), "land": ((146, 118, 90), (216, 202, 182)),
}
_PARCHMENT = (226, 212, 176)


def colour_group(spec) -> str:
    """"W".."G", "multicolor", "colorless" or "land": what colours the card's frame."""
    if spec.card_type == "Land":
        return "land"
    if len(spec.colors) > 1:
        return "multicolor"
    return spec.colors[0] if spec.colors else "colorless"


@dataclasses.dataclass
class Pen:
    """One card face being drawn: its canvas, what it shows, its era's style, and the record of its parts.

    `record` maps each part drawn to a list of pixel boxes (x0, y0, x1, y1), in drawing order:
    "art", "title", "type", "set_symbol", "text", "pt", "holo", and by family "big_symbol"
    (basic lands), "loyalty" (planeswalkers: the costs top to bottom, then the starting
    loyalty), "chapter" (sagas), "adventure" (the adventure's panel), "half" (split cards,
    whose parts are mapped onto the whole card); "rules_lines" counts the lines of rules set.
    """
    rng: np.random.Generator
    canvas: Image.Image
    spec: object
    era: card_families.Era
    photos: list | None
    record: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.draw = ImageDraw.Draw(self.canvas, "RGBA")
        self.frame_rgb, self.box_rgb = PALETTE[colour_group(self.spec)]
        self.alpha = 170 if self.spec.full_art else 255
        self.bar_fill = tuple(min(255, int(c * 0.35 + b * 0.65)) for c, b in zip(self.frame_rgb, self.box_rgb))
        dark_frame = sum(self.frame_rgb) < 350
        self.ink = (245, 245, 245) if self.era.bars == "none" and dark_frame else card_parts.INK

    def box(self, name_or_fractions) -> tuple[int, int, int, int]:
        """A box of the era's (by name) or given fractions, in this canvas's pixels."""
        x0, y0, x1, y1 = (self.era.boxes[name_or_fractions] if isinstance(name_or_fractions, str)
                          else name_or_fractions)
        width, height = self.canvas.size
        return int(x0 * width), int(y0 * height), int(x1 * width), int(y1 * height)

    def add(self, part: str, box) -> None:
        self.record.setdefault(part, []).append(tuple(int(v) for v in box))


def paint_frame(rng: np.random.Generator, spec, era: card_families.Era, width: int, height: int):
    """Paints the border colour and the textured frame inside it; returns (float32 canvas, frame box)."""
    frame_rgb, _ = PALETTE[colour_group(spec)]
    if era.frame_texture == "colour":
        canvas = card_parts.colour_texture(rng, height, width, frame_rgb,
                                           card_parts.COLOUR_TEXTURES[colour_group(spec)])
    else:
        canvas = card_parts.textured(rng, height, width, frame_rgb, 0.35 if era.frame_texture == "mottled" else 0.12)
    if spec.border_color == "borderless":
        return canvas, (0, 0, width, height)
    side = int(width * rng.uniform(0.034, 0.05))
    bottom = int(height * rng.uniform(0.05, 0.062))
    border = card_parts.textured(rng, height, width, BORDER_RGB[spec.border_color],
                                 0.25 if spec.border_color in ("silver", "gold") else 0.06)
    inner = np.zeros((height, width, 1), bool)
    inner[side:height - bottom, side:width - side] = True
    return np.where(inner, canvas, border), (side, side, width - side, height - bottom)


# The parts of a card.

def art(pen: Pen, box, outline: bool = True) -> None:
    """Paints the art into `box`: in a 1993 bevel, a thin dark line, or nothing round it (full art)."""
    x0, y0, x1, y1 = box
    pen.canvas.paste(Image.fromarray(procedural_art.paint_art(pen.rng, y1 - y0, x1 - x0, pen.photos)), (x0, y0))
    if pen.era.art_bevel and outline:
        card_parts.inset_bevel(pen.draw, box, max(4, (x1 - x0) // 80), pen.frame_rgb)
    elif outline:
        pen.draw.rectangle(box, outline=(12, 10, 8), width=3)
    pen.add("art", box)


def bar(pen: Pen, box) -> None:
    """The title or type bar behind a line of text, in the era's style ("none" draws nothing)."""
    fill = pen.bar_fill + (pen.alpha,)
    if pen.era.bars == "bevel":
        card_parts.bevel(pen.draw, box, fill, radius=(box[3] - box[1]) // 3)
    elif pen.era.bars == "flat":
        pen.draw.rectangle(box, fill=fill, outline=(30, 28, 26), width=1)


def title(pen: Pen, box, name: str, cost: tuple[str, ...], centred: bool = False) -> None:
    """The title bar: the name at the left (or centred), the mana cost at the right."""
    bar(pen, box)
    size = int((box[3] - box[1]) * 0.62)
    y = box[1] + (box[3] - box[1] - size) / 2.2
    while size > 8 and pen.draw.textlength(name, font=fonts.font("bold", size)) > (box[2] - box[0]) * 0.7:
        size -= 1
    if centred:
        pen.draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), name, font=fonts.font("bold", size),
                      fill=pen.ink, anchor="mm")
    else:
        card_parts.text_line(pen.draw, box[0] + 14, y, name, size, "bold", pen.ink)
    x = box[2] - 12 - size * 0.95 * len(cost)
    card_parts.text_line(pen.draw, x, y, "".join(f"{{{m}}}" for m in cost), size, "bold", pen.ink)
    pen.add("title", box)


def type_line(pen: Pen, box, text: str) -> None:
    """The type bar, with the set symbol at its right where the era prints one."""
    bar(pen, box)
    size = int((box[3] - box[1]) * 0.55)
    while pen.draw.textlength(text, font=fonts.font("bold", size)) > box[2] - box[0] - 70:
        size -= 1
    card_parts.text_line(pen.draw, box[0] + 14, box[1] + (box[3] - box[1] - size) / 2.2, text, size, "bold", pen.ink)
    if pen.rng.random() < pen.era.set_symbol_p:
        centre = (box[2] - 30, (box[1] + box[3]) / 2)
        card_parts.set_symbol(pen.rng, pen.draw, centre, size * 1.2, pen.spec.rarity)
        pen.add("set_symbol", (centre[0] - size, centre[1] - size, centre[0] + size, centre[1] + size))
    pen.add("type", box)


def text_box(pen: Pen, box, paragraphs=None) -> None:
    """The text box: parchment in a bevel (1993), flat (1997) or rounded (modern); then its rules."""
    alpha = 200 if pen.spec.full_art else 255
    if pen.era.frame_texture == "colour":
        fill = tuple(int((c + p) / 2) for c, p in zip(pen.box_rgb, _PARCHMENT))
        card_parts.inset_bevel(pen.draw, box, max(3, (box[2] - box[0]) // 110), pen.frame_rgb)
        pen.draw.rectangle(box, fill=fill + (alpha,))
    elif pen.era.bars == "flat":
        pen.draw.rectangle(box, fill=tuple(pen.box_rgb) + (alpha,), outline=(30, 28, 26), width=2)
    else:
        card_parts.bevel(pen.draw, box, tuple(pen.box_rgb) + (alpha,), radius=4)
    pen.add("text", box)
    if paragraphs is not None:
        pen.record["rules_lines"] = pen.record.get("rules_lines", 0) + card_parts.rules_box(pen.draw, paragraphs, box)


def pt(pen: Pen, text_box_: tuple) -> None:
    """Power/toughness: on the frame (1993), in the text box's corner (1997), or in a box overlapping it."""
    value = f"{pen.rng.integers(0, 8)}/{pen.rng.integers(1, 8)}"
    if pen.era.pt == "box":
        x0, _, x1, y1 = text_box_
        h = (y1 - text_box_[1]) * 0.18
        box = (int(x1 - (x1 - x0) * 0.2), int(y1 - h * 0.45), int(x1 + (x1 - x0) * 0.012), int(y1 + h * 0.55))
        card_parts.bevel(pen.draw, box, pen.bar_fill + (pen.alpha,), radius=10)
        ink = card_parts.INK
    else:
        box = pen.box("pt")
        ink = pen.ink if pen.era.pt == "frame" else card_parts.INK
    pen.draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), value,
                  font=fonts.font("bold", int((box[3] - box[1]) * 0.7)), fill=ink, anchor="mm")
    pen.add("pt", box)


def credits(pen: Pen, frame_box, text_box_) -> None:
    """The era's artist, copyright and collector lines, and the holo stamp of modern rares."""
    width, height = pen.canvas.size
    on_border = pen.spec.border_color in ("black", "borderless")
    fill = (235, 235, 235) if on_border else (20, 20, 20)
    y = frame_box[3] + 4 if pen.spec.border_color != "borderless" else height - 48
    artist, year = card_text.card_name(pen.rng), int(pen.rng.integers(0, 12))
    number = f"{pen.rng.integers(1, 300):03d}/{pen.rng.integers(300, 400)}"
    small, centre = fonts.font("bold", 15), width / 2
    if pen.era.collector == "1993":
        pen.draw.text((text_box_[0], text_box_[3] + 8), f"Illus. {artist}", font=fonts.font("italic", 17),
                      fill=pen.ink)
        if pen.rng.random() < 0.5:   # Fourth and Fifth Edition add a copyright line
            pen.draw.text((centre, frame_box[3] - 4), f"\u00a9 199{4 + year % 2} Wizards of the Coast, Inc.",
                          font=fonts.font("regular", 12), fill=pen.ink, anchor="md")
    elif pen.era.collector in ("1997", "2003"):
        start = 1997 if pen.era.collector == "1997" else 2003
        pen.draw.text((centre, y), f"Illus. {artist}", font=small, fill=fill, anchor="ma")
        tail = "" if pen.era.collector == "1997" else f"  {number}"
        pen.draw.text((centre, y + 18), f"\u2122 & \u00a9 {start + year % 6} Wizards of the Coast, Inc.{tail}",
                      font=fonts.font("regular", 13), fill=fill, anchor="ma")
    else:
        x = frame_box[0] + 18
        pen.draw.text((x, y), f"{number} {pen.spec.rarity[0].upper()}", font=small, fill=fill)
        pen.draw.text((x, y + 18), f"{pen.spec.set_code} \u2022 EN  {artist}", font=small, fill=fill)
        pen.draw.text((frame_box[2] - 18, y + 18), f"\u2122 & \u00a9 {2015 + year} Wizards of the Coast",
                      font=fonts.font("regular", 13), fill=fill, anchor="ra")
    if pen.era.holo and pen.spec.rarity in ("rare", "mythic"):
        cy = text_box_[3] if pen.era.collector == "2003" else text_box_[3] + height * 0.018
        pen.add("holo", card_parts.holo_stamp(pen.draw, (centre, cy), width * 0.07))


# The layouts, one per family.

def normal(pen: Pen, frame_box) -> None:
    """A card of its era; full art (borderless) puts the art under the whole face and floats the boxes."""
    spec = pen.spec
    art(pen, frame_box if spec.full_art else pen.box("art"), outline=not spec.full_art)
    title(pen, pen.box("title"), spec.name, spec.mana_cost)
    type_line(pen, pen.box("type"), spec.type_line)
    box = pen.box("text")
    text_box(pen, box, card_parts.card_paragraphs(pen.rng, spec.name, spec.colors))
    if spec.card_type == "Creature":
        pt(pen, box)
    credits(pen, frame_box, box)


def basic_land(pen: Pen, frame_box) -> None:
    """A basic land: its text box holds one large mana symbol and nothing else; full-art lands show art there."""
    spec = pen.spec
    art(pen, frame_box if spec.full_art else pen.box("art"), outline=not spec.full_art)
    title(pen, pen.box("title"), spec.name, ())
    type_line(pen, pen.box("type"), spec.type_line)
    box = pen.box("text")
    if not spec.full_art:
        text_box(pen, box)
    else:
        pen.add("text", box)
    colour = card_families.BASIC_LANDS[spec.name]
    pen.add("big_symbol", card_parts.big_mana_symbol(pen.draw, box, colour))
    credits(pen, frame_box, box)


def planeswalker(pen: Pen, frame_box) -> None:
    """A planeswalker: art behind a tall, translucent text box, loyalty costs down its left edge."""
    spec = pen.spec
    art(pen, pen.box((0.06, 0.107, 0.94, 0.93)), outline=False)
    title(pen, pen.box("title"), spec.name, spec.mana_cost)
    type_line(pen, pen.box((0.057, 0.565, 0.943, 0.615)), spec.type_line)
    x0, y0, x1, y1 = box = pen.box((0.075, 0.622, 0.925, 0.91))
    pen.draw.rectangle(box, fill=tuple(pen.box_rgb) + (205,), outline=(30, 28, 26), width=2)
    pen.add("text", box)
    costs = card_text.loyalty_costs(pen.rng)
    row = (y1 - y0) / len(costs)
    size = (x1 - x0) * 0.1
    for i, cost in enumerate(costs):
        cy = y0 + row * (i + 0.5)
        pen.add("loyalty", card_parts.loyalty_box(pen.draw, (x0, cy), size, cost))
        paragraph = [(card_text.ability(pen.rng, spec.name), "regular")]
        card_parts.rules_box(pen.draw, paragraph, (int(x0 + size * 0.7), int(cy - row / 2), x1 - 8, int(cy + row / 2)),
                             max_size=28)
    start = (int(x1 - size * 0.2), int(y1 + size * 0.05))
    pen.add("loyalty", card_parts.loyalty_box(pen.draw, start, size * 1.1, str(pen.rng.integers(2, 7))))
    credits(pen, frame_box, box)


def saga(pen: Pen, frame_box) -> None:
    """A saga: the art down the right half, chapters down the left with their numerals, the type line below."""
    spec = pen.spec
    title(pen, pen.box("title"), spec.name, spec.mana_cost)
    art(pen, pen.box((0.5, 0.107, 0.925, 0.855)))
    x0, y0, x1, y1 = box = pen.box((0.075, 0.107, 0.49, 0.855))
    text_box(pen, box)
    chapters = int(pen.rng.integers(3, 5))
    row = (y1 - y0 - 60) / chapters
    card_parts.rules_box(pen.draw, [("(As this Saga enters and after your draw step, add a lore counter.)",
                                     "italic")], (x0, y0, x1, y0 + 60), max_size=18)
    for i in range(chapters):
        top = y0 + 60 + row * i
        pen.add("chapter", card_parts.chapter_marker(pen.draw, (x0 + 4, top + row / 2), (x1 - x0) * 0.16,
                                                     "I II III IV".split()[i]))
        card_parts.rules_box(pen.draw, [(card_text.ability(pen.rng, spec.name), "regular")],
                             (int(x0 + (x1 - x0) * 0.1), int(top), x1, int(top + row)), max_size=24)
        pen.draw.line((x0 + 10, top + row, x1 - 10, top + row), fill=(60, 54, 48), width=2)
    type_line(pen, pen.box((0.057, 0.86, 0.943, 0.91)), spec.type_line)
    credits(pen, frame_box, pen.box((0.075, 0.86, 0.925, 0.905)))


def adventure(pen: Pen, frame_box) -> None:
    """An adventurer: the text box splits into the adventure's own small card (left) and the creature's rules."""
    spec = pen.spec
    art(pen, pen.box("art"))
    title(pen, pen.box("title"), spec.name, spec.mana_cost)
    type_line(pen, pen.box("type"), spec.type_line)
    x0, y0, x1, y1 = box = pen.box("text")
    text_box(pen, box)
    mid = (x0 + x1) // 2
    story = (x0 + 6, y0 + 6, mid - 4, y1 - 6)
    pen.draw.rectangle(story, fill=(118, 110, 104, 255), outline=(30, 28, 26), width=2)
    pen.add("adventure", story)
    bar_h = (y1 - y0) // 9
    name, cost = card_text.card_name(pen.rng), (str(pen.rng.integers(1, 4)),) + spec.colors[:1]
    title(pen, (story[0] + 4, story[1] + 4, story[2] - 4, story[1] + 4 + bar_h), name, cost)
    kind = str(pen.rng.choice(["Instant", "Sorcery"]))
    pen.draw.text((story[0] + 14, story[1] + 10 + bar_h), f"{kind} \u2014 Adventure",
                  font=fonts.font("bold", int(bar_h * 0.55)), fill=(245, 242, 236))
    card_parts.rules_box(pen.draw, card_parts.card_paragraphs(pen.rng, name, spec.colors)[:1],
                         (story[0], story[1] + 2 * bar_h + 10, story[2], story[3]), ink=(245, 242, 236), max_size=22)
    card_parts.rules_box(pen.draw, card_parts.card_paragraphs(pen.rng, spec.name, spec.colors),
                         (mid + 4, y0, x1, y1), max_size=24)
    pt(pen, box)
    credits(pen, frame_box, box)


def token(pen: Pen, frame_box) -> None:
    """A token: the name centred and no cost, a tall art box, a small text box (none on vanilla tokens)."""
    spec = pen.spec
    vanilla = pen.rng.random() < 0.4
    art(pen, pen.box((0.08, 0.107, 0.92, 0.775 if vanilla else 0.68)))
    title(pen, pen.box("title"), spec.name, (), centred=True)
    type_line(pen, pen.box((0.057, 0.78, 0.943, 0.83) if vanilla else (0.057, 0.685, 0.943, 0.735)),
              spec.type_line)
    box = pen.box((0.075, 0.835, 0.925, 0.905) if vanilla else (0.075, 0.74, 0.925, 0.905))
    text_box(pen, box, None if vanilla else card_parts.card_paragraphs(pen.rng, spec.name, spec.colors)[:1])
    if spec.card_type == "Creature":
        pt(pen, box)
    credits(pen, frame_box, box)


def split(pen: Pen, frame_box) -> None:
    """A split card: two small cards side by side when the card is turned, so each half is drawn turned 90
    degrees (the first at the bottom). Labels stay the card image's own corners."""
    x0, y0, x1, y1 = frame_box
    half_h = (y1 - y0) // 2
    for i, name in enumerate(pen.spec.name.split(" // ")):
        cost = (str(pen.rng.integers(1, 4)),) + pen.spec.colors[i % max(1, len(pen.spec.colors)):][:1]
        half_spec = dataclasses.replace(pen.spec, name=name, mana_cost=cost, border_color="borderless",
                                        type_line=str(pen.rng.choice(["Instant", "Sorcery"])))
        width, height = half_h, x1 - x0                      # the half, upright: a small portrait card
        painted, _ = paint_frame(pen.rng, half_spec, pen.era, width, height)
        half = Pen(pen.rng, Image.fromarray(np.uint8(painted)).convert("RGBA"), half_spec, pen.era, pen.photos)
        normal_face(half)
        top = y1 - half_h * (i + 1)
        pen.canvas.paste(half.canvas.rotate(90, expand=True), (x0, top))
        for part, boxes in half.record.items():
            for bx0, by0, bx1, by1 in boxes if isinstance(boxes, list) else []:
                pen.add(part, (x0 + by0, top + width - bx1, x0 + by1, top + width - bx0))
        pen.add("half", (x0, top, x1, top + half_h))
        pen.draw.line((x0, top, x1, top), fill=(14, 13, 15), width=4)
    credits(pen, frame_box, (x0, y1, x1, y1))


def normal_face(pen: Pen) -> None:
    """A split card's half: art, title, type line and text box, without credits."""
    spec = pen.spec
    art(pen, pen.box("art"))
    title(pen, pen.box("title"), spec.name, spec.mana_cost)
    type_line(pen, pen.box("type"), spec.type_line)
    text_box(pen, pen.box("text"), card_parts.card_paragraphs(pen.rng, spec.name, spec.colors)[:2])


LAYOUTS = {"normal": normal, "basic_land": basic_land, "planeswalker": planeswalker, "saga": saga,
           "adventure": adventure, "token": token, "split": split}
