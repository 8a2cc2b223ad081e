"""A curriculum from easy to full difficulty: the synthesis recipe scaled by a difficulty in 0..1.

At difficulty 0 cards are large and flat-on, and no scene layer or camera
effect is drawn; at 1 the recipe is the full one. Every effect's probability
scales with the difficulty, so the network first learns what a card's corner
is, then meets the clutter. Frames without a card (`empty_p`) keep their
share throughout: presence is learned from the start.

The difficulty may be a scalar tensor (the trainer's `difficulty` variable):
the recipe's probabilities, smallest scale and largest tilt then become
tensors in the graph, and one compiled synthesis serves every difficulty.
Before, each new difficulty compiled a new synthesis, about 45 s each on a CPU.
A layer then drawn at p = 0 is neutral, as if left out, but for one: the
JPEG stage's neutral quality (100) still halves the chroma.
"""

import dataclasses

from augment_tf.config import Effect, SynthesisConfig

# At difficulty 0: the card covers at least this much of the frame, and tilts at most this far.
_EASY_MIN_SCALE = 0.45
_EASY_MAX_TILT_DEG = 20.0


def at_difficulty(config: SynthesisConfig, difficulty) -> SynthesisConfig:
    """The recipe `config` made easier: difficulty 1 (a number) returns it unchanged.

    Args:
      config: the full-difficulty recipe.
      difficulty: in 0..1, a number or a scalar float32 tensor. A probability
        that is 0 in `config` stays the number 0, so its layer stays out of the graph.
    """
    if isinstance(difficulty, (int, float)):
        if check_difficulty(difficulty) == 1.0:
            return config
    geometry = config.geometry
    low, high = geometry.scale
    easy_low = min(high, max(low, _EASY_MIN_SCALE))
    tilt = geometry.max_tilt_deg
    if tilt > _EASY_MAX_TILT_DEG:
        tilt = _EASY_MAX_TILT_DEG + (tilt - _EASY_MAX_TILT_DEG) * difficulty
    geometry = dataclasses.replace(_scaled_effects(geometry, difficulty),
                                   scale=(easy_low + (low - easy_low) * difficulty, high), max_tilt_deg=tilt)
    return dataclasses.replace(config, geometry=geometry,
                               scene=_scaled_effects(config.scene, difficulty),
                               photometric=_scaled_effects(config.photometric, difficulty))


def check_difficulty(difficulty: float) -> float:
    """`difficulty` itself, a number in 0..1.

    Raises:
      ValueError: outside 0..1.
    """
    if not 0.0 <= difficulty <= 1.0:
        raise ValueError(f"difficulty must be in 0..1. Received: {difficulty}")
    return difficulty


def difficulty_at(epoch: int, ramp_epochs: int, levels: int = 4) -> float:
    """The curriculum's difficulty in `epoch` (0-based): rising over `ramp_epochs`, in `levels` steps.

    Steps, not a smooth ramp: each new recipe once compiled a new synthesis,
    and every model so far was trained on these steps. A difficulty tensor
    (`at_difficulty`) no longer needs them; a smoother ramp is unmeasured.
    """
    if ramp_epochs <= 0 or epoch >= ramp_epochs:
        return 1.0
    return round(min(levels - 1, epoch * levels // ramp_epochs) / levels, 4)


def _scaled_effects(section, difficulty: float):
    """A config section with every `Effect`'s probability scaled by `difficulty` (0 stays 0)."""
    changes = {field.name: dataclasses.replace(value, p=value.p * difficulty)
               for field in dataclasses.fields(section)
               if isinstance(value := getattr(section, field.name), Effect) and value.p}
    return dataclasses.replace(section, **changes)
