"""Fans and stacks: the neighbours piled under the labelled card, each partly hidden by the card above it.

A **fan** is a hand of cards, held or laid down: neighbour slot k is the
labelled card turned (k + 1) times a step (`SceneConfig.fan`, one step and one
direction per image) about a pivot near its bottom edge, so each card shows a
strip of the next. A **stack** is a pile: each slot is the labelled card shifted
a little (`SceneConfig.stack`, of its width, in any direction) and turned up to
`STACK_TURN_DEG`, so it is mostly covered.

The labelled card is the top of the pile, slot 0 lies right under it, slot 1
under slot 0, and so on: each pixel shows the first slot covering it
(`neighbors.draw_neighbors`), so slot order is the pile's drawing order. A pile
fills its first `count` slots and leaves the rest empty. Each card under another
shows at most about a fifth of its face (at the widest default fan step, 15
degrees), far more hidden than `whole_cards.MAX_HIDDEN`, so only the top card
can be whole.
A pile needs its top card drawn (not in an empty frame that leaves the labelled
card out), and a binder page wins over it: the two never share an image.
"""

import math

import tensorflow as tf

from augment_tf import homography, seeds
from augment_tf.config import SceneConfig

FAN_CARDS = (2, 6)      # cards in a fan, the labelled card included: 1 to 5 neighbour slots
STACK_CARDS = (2, 5)    # cards in a stack, likewise
STACK_TURN_DEG = 4.0    # a stacked card turns at most this much from the labelled card
_PIVOT = ((0.2, 0.8), (0.85, 1.0))   # where a fan turns: across the card's width, and down its height


def sample_piles(seed: tf.Tensor, drawn: tf.Tensor, width: int, height: int, config: SceneConfig,
                 page: dict[str, tf.Tensor] | None = None) -> dict[str, tf.Tensor]:
    """Draws each image's pile: a fan, a stack or none, its count and where each slot lies.

    Args:
      seed: [2] int seed.
      drawn: [B] bool, the labelled card is drawn (`presence`): only a drawn card tops a pile.
      width, height: card texture size in texels.
      config: `fan` and `stack` set each kind's share of the images (drawn
        exclusively) and its spread: a fan's step in degrees, a stack's shift as
        a fraction of the width; `neighbor_slots` is S.
      page: the binder page (`binder.sample_binder`), which wins; None in a recipe without pages.

    Returns:
      dict: `present` [B] bool, a fan or stack; `fan` [B] bool, a fan (else a
      stack); `count` [B] int32 slots filled (the rest empty); `pivot` [B, 2],
      `angle` [B, S] radians and `shift` [B, S, 2] texels: slot k is the
      labelled card turned by `angle[:, k]` about `pivot`, then shifted by
      `shift[:, k]` (`placement`).
    """
    batch_size, slots = tf.shape(drawn)[0], config.neighbor_slots
    b, per_slot = [batch_size], [batch_size, slots]
    kind = seeds.uniform(seed, "kind", b)
    fan = kind < config.fan.p
    stack = ~fan & (kind < config.fan.p + config.stack.p)
    on_top = drawn if page is None else drawn & ~page["present"]                       # [B]: may top a pile
    count = tf.where(fan, seeds.integers(seed, "fan_count", b, FAN_CARDS[0] - 1, FAN_CARDS[1]),
                     seeds.integers(seed, "stack_count", b, STACK_CARDS[0] - 1, STACK_CARDS[1]))
    # A fan: one step per image, either way, times the slot's depth in the pile.
    step = (seeds.uniform(seed, "step", b, config.fan.low, config.fan.high) * (math.pi / 180)
            * tf.where(seeds.bernoulli(seed, "clockwise", b, 0.5), 1.0, -1.0))
    depth = tf.range(1, slots + 1, dtype=tf.float32)                                    # [S]
    (u0, u1), (v0, v1) = _PIVOT
    pivot = tf.stack([seeds.uniform(seed, "pivot_u", b, u0, u1) * width,
                      seeds.uniform(seed, "pivot_v", b, v0, v1) * height], -1)          # [B, 2]
    # A stack: each slot its own small shift and turn about the card's centre.
    reach = seeds.uniform(seed, "reach", per_slot, config.stack.low, config.stack.high) * width
    bearing = seeds.uniform(seed, "bearing", per_slot, 0.0, 2 * math.pi)
    turn = seeds.uniform(seed, "turn", per_slot, -1.0, 1.0) * math.radians(STACK_TURN_DEG)
    centre = tf.constant([width / 2, height / 2])
    return {
        "present": (fan | stack) & on_top,
        "fan": fan,
        "count": tf.minimum(count, slots),
        "pivot": tf.where(fan[:, None], pivot, centre),
        "angle": tf.where(fan[:, None], step[:, None] * depth, turn),
        "shift": tf.where(fan[:, None, None], 0.0, tf.stack([tf.cos(bearing), tf.sin(bearing)], -1) * reach[..., None]),
    }


def holds(pile: dict[str, tf.Tensor], slot: int) -> tf.Tensor:
    """[B] bool: the image's pile puts a card in slot `slot`."""
    return pile["present"] & (slot < pile["count"])


def placement(pile: dict[str, tf.Tensor], slot: int) -> tf.Tensor:
    """[B, 3, 3] maps from slot `slot`'s texels to the labelled card's, where the pile puts that slot's card."""
    pivot = pile["pivot"]
    return homography.compose(homography.translation(pivot + pile["shift"][:, slot]),
                              homography.rotation(pile["angle"][:, slot]), homography.translation(-pivot))
