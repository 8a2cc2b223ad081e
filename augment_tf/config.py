"""Every knob of the synthesis in one place: geometry, scene content, photometric effects.

Each photometric and scene effect is an `Effect`: a probability and a range its
strength is drawn from. Configs are frozen dataclasses, so a training run can
write them to JSON (`to_dict`) and rebuild them exactly (`from_dict`).
"""

import dataclasses
import json
import pathlib
from typing import Any


@dataclasses.dataclass(frozen=True)
class Effect:
    """An effect applied to a sample with probability `p`, its strength uniform in [low, high].

    `p` may also be a scalar tensor, where a curriculum scales it in the graph
    (`model.training.curriculum`): the recipe is then compiled once for every difficulty.
    """
    p: float
    low: float
    high: float

    def __post_init__(self):
        if isinstance(self.p, (int, float)) and not 0.0 <= self.p <= 1.0 or self.low > self.high:
            raise ValueError(f"Effect needs 0 <= p <= 1 and low <= high. Received: {self}")

    @property
    def used(self) -> bool:
        """Whether some sample may get the effect, so its layer must be in the graph: p > 0, or p a tensor."""
        return not isinstance(self.p, (int, float)) or self.p > 0


@dataclasses.dataclass(frozen=True)
class GeometryConfig:
    """Where the labelled card lands and how the camera sees it.

    Attributes:
      scale: the card's larger projected extent as a fraction of the frame side
        (a deck's small cards take `SceneConfig.deck`'s range instead).
      max_rotation_deg: in-plane rotation is uniform in +-this.
      max_tilt_deg: out-of-plane tilt from the camera axis, uniform in 0..this.
      focal: focal length in frame sides (0.7 is a phone's wide lens, 2.5 a zoom).
      max_shear: image-space shear, uniform in +-this on each axis.
      allow_outside: let corners leave the frame (then `visible` flags them).
      barrel: lens barrel distortion k (`augment_tf.lens`): a frame corner shows
        scene content 1 + 2k times as far from the centre as a pinhole would.
      centre_p: share of samples whose card sits near the frame's centre (its
        bounding box's centre within 10% of the side of it) and is small (the
        lower 40% of `scale`: 15-43% by default), so that whole neighbours fit
        around it, as on a binder page or a table of cards; the rest land anywhere.
      letterbox_p: share of samples framed as a predictor letterboxes a phone
        photo: the content is a centred box of aspect 3:4, 4:3, 9:16, 16:9, 2:3
        or 3:2 (its longer side the frame's), the card's corners lie in it, and
        the bars outside it are black (exactly 0).
    """
    scale: tuple[float, float] = (0.15, 0.85)
    max_rotation_deg: float = 180.0
    max_tilt_deg: float = 60.0
    focal: tuple[float, float] = (0.7, 2.5)
    max_shear: float = 0.08
    allow_outside: bool = False
    barrel: Effect = Effect(0.5, 0.0, 0.05)
    centre_p: float = 0.3
    letterbox_p: float = 0.3

    def __post_init__(self):
        if not (0.0 <= self.centre_p <= 1.0 and 0.0 <= self.letterbox_p <= 1.0):
            raise ValueError("GeometryConfig needs centre_p and letterbox_p in 0..1. "
                             f"Received: centre_p={self.centre_p}, letterbox_p={self.letterbox_p}")


@dataclasses.dataclass(frozen=True)
class SceneConfig:
    """What else is in the photo: other cards, occluders, a sleeve, the background.

    Attributes:
      empty_p: share of samples with no card to find (`augment_tf.presence`):
        half show no labelled card at all, half show it cut by the frame's edge;
        no neighbour is whole in them. `synthesize`'s `present` is False there.
      neighbor_slots: how many other-card slots each sample has; in a grid, slot k
        lies in direction k mod 8 (right, left, below, above, diagonals), so 8
        can fill a binder page around the card. All slots share one texture
        pass, so a slot costs only per-pixel coordinate math: 8 slots cost 4%
        more than 2 (256 px, one CPU core, XLA), but 15 cost 29% more than 8. Its old name, `neighbors`, still
        loads (`OLD_NAMES`).
      neighbor: per slot: presence probability and the gap to the labelled card
        as a fraction of its width (negative overlaps).
      loose_neighbor_p: share of present neighbours thrown at any angle rather
        than laid in a binder/table grid.
      tilt: share of loose and table-grid neighbours in the first two slots
        (`scene.planes.TILTED_SLOTS`) that lie in a plane of their own:
        leaning on something, tilted by this many degrees against the table
        about an axis through their centre, so their outline is foreshortened
        and keystoned against the labelled card's. The cards of a page, a fan,
        a stack or a spread lie flat.
      binder: share of samples that are a binder page (`scene.binder`): the
        labelled card and its neighbours sit in the pockets of a 3 x 3 or 2 x 2
        page, every pocket filled but the empty ones, each card anywhere in its
        pocket's slack, under the pockets' clear film with its glare and seams,
        on the page's backing; and the gap between pockets as a fraction of the
        card's width. Neighbours, which
        also take every card treatment below (wear, foil, a sleeve), are what
        make a page: a recipe without them draws no page.
      fan: share of samples whose neighbours are a fan (`scene.piles`), a hand
        of 2-6 cards under the labelled card, each turned a further step about
        a pivot near the labelled card's bottom edge, so each shows a strip of
        the next; and the step between cards in degrees (one per image, either
        way). Only the labelled card, on top, can be whole.
      stack: share of samples whose neighbours are a stack, a pile of 2-5
        cards under the labelled card, each turned up to 4 degrees and shifted
        in any direction by this range of the card's width, so mostly covered.
        A fan and a stack are drawn exclusively (`fan.p + stack.p` at most 1),
        only under a drawn labelled card, and a binder page wins over both:
        the share of fans is `fan.p` of the images without a page. Like pages,
        they need neighbour slots (`neighbor_slots`), not `neighbor.p`.
      spread: share of samples (of those without a page, fan or stack, under a
        drawn labelled card) whose neighbours are a spread (`scene.spreads`):
        cards laid out on the table in a grid of 1-5 rows by 2-6 columns with
        the labelled card, one card a cell, each shifted and turned a little on
        its own (up to 3 degrees, as the gap allows) but touching none; and the
        gap between cards as a fraction of the card's width (cards nearer than
        4.5% neither shift nor turn, and under 3% they are not whole: a whole
        card's corners lie clear of the next card). The grid extends
        away from the frame's centre, so the labelled card stays the whole card
        nearest it; the slots (`neighbor_slots`) fill the cells nearest the
        labelled card, and every other cell is a tiled slot (`spreads.tiled_slots`),
        drawn by cell lookup, so the whole grid is laid out.
      deck: share of samples that are a whole deck laid out (`scene.spreads`):
        a spread of 3-6 rows by 4-8 columns around a small labelled card near
        the frame's centre (its larger extent low..high of the frame, so each
        card is a few percent of it), on the spread's gaps; tens of cards,
        those cut by the frame's edge not whole. Like spreads, decks need
        neighbour slots, and a binder page, a fan or a stack wins over them.
        At 5%, a 3,600-step run found more real cards at every bar than the
        same recipe without decks; both read one close-up card's upper half as
        a card (docs/synthesis.md).
      page_curve: share of binder pages whose sheet bulges or sags between the
        rings (`lens.sample_page_curve`): the page, its cards and everything
        else seen through the curve, the labels too; and the height of the
        bulge's crest as a share of the camera's distance (a point there looks
        that much larger). Off by default: a run with half the pages curved found no
        more real cards than flat pages (benchmarks/README).
      occluder: presence probability, and size as a fraction of the card's shorter side.
      sleeve: presence probability, and the margin around the card in mm. The
        labelled card and each neighbour draw their own presence; neighbours
        share one sleeve design per image (one player's deck).
      contact_shadow: presence probability (for cards lying on a table), and
        how much the soft shadow along the card's edges darkens the table;
        the neighbours cast the same shadow along theirs.
      wear: presence probability of a played card's whitened edges and corners,
        and how far they whiten (1 shows the bare card stock); per card, the
        labelled one and each neighbour.
      foil: presence probability of a foil card's rainbow sheen, and its
        strength (the light screened over the card where the reflection peaks);
        per card, as `wear`.
      dark_pairing: for a labelled card with a dark rim (a black border, or a
        borderless card's dark edge), the probability that its background is
        darkened, and the range of the mean luma (0..1) it is brought down to
        (a target drawn per image; a background already darker stays). Old
        black-bordered cards on dark cloth or wood are where corners slip, and
        random backgrounds pair them with dark ones too rarely
        (`background.dark_pairing_gain`). Other cards' backgrounds are never changed.
      background_zoom: how much the background crop is magnified (at the card's centre).
      table_p: share of samples where the background is the surface the card lies
        on, in the card's plane and perspective; the rest face the camera, as
        behind a card held up. Frames that see the plane's horizon always face the camera.
      depth_of_field: how far out of focus (in mip levels, each a 2x blur) a
        background behind a held card is, uniform in this range.
    """
    empty_p: float = 0.1
    neighbor_slots: int = 8
    neighbor: Effect = Effect(0.45, -0.04, 0.25)
    loose_neighbor_p: float = 0.3
    tilt: Effect = Effect(0.3, 10.0, 40.0)
    binder: Effect = Effect(0.15, 0.06, 0.15)
    fan: Effect = Effect(0.05, 6.0, 15.0)
    stack: Effect = Effect(0.03, 0.01, 0.05)
    spread: Effect = Effect(0.1, 0.05, 0.15)
    deck: Effect = Effect(0.05, 0.1, 0.2)
    page_curve: Effect = Effect(0.0, 0.005, 0.02)
    occluder: Effect = Effect(0.35, 0.12, 0.35)
    sleeve: Effect = Effect(0.35, 0.6, 2.0)
    contact_shadow: Effect = Effect(0.6, 0.15, 0.5)
    wear: Effect = Effect(0.4, 0.3, 1.0)
    foil: Effect = Effect(0.15, 0.15, 0.6)
    dark_pairing: Effect = Effect(0.5, 0.04, 0.15)
    background_zoom: tuple[float, float] = (1.0, 3.0)
    table_p: float = 0.7
    depth_of_field: tuple[float, float] = (0.0, 3.0)

    def __post_init__(self):
        if not 0.0 <= self.empty_p <= 1.0 or self.neighbor_slots < 0:
            raise ValueError("SceneConfig needs empty_p in 0..1 and neighbor_slots >= 0. "
                             f"Received: empty_p={self.empty_p}, neighbor_slots={self.neighbor_slots}")
        shares = (self.fan.p, self.stack.p)
        if all(isinstance(p, (int, float)) for p in shares) and sum(shares) > 1.0:
            raise ValueError(f"SceneConfig draws fans and stacks exclusively, so fan.p + stack.p must be at most 1. "
                             f"Received: fan.p={self.fan.p}, stack.p={self.stack.p}")


@dataclasses.dataclass(frozen=True)
class PhotometricConfig:
    """Camera and lighting effects, applied in the order a camera would produce them.

    Spatial strengths are fractions of the frame side, so the look does not
    change with the output size.
    """
    shadow: Effect = Effect(0.35, 0.15, 0.6)           # darkening inside the shadow
    glare: Effect = Effect(0.35, 0.2, 1.0)             # peak added brightness
    defocus: Effect = Effect(0.3, 0.0, 0.006)          # Gaussian sigma
    motion_blur: Effect = Effect(0.2, 0.0, 0.02)       # streak length
    sharpen: Effect = Effect(0.5, 0.3, 1.5)            # a phone's unsharp mask: halo height per edge step
    vignette: Effect = Effect(0.5, 0.05, 0.45)         # darkening at the corners
    lamp: Effect = Effect(0.4, 0.3, 1.5)               # a nearby lamp's hot spot over the ambient light
    white_balance: Effect = Effect(0.7, -0.2, 0.2)     # warm (+) or cool (-) log-gain
    brightness: Effect = Effect(0.8, -0.2, 0.2)        # added to every channel
    contrast: Effect = Effect(0.8, 0.65, 1.35)         # scale around the mean
    saturation: Effect = Effect(0.7, 0.3, 1.5)         # scale of chroma
    hue: Effect = Effect(0.4, -0.06, 0.06)             # rotation in turns
    gamma: Effect = Effect(0.5, 0.7, 1.4)
    noise: Effect = Effect(0.8, 0.002, 0.05)           # sensor noise scale (per-channel std 0.86x it at mid grey)
    jpeg: Effect = Effect(0.5, 15.0, 95.0)             # quality of the JPEG-like quantisation


@dataclasses.dataclass(frozen=True)
class SynthesisConfig:
    """A complete recipe for one synthesised batch.

    Attributes:
      size: output images are size x size pixels.
      card_height: height of the card textures the synthesis samples (their
        width follows from the 63:88 aspect); about 2x the largest card in the
        output keeps them sharp.
      mip_levels: texture pyramid depth for anti-aliased minification.
    """
    size: int = 256
    card_height: int = 512
    mip_levels: int = 5
    geometry: GeometryConfig = GeometryConfig()
    scene: SceneConfig = SceneConfig()
    photometric: PhotometricConfig = PhotometricConfig()

    def __post_init__(self):
        if self.size < 16 or self.size % 16 or self.card_height % 2 ** (self.mip_levels - 1):
            raise ValueError("SynthesisConfig needs size a multiple of 16 and card_height divisible by "
                             f"2**(mip_levels - 1). Received: size={self.size}, "
                             f"card_height={self.card_height}, mip_levels={self.mip_levels}")

    @classmethod
    def for_size(cls, size: int, **kwargs) -> "SynthesisConfig":
        """A config for `size` x `size` output with textures about twice the largest card.

        Args:
          size: output side, a multiple of 16.
          **kwargs: other fields to set.
        """
        card_height = min(1024, -(-2 * size // 16) * 16)
        return cls(size=size, card_height=card_height, **kwargs)

    @property
    def card_width(self) -> int:
        """Texture width: the card's 63:88 aspect, rounded to a multiple of the mip step."""
        step = 2 ** (self.mip_levels - 1)
        return max(step, round(self.card_height * 63 / 88 / step) * step)

    def to_dict(self) -> dict[str, Any]:
        """Returns plain JSON-able nested dicts."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], base: "SynthesisConfig | None" = None) -> "SynthesisConfig":
        """Builds a config from nested dicts, as `to_dict` writes them.

        Args:
          values: nested dicts; keys left out keep `base`'s values, at any
            depth (`{"scene": {"occluder": {"p": 1.0}}}` changes one number).
            A renamed field's old name (`OLD_NAMES`) still works, so saved
            `config.json` files, `--synthesis_config` files and saved
            `Synthesis` layers load.
          base: the config to start from; the defaults if None.

        Raises:
          ValueError: on an unknown key, a field given under both its names, or an invalid value.
        """
        return _from_dict(base or cls(), values)


# Renamed fields, old name -> new name, per config class: `from_dict` reads either.
OLD_NAMES: dict[type, dict[str, str]] = {SceneConfig: {"neighbors": "neighbor_slots"}}


def add_recipe_flag(parser, when: str = "") -> None:
    """Adds `--synthesis_config JSON_FILE` to a command line; `recipe(size, args.synthesis_config)` reads it.

    Args:
      parser: an `argparse.ArgumentParser`.
      when: a prefix for the help text naming when the flag applies ("with --data_dir: ").
    """
    parser.add_argument("--synthesis_config", metavar="JSON_FILE",
                        help=f"{when}a JSON file of SynthesisConfig fields to change from the default recipe at "
                             'the image size, at any depth, e.g. {"scene": {"occluder": {"p": 1.0}}} to put an '
                             "occluder on every card")


def recipe(size: int, path: str | None = None) -> SynthesisConfig:
    """The default recipe at `size`, changed by a JSON file of `SynthesisConfig` fields (as the CLIs'
    `--synthesis_config` takes it).

    Raises:
      ValueError: the file cannot be read, is not JSON, or names an unknown or invalid field.
    """
    config = SynthesisConfig.for_size(size)
    if not path:
        return config
    try:
        changes = json.loads(pathlib.Path(path).read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(str(error)) from None
    try:
        return SynthesisConfig.from_dict(changes, base=config)
    except TypeError as error:
        raise ValueError(str(error)) from None


def _from_dict(base, values: dict[str, Any]):
    """`base` (a config dataclass) with the fields named in `values` replaced, recursively."""
    if not isinstance(values, dict):
        raise ValueError(f"{type(base).__name__} needs a dict of fields. Received: {values!r}")
    values = _current_names(type(base), values)
    names = {field.name for field in dataclasses.fields(base)}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"Unknown {type(base).__name__} keys: {sorted(unknown)}")
    changes = {}
    for name, value in values.items():
        default = getattr(base, name)
        if dataclasses.is_dataclass(default):
            value = _from_dict(default, value)
        elif isinstance(default, tuple):
            value = tuple(value)
        changes[name] = value
    return dataclasses.replace(base, **changes)


def _current_names(config_class: type, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the old names of `config_class`'s renamed fields replaced by their new ones."""
    renamed = OLD_NAMES.get(config_class, {})
    current = {renamed.get(name, name): value for name, value in values.items()}
    if len(current) < len(values):
        both = sorted(name for name in values if name in renamed and renamed[name] in values)
        raise ValueError(f"{config_class.__name__} fields given under both their old and new names: "
                         + ", ".join(f"{old} and {renamed[old]}" for old in both))
    return current
