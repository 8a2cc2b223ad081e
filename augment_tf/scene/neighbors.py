"""Other cards in the frame: binder and table neighbours of the labelled card.

Neighbours lie in the labelled card's plane, so they share its perspective: each
is an in-plane move (rotation + translation, in texels) of the labelled card;
a tilted one (`planes`) lies in a plane of its own, and its move is then a
homography of the labelled card's plane.
They lie under it and may touch or overlap it slightly. The labelled card is
the answer to "the whole card nearest the frame's centre", so a neighbour may
be whole (all 4 corners in the content box, as drawn) only where its centre is
farther from the frame's centre than the labelled card's by `WHOLE_MARGIN` of
the side, and only in frames where the labelled card is drawn and whole
(`presence`); otherwise it is partly hidden (out of frame, behind the camera,
under the drawn labelled card, or under the card above it in a fan or stack)
and no larger than the labelled card (but where a binder page, fan, stack or
spread places it). In a grid, slot k lies in direction k mod 8, so a binder page fills
up around the card; in a spread (`spreads`) the slots take the cells of a
larger grid laid out with the labelled card. All slots are drawn in one texture
pass: each pixel reads the first slot that covers it, so a slot costs per-pixel
coordinate math, not a texture read.

Every neighbour takes the card treatments the labelled card takes (`wear`,
`foil`, a `sleeves` sleeve), each slot with its own presence and strength and
all slots of an image sharing one design (one player's cards). A sleeved
neighbour is drawn as one piece with its sleeve: within the sleeve's bounds it
hides the slots below it. On a binder page (`binder`) the slots fill the
page's pockets instead; in a fan or a stack (`piles`) they lie under the
labelled card, each under the one before, every one partly hidden; in a spread
they lie in its cells, a gap apart. A spread's cells beyond the slots are its
tiled slots (`spreads.tiled_slots`), up to a whole deck: they follow the slots
in every [K, B] tensor, lie lowest, and are drawn together by cell lookup.
"""

import dataclasses
import math

import tensorflow as tf

from augment_tf import composite, fusion, homography, lens, seeds, texture
from augment_tf.composite import PlaneCoords
from augment_tf.config import SceneConfig
from augment_tf.geometry import inside_box, quad_area, texture_corners
from augment_tf.scene import binder, contact_shadow, foil, piles, planes, sleeves, spreads, wear

# Binder/table grid directions: right, left, below, above, then the diagonals.
_DIRECTIONS = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]]
WHOLE_MARGIN = 0.02   # a whole neighbour's centre is at least this frame side farther from the centre
_POCKET_TURN = math.radians(0.5)   # a card in a binder pocket turns at most this much
# The card treatments each slot draws, and the entry each slot keeps its own of (the rest is the image's design).
_PER_SLOT = {"sleeve": "present", "wear": "strength", "foil": "strength"}


@dataclasses.dataclass(frozen=True)
class Neighbors:
    """K neighbour slots of a batch.

    Attributes:
      to_neighbor: [K, B, 3, 3] maps from labelled-card texels to each neighbour's texels: affine, or
        projective where `projective`.
      present: [K, B] bool.
      card: [K, B] int32 index of the card texture each neighbour shows.
      sleeve: the slots' sleeves, `sleeves.sample_sleeves`'s dict with
        `present` [K, B] per slot and the rest [B], one design per image; None
        in a recipe without sleeves.
      wear: `wear.sample_wear`'s dict, `strength` [K, B] per slot (0: mint) and the rest [B]; None without wear.
      foil: `foil.sample_foil`'s dict, `strength` [K, B] per slot (0: plain) and the rest [B]; None without foil.
      piled: [B] bool, the slots are a fan or stack (`piles`), each lying on the next; None without piles.
      projective: how many of the first slots may be tilted (`planes.TILTED_SLOTS`, 0 without tilts): their
        texels are their maps' perspective division.
      tiled: D, how many of the last slots are a spread's tiled slots (`spreads.tiled_slots`): flat, each in its
        own cell of the grid, drawn by cell lookup; 0 in a recipe without spreads.
      tiling: where their cells are (`spreads.tiling`), None without tiled slots.
    """
    to_neighbor: tf.Tensor
    present: tf.Tensor
    card: tf.Tensor
    sleeve: dict[str, tf.Tensor] | None = None
    wear: dict[str, tf.Tensor] | None = None
    foil: dict[str, tf.Tensor] | None = None
    piled: tf.Tensor | None = None
    projective: int = 0
    tiled: int = 0
    tiling: dict[str, tf.Tensor] | None = None

    def extent(self, width: int, height: int) -> tf.Tensor:
        """[K, B, 4] each slot's bounds in its own texels (u0, v0, u1, v1): the card's, or its sleeve's."""
        card = tf.constant([0.0, 0.0, width, height])
        if self.sleeve is None:
            return tf.broadcast_to(card, tf.concat([tf.shape(self.present), [4]], 0))
        margin, top = self.sleeve["margin"], self.sleeve["top"]                             # [B]
        grow = tf.stack([-margin, -margin - top, margin, margin], -1)                       # [B, 4]
        return card + tf.where(self.sleeve["present"][..., None], grow, 0.0)


def _placement(seed: tf.Tensor, slot: int, batch_size, width: int, height: int, config: SceneConfig,
               page: dict[str, tf.Tensor] | None, pile: dict[str, tf.Tensor] | None,
               spread: dict[str, tf.Tensor] | None, spread_maps: tf.Tensor | None, arranged: tf.Tensor) -> tf.Tensor:
    """Returns [B, 3, 3] maps from slot `slot`'s neighbour texels to the labelled card's texels.

    In a grid (and always in a binder page's pocket) the slot lies in its
    direction; a loose neighbour lies at any bearing and angle; in a fan or
    stack, where the pile puts it (`piles.placement`); in a spread, in its cell
    (`spread_maps` [B, T, 3, 3], `spreads.placements`; None without spreads).
    A loose or grid neighbour (not `arranged` [B]: no page, pile or spread places it) in one of the first
    `planes.TILTED_SLOTS` may tilt out of the plane (`planes.tilt_map`).
    """
    b = [batch_size]
    direction = tf.constant(_DIRECTIONS[slot % len(_DIRECTIONS)], tf.float32)     # [2]: each slot its own spot
    gap = seeds.uniform(seed, "gap", b, config.neighbor.low, config.neighbor.high) * width
    jitter = seeds.normal(seed, "jitter", [batch_size, 2]) * 0.015 * width
    grid_angle = seeds.normal(seed, "grid_angle", b) * math.radians(2.0)
    loose = seeds.bernoulli(seed, "loose", b, config.loose_neighbor_p)
    if page is not None:          # anywhere in its pocket's slack, turned too little to touch the next pocket's card
        in_pocket = page["present"]
        gap, loose = tf.where(in_pocket, page["gap"], gap), loose & ~in_pocket
        slack = seeds.uniform(seed, "pocket_jitter", [batch_size, 2], -binder.POCKET_SLACK, binder.POCKET_SLACK)
        jitter = tf.where(in_pocket[:, None], page["shift"] + slack * page["gap"][:, None], jitter)
        grid_angle = tf.where(in_pocket, seeds.uniform(seed, "pocket_angle", b, -1.0, 1.0) * _POCKET_TURN, grid_angle)
    grid = direction * tf.stack([width + gap, height + gap], -1) + jitter
    radius = seeds.uniform(seed, "radius", b, 0.75, 1.3) * height
    bearing = seeds.uniform(seed, "bearing", b, 0.0, 2 * math.pi)
    loose_offset = tf.stack([radius * tf.cos(bearing), radius * tf.sin(bearing)], -1)
    offset = tf.where(loose[:, None], loose_offset, grid)
    angle = tf.where(loose, seeds.uniform(seed, "loose_angle", b, -math.pi, math.pi), grid_angle)
    centre = tf.tile(tf.constant([[width / 2, height / 2]], tf.float32), [batch_size, 1])
    placed = homography.compose(homography.translation(centre + offset), homography.rotation(angle),
                                homography.translation(-centre))                  # [B, 3, 3]
    if pile is not None:
        placed = tf.where(pile["present"][:, None, None], piles.placement(pile, slot), placed)
    if config.tilt.used and slot < planes.TILTED_SLOTS:
        placed = homography.compose(placed, planes.tilt_map(seed, batch_size, width, height, config.tilt, ~arranged))
    if spread is not None:
        placed = tf.where(spread["present"][:, None, None], spread_maps[:, slot], placed)
    return placed


def _wanted(seed: tf.Tensor, slot: int, batch_size, config: SceneConfig,
            page: dict[str, tf.Tensor] | None, pile: dict[str, tf.Tensor] | None,
            spread: dict[str, tf.Tensor] | None = None) -> tf.Tensor:
    """[B] bool: the recipe puts a card in slot `slot`: by `neighbor.p`, or on a binder page in its pocket
    (when the page has one in the slot's direction, and it is not left empty), or in a fan or stack up to its
    count, or in a spread where the grid has a cell for it."""
    wanted = seeds.bernoulli(seed, "present", [batch_size], config.neighbor.p)
    if page is not None:
        pocket = (binder.in_page(page, _DIRECTIONS[slot]) if slot < len(_DIRECTIONS)
                  else tf.zeros_like(wanted))               # a page has at most 8 pockets around the card's
        filled = pocket & ~seeds.bernoulli(seed, "empty", [batch_size], binder.EMPTY_POCKET_P)
        wanted = tf.where(page["present"], filled, wanted)
    if pile is not None:
        wanted = tf.where(pile["present"], piles.holds(pile, slot), wanted)
    if spread is not None:
        wanted = tf.where(spread["present"], spreads.holds(spread, slot), wanted)
    return wanted


def _as_drawn(card_to_image: tf.Tensor, geo: dict[str, tf.Tensor], width: int, height: int,
              size: int) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Where a card's texture corners and centre are drawn (through the lens).

    Returns:
      (points [B, 5, 2]: TL, TR, BR, BL, centre in output pixels; in_front [B]
      bool, all in front of the camera; scene corners [B, 4, 2], before the lens).
    """
    batch_size = tf.shape(card_to_image)[0]
    corners = texture_corners(width, height, batch_size)
    points = tf.concat([corners, tf.tile([[[width / 2, height / 2]]], [batch_size, 1, 1])], 1)   # [B, 5, 2]
    projected = tf.linalg.matmul(tf.concat([points, tf.ones_like(points[..., :1])], -1), card_to_image,
                                 transpose_b=True)                                            # [B, 5, 3]
    in_front = tf.reduce_all(projected[..., 2] > 0, axis=-1)
    scene = projected[..., :2] / tf.where(projected[..., 2:] > 0, projected[..., 2:], 1.0)
    return lens.image_points(geo["barrel"], scene, size, geo.get("page_curve")), in_front, scene[:, :4]


def _distance_from_centre(point: tf.Tensor, size: int) -> tf.Tensor:
    """[B] distance of [B, 2] points from the frame's centre, in pixels."""
    return tf.norm(point - size / 2.0, axis=-1)


def _allowed(geo: dict[str, tf.Tensor], to_target: tf.Tensor, width: int, height: int, size: int,
             arranged: tf.Tensor, piled: tf.Tensor) -> tf.Tensor:
    """[B] bool: the neighbour may be drawn.

    Either it is partly hidden (out of the content box or behind the camera as
    drawn, under the drawn labelled card, or `piled` [B]: under the card above
    it in a fan or stack) and not larger than the labelled card, unless it is
    `arranged` [B] (a binder page's pocket, a fan, a stack or a spread places
    it, and keeps it filled); or it is whole, the labelled card is drawn and
    whole, and the neighbour's centre is farther from the frame's centre by
    `WHOLE_MARGIN`.
    """
    card_to_image, box, drawn = geo["homography"], geo["content_box"], geo["drawn"]
    points, in_front, scene = _as_drawn(homography.compose(card_to_image, to_target), geo, width, height, size)
    target, _, target_scene = _as_drawn(card_to_image, geo, width, height, size)
    whole = in_front & tf.reduce_all(inside_box(points[:, :4], box), axis=-1)
    on_target = homography.apply_homography(to_target, texture_corners(width, height, tf.shape(to_target)[0]))
    under_target = drawn & tf.reduce_any(tf.reduce_all((on_target >= 0) & (on_target <= [width, height]), -1), -1)
    larger = in_front & (quad_area(scene) > quad_area(target_scene))
    target_whole = drawn & tf.reduce_all(inside_box(target[:, :4], box), axis=-1)
    farther = (_distance_from_centre(points[:, 4], size)
               >= _distance_from_centre(target[:, 4], size) + WHOLE_MARGIN * size)
    hidden = ~whole | under_target | piled
    return (hidden & (~larger | arranged)) | (~hidden & target_whole & farther)


def sample_neighbors(seed: tf.Tensor, geo: dict[str, tf.Tensor], texture_size: tuple[int, int], size: int,
                     config: SceneConfig, page: dict[str, tf.Tensor] | None = None,
                     pile: dict[str, tf.Tensor] | None = None,
                     spread: dict[str, tf.Tensor] | None = None) -> Neighbors:
    """Samples `config.neighbor_slots` neighbour slots per image, with their treatments.

    Args:
      seed: [2] int seed.
      geo: the labelled card's `homography` [B, 3, 3] (texels to scene pixels),
        `content_box` [B, 4], `barrel` [B] and `drawn` [B] bool
        (`geometry.sample_card_geometry`, `lens`, `presence`).
      texture_size: (width, height) of card textures.
      size: output side in pixels.
      config: scene settings.
      page: the binder page (`binder.sample_binder`), or None in a recipe without pages.
      pile: the fan or stack (`piles.sample_piles`), or None in a recipe without them.
      spread: the spread (`spreads.sample_spreads`), or None in a recipe without spreads.

    Returns:
      `Neighbors`; slot k of image b shows card (b + k + 1) mod B.
    """
    width, height = texture_size
    batch_size = tf.shape(geo["homography"])[0]
    if not config.neighbor_slots:
        return Neighbors(tf.zeros([0, batch_size, 3, 3]), tf.zeros([0, batch_size], tf.bool),
                         tf.zeros([0, batch_size], tf.int32))
    per_slot, designs = _treatments(seed, config.neighbor_slots, batch_size, width, config)
    sleeve = designs["sleeve"][1] if "sleeve" in designs else None    # a spread spaces its cells for this design
    spread_maps = None if spread is None else spreads.placements(spread, width, height, sleeve)     # [B, T, 3, 3]
    maps, present, cards = [], [], []
    piled = tf.zeros([batch_size], tf.bool) if pile is None else pile["present"]
    arranged = piled                                                   # [B]: a page, fan, stack or spread places them
    for layout in (page, spread):
        if layout is not None:
            arranged = arranged | layout["present"]
    for slot in range(config.neighbor_slots):
        slot_seed = seeds.child(seed, f"slot{slot}")
        to_target = _placement(slot_seed, slot, batch_size, width, height, config, page, pile, spread, spread_maps,
                               arranged)
        maps.append(homography.invert(to_target))
        present.append(_wanted(slot_seed, slot, batch_size, config, page, pile, spread)
                       & _allowed(geo, to_target, width, height, size, arranged, piled))
        cards.append((tf.range(batch_size) + slot + 1) % batch_size)
    stored = {"maps": tf.stack(maps), "present": tf.stack(present), "cards": tf.stack(cards), **per_slot}
    tiled = spreads.tiled_slots(config.neighbor_slots) if spread is not None else 0
    tiling = None
    if tiled:
        tiles = _tiled_slots(seeds.child(seed, "tiled"), geo, spread, spread_maps, width, height, size, config)
        stored = {name: tf.concat([value, tiles[name]], 0) for name, value in stored.items()}
        tiling = spreads.tiling(spread, config.neighbor_slots, tf.transpose(tiles["present"]), width, height, sleeve)
    stored = fusion.materialize_all(stored)                                                # [K, B, ...] each
    designs = {name: {**fusion.materialize_all(design), key: stored[name]} for name, (key, design) in designs.items()}
    return Neighbors(stored["maps"], stored["present"], stored["cards"], designs.get("sleeve"), designs.get("wear"),
                     designs.get("foil"), None if pile is None else piled,
                     min(config.neighbor_slots, planes.TILTED_SLOTS) if config.tilt.used else 0, tiled,
                     None if tiling is None else fusion.materialize_all(tiling))


def _tiled_slots(seed: tf.Tensor, geo: dict[str, tf.Tensor], spread: dict[str, tf.Tensor], spread_maps: tf.Tensor,
                 width: int, height: int, size: int, config: SceneConfig) -> dict[str, tf.Tensor]:
    """The spread's D tiled slots (its cells beyond the neighbour slots), all at once.

    Each holds a card where its cell is in the grid and the whole-neighbour rule allows it (`_allowed`: a whole
    card farther from the centre than the labelled card), with its own wear, foil and sleeve presence (the
    design is the neighbour slots').

    Returns:
      {"maps" [D, B, 3, 3] labelled-card texels to each slot's, "present" [D, B] bool, "cards" [D, B] int32,
      and each treatment's per-slot entry [D, B]}.
    """
    first = config.neighbor_slots
    count = spreads.tiled_slots(first)
    batch_size = tf.shape(spread["present"])[0]
    to_target = tf.reshape(spread_maps[:, first:], [-1, 3, 3])                             # [B * D, 3, 3]
    each = {name: tf.repeat(geo[name], count, axis=0)
            for name in ("homography", "content_box", "drawn", "barrel", "page_curve") if name in geo}
    everywhere = tf.ones([batch_size * count], tf.bool)
    allowed = tf.reshape(_allowed(each, to_target, width, height, size, everywhere, ~everywhere), [-1, count])
    present = spread["present"][:, None] & spread["filled"][:, first:] & allowed            # [B, D]
    per_slot, _ = _treatments(seed, count, batch_size, width, config)
    maps = tf.reshape(homography.invert(to_target), [-1, count, 3, 3])
    cards = (tf.range(batch_size)[:, None] + tf.range(first + 1, first + count + 1)) % batch_size
    return {"maps": tf.transpose(maps, [1, 0, 2, 3]), "present": tf.transpose(present), "cards": tf.transpose(cards),
            **per_slot}


def _treatments(seed: tf.Tensor, slots: int, batch_size, width: int, config: SceneConfig) -> tuple[dict, dict]:
    """The slots' sleeves, wear and foil, those the recipe draws.

    Each is drawn for all K x B slots at once; each slot keeps its own presence
    or strength, and the image's design is slot 0's.

    Returns:
      ({name: [K, B] per-slot presence or strength}, {name: (its key, the design's other entries [B, ...])}).
    """
    samplers = {"sleeve": sleeves.sample_sleeves, "wear": wear.sample_wear, "foil": foil.sample_foil}
    per_slot, designs = {}, {}
    for name, key in _PER_SLOT.items():
        if getattr(config, name).used:
            drawn = samplers[name](seeds.child(seed, name), slots * batch_size, width, config)
            drawn = {entry: tf.reshape(value, [slots, -1] + value.shape[1:].as_list())
                     for entry, value in drawn.items()}                                   # [K, B, ...]
            per_slot[name] = drawn.pop(key)
            designs[name] = (key, {entry: value[0] for entry, value in drawn.items()})
    return per_slot, designs


def draw_neighbors(atlases: tf.Tensor, layout: texture.AtlasLayout, neighbors: Neighbors, plane: PlaneCoords,
                   image: tf.Tensor, shadow: dict[str, tf.Tensor] | None = None) -> tf.Tensor:
    """Draws all neighbour slots over `image`, in one texture pass, each with its treatments and its shadow.

    Each pixel shows the first slot whose bounds (`Neighbors.extent`) cover
    it (a spread's tiled slots lie lowest: `_draw_tiled`): its card, worn and
    foiled as that slot is, between its sleeve's back and front film.
    A slot's bounds reach a pixel past its edge, the ring where its texture
    fades out (anti-aliasing over what lies below). In a fan or stack, whose
    every edge crosses the card below, a lower slot's face wins over that ring,
    or each edge would show a line of the table. Elsewhere slots seldom overlap
    one another, and a recipe without piles draws its slots as before them.
    On a table, each card casts the labelled card's contact shadow (one light:
    its darkness, offset and softness) on what lies under the neighbours.

    Args:
      atlases: [B, N] int32 card pyramids.
      layout: their layout.
      neighbors: from `sample_neighbors`.
      plane: the labelled card's plane coordinates of every output pixel.
      image: [B, P, 3] RGB under the neighbours.
      shadow: the image's contact shadow (`contact_shadow.sample_contact_shadows`, darkness 0 off the table), or
        None in a recipe without them.

    Returns:
      [B, P, 3] RGB.
    """
    margin = plane.texels_per_pixel                          # the anti-aliased ring around each card
    extent = neighbors.extent(layout.width, layout.height)   # [K, B, 4]
    per_slot = {name: (getattr(neighbors, name), key) for name, key in _PER_SLOT.items() if getattr(neighbors, name)}
    u, v, card, chosen, shade = _draw_tiled(neighbors, extent, per_slot, plane, shadow, layout.width, layout.height)
    face_below = tf.zeros(tf.shape(plane.u), tf.bool)       # [B, P]: inside a lower slot's bounds, in a pile
    piled = None if neighbors.piled is None else neighbors.piled[:, None]                # [B, 1]
    for slot in reversed(range(neighbors.present.shape[0] - neighbors.tiled)):
        m, box = neighbors.to_neighbor[slot], extent[slot][..., None]                   # [B, 3, 3], [B, 4, 1]
        us = m[:, 0, 0:1] * plane.u + m[:, 0, 1:2] * plane.v + m[:, 0, 2:3]
        vs = m[:, 1, 0:1] * plane.u + m[:, 1, 1:2] * plane.v + m[:, 1, 2:3]
        drawn = neighbors.present[slot][:, None] & plane.in_front
        if slot < neighbors.projective:                                                   # it may be tilted
            w = m[:, 2, 0:1] * plane.u + m[:, 2, 1:2] * plane.v + m[:, 2, 2:3]            # [B, P]
            drawn &= w > 0.0                                                              # short of its horizon
            inverse = tf.math.reciprocal(tf.maximum(w, 1e-6))                             # one division a pixel
            us, vs = us * inverse, vs * inverse
        if piled is None:
            covers = (drawn & (us > box[:, 0] - margin) & (us < box[:, 2] + margin) & (vs > box[:, 1] - margin)
                      & (vs < box[:, 3] + margin))                                      # [B, P]
        else:
            outside = tf.maximum(tf.maximum(box[:, 0] - us, us - box[:, 2]),
                                 tf.maximum(box[:, 1] - vs, vs - box[:, 3]))            # [B, P] texels, < 0 inside
            covers = drawn & (outside < tf.where(face_below, 0.0, margin))                # no ring over a face
            face_below |= drawn & piled & (outside < 0.0)
        if shadow is not None:
            cast = contact_shadow.shadow_cover(shadow, us, vs, layout.width, layout.height)   # [B, P]
            shade = tf.maximum(shade, tf.where(drawn, cast, 0.0))
        u, v = tf.where(covers, us, u), tf.where(covers, vs, v)
        card = tf.where(covers, neighbors.card[slot][:, None], card)
        for name, (treatment, key) in per_slot.items():
            chosen[name] = tf.where(covers, treatment[key][slot][:, None], chosen[name])
    if shadow is not None:
        image = image * (1.0 - shadow["darkness"][:, None] * shade)[..., None]
    on_slot = PlaneCoords(u, v, plane.texels_per_pixel, plane.in_front)                 # in each slot's texels
    rgba = texture.sample_atlas(atlases, layout, card, u, v, plane.lod)                 # [B, P, 4]
    if neighbors.wear is not None:
        rgba = wear.apply_wear({**neighbors.wear, "strength": chosen["wear"]}, rgba, on_slot, layout.width,
                               layout.height)
    if neighbors.foil is not None:
        rgba = foil.apply_foil({**neighbors.foil, "strength": chosen["foil"]}, rgba, on_slot)
    if neighbors.sleeve is None:
        return composite.over(rgba, image)
    back, front = sleeves.render_sleeves({**neighbors.sleeve, "present": chosen["sleeve"]}, on_slot, layout.width,
                                         layout.height)
    return composite.over(front, composite.over(rgba, composite.over(back, image)))


def _draw_tiled(neighbors: Neighbors, extent: tf.Tensor, per_slot: dict, plane: PlaneCoords,
                shadow: dict[str, tf.Tensor] | None, width: int, height: int) -> tuple:
    """What the tiled slots show at each pixel, under every other slot: each pixel reads the one tiled slot whose
    cell holds it (`spreads.tiled_slot_at`), so D cards cost one lookup, not D passes.

    Args:
      neighbors: from `sample_neighbors`; its last `tiled` slots are drawn here.
      extent: [K, B, 4] each slot's bounds (`Neighbors.extent`).
      per_slot: {treatment name: (its dict, its per-slot key)}, the treatments the recipe draws.
      plane: the labelled card's plane coordinates of every output pixel.
      shadow: the contact shadow, or None in a recipe without them.
      width, height: card texture size in texels.

    Returns:
      (u, v [B, P] texels of the card each pixel shows, -1e4 where none: it reads transparent; card [B, P]
      int32; {name: [B, P] the treatment's per-slot entry}; shade [B, P] the cards' contact shadow).
    """
    far = tf.fill(tf.shape(plane.u), -1e4)                   # far outside any card: reads transparent
    card, shade = tf.zeros(tf.shape(plane.u), tf.int32), tf.zeros(tf.shape(plane.u))
    chosen = {name: tf.zeros_like(treatment[key][0][:, None]) for name, (treatment, key) in per_slot.items()}
    if not neighbors.tiled:
        return far, far, card, chosen, shade
    first = neighbors.present.shape[0] - neighbors.tiled

    def tiled(tensor: tf.Tensor) -> tf.Tensor:
        """[B, D, F] float32 of the tiled slots' [K, B, ...] entries, F the entries' size a slot."""
        return tf.reshape(tf.transpose(tf.cast(tensor[first:], tf.float32), [1, 0] + list(range(2, tensor.shape.rank))),
                          [-1, neighbors.tiled, tensor.shape[2:].num_elements()])

    columns = {"map": tiled(neighbors.to_neighbor[:, :, :2, :]), "box": tiled(extent),
               "present": tiled(neighbors.present), "card": tiled(neighbors.card),
               **{name: tiled(treatment[key]) for name, (treatment, key) in per_slot.items()}}   # [B, D, F] each
    slot = spreads.tiled_slot_at(neighbors.tiling, plane.u, plane.v)                     # [B, P], -1 off the cells
    read = tf.gather(tf.concat(list(columns.values()), -1), tf.maximum(slot, 0), batch_dims=1)   # [B, P, F]
    at = dict(zip(columns, tf.split(read, [column.shape[-1] for column in columns.values()], axis=-1)))
    m, box = at["map"], at["box"]
    us = m[..., 0] * plane.u + m[..., 1] * plane.v + m[..., 2]                           # flat: affine
    vs = m[..., 3] * plane.u + m[..., 4] * plane.v + m[..., 5]
    drawn = (slot >= 0) & (at["present"][..., 0] > 0.5) & plane.in_front
    margin = plane.texels_per_pixel
    covers = (drawn & (us > box[..., 0] - margin) & (us < box[..., 2] + margin) & (vs > box[..., 1] - margin)
              & (vs < box[..., 3] + margin))                                              # [B, P]
    if shadow is not None:
        shade = tf.where(drawn, contact_shadow.shadow_cover(shadow, us, vs, width, height), 0.0)
    for name, value in chosen.items():
        read = at[name][..., 0]
        chosen[name] = tf.where(covers, read > 0.5 if value.dtype == tf.bool else read, value)
    card = tf.where(covers, tf.cast(at["card"][..., 0], tf.int32), card)
    return tf.where(covers, us, far), tf.where(covers, vs, far), card, chosen, shade
