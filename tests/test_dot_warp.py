"""Warp a dot: the pixels land where the labels say, to a tenth of a pixel.

Labels are the product, and a label half a pixel off its card still passes a test that samples a
colour mark a few pixels in. So: a black card carries small white dots at known texels, every layer
and effect is off, and each dot's intensity-weighted centroid in the photo must sit where the corner
labels' homography (and the lens) put the dot's centre. The oracle is `synthesis_helpers.CardView`:
float64 numpy from the returned corners alone.

The error left is not the warp's. A centroid of pixel samples of a blurred, perspective-warped dot is
not exactly the warped centre: the perspective and the lens bend the dot (second order in its size),
and a minified dot is a couple of coarse texels, sampled about one per pixel. With dots a few pixels
wide both stay under 0.035 px for this seed and 0.07 px for others (worst: 256 px frames), while
every pixel slipping a tenth of a pixel along x and y fails every case.
"""

import dataclasses
import math

import numpy as np
import pytest
import tensorflow as tf

from augment_tf import synthesize
from augment_tf.config import SynthesisConfig

from synthesis_helpers import (GEOMETRY_OFF, PHOTOMETRIC_OFF, SCENE_OFF, CardView, centroid, dotted_card,
                               fixed_barrel, pixel_centres, textures)

TOLERANCE = 0.1       # px


@dataclasses.dataclass(frozen=True)
class Case:
    """A frame size and a card texture whose dots are drawn magnified or minified.

    Attributes:
      size: output side in pixels.
      card_height: texture height in texels.
      scale: the card's extent as a fraction of the frame (`GeometryConfig.scale`).
      dot: the dots' side in texels, so that they are a few pixels wide.
      minified: the case's dots span at least 2 texels per pixel, else at most 1.
    """
    size: int
    card_height: int
    scale: tuple[float, float]
    dot: int
    minified: bool


CASES = {
    "256 magnified": Case(256, 64, (0.75, 0.85), dot=2, minified=False),        # 0.3-0.7 texels a pixel
    "256 minified": Case(256, 256, (0.4, 0.45), dot=16, minified=True),         # 2.4-4.2
    "1024 magnified": Case(1024, 256, (0.75, 0.85), dot=2, minified=False),     # 0.3-0.7
    "1024 minified": Case(1024, 512, (0.2, 0.22), dot=16, minified=True),       # 2.5-4.2
}


@pytest.mark.parametrize("barrel", [0.0, 0.05], ids=["pinhole", "lens"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_dot_is_drawn_where_the_labels_put_it(case, barrel):
    geometry = dataclasses.replace(GEOMETRY_OFF, scale=case.scale, max_tilt_deg=45.0, barrel=fixed_barrel(barrel))
    config = SynthesisConfig(size=case.size, card_height=case.card_height, geometry=geometry,
                             scene=SCENE_OFF, photometric=PHOTOMETRIC_OFF)
    width, height = config.card_width, config.card_height
    card, dots = dotted_card(width, height, case.dot)
    batch = 4 if case.size <= 256 else 2
    out = synthesize.synthesize(*textures(config, [card] * batch, background_rgb=(0, 0, 0)), tf.constant([3, 4]),
                                config)
    for image, corners in zip(out["image"].numpy(), out["corners"].numpy()):
        view = CardView.from_corners(corners, (width, height), case.size, barrel)
        footprint = view.texels_per_pixel(dots)
        if case.minified:
            assert footprint.min() >= 2.0, footprint.min()
        else:
            assert footprint.max() < 1.0, footprint.max()
        # The sampler reads the level nearest log2(footprint): no coarser than log2(dot), where dots are whole.
        assert footprint.max() < case.dot * math.sqrt(2)
        # Each dot, blurred by at most a texel of that level, stays within 1.5 dots of its centre.
        texels = view.to_texels(pixel_centres(case.size))                               # [S * S, 2]
        near = [np.abs(texels - centre).max(-1) <= 1.5 * case.dot for centre in dots]
        intensity = image.mean(-1)
        assert intensity.ravel()[~np.any(near, axis=0)].max() == 0                    # nothing else is drawn
        drawn = np.array([centroid(intensity, pixels) for pixels in near])
        error = np.linalg.norm(drawn - view.to_pixels(dots), axis=-1)
        assert error.max() < TOLERANCE, error.round(3)
