"""Deterministic fractal noise for procedural textures and card art.

Everything takes a `numpy.random.Generator`, so a texture is a pure function of
its seed.
"""

import numpy as np
from PIL import Image


def smooth_noise(rng: np.random.Generator, height: int, width: int, cells: float) -> np.ndarray:
    """Returns value noise: random values on a coarse grid, bicubically upsampled.

    Args:
      rng: the random generator to draw from.
      height: output height in pixels.
      width: output width in pixels.
      cells: how many grid cells span the longer side; more cells, finer detail.

    Returns:
      float32 array [height, width], roughly in 0..1.
    """
    scale = max(height, width) / max(cells, 1.0)
    grid_h = max(2, int(np.ceil(height / scale)) + 2)
    grid_w = max(2, int(np.ceil(width / scale)) + 2)
    grid = rng.random((grid_h, grid_w), dtype=np.float32)
    big = Image.fromarray(grid, mode="F").resize(
        (int(grid_w * scale), int(grid_h * scale)), Image.Resampling.BICUBIC)
    oy = rng.integers(0, max(1, big.height - height))
    ox = rng.integers(0, max(1, big.width - width))
    return np.asarray(big, np.float32)[oy:oy + height, ox:ox + width]


def fractal_noise(rng: np.random.Generator, height: int, width: int, cells: float = 4,
                  octaves: int = 5, persistence: float = 0.5) -> np.ndarray:
    """Returns octaves of value noise summed with falling amplitude (fBm).

    Args:
      rng: the random generator to draw from.
      height: output height in pixels.
      width: output width in pixels.
      cells: grid cells across the longer side in the coarsest octave.
      octaves: how many octaves; each doubles the frequency.
      persistence: amplitude ratio between one octave and the next.

    Returns:
      float32 array [height, width] normalised to 0..1.
    """
    total = np.zeros((height, width), np.float32)
    amplitude = 1.0
    for octave in range(octaves):
        total += amplitude * smooth_noise(rng, height, width, cells * 2 ** octave)
        amplitude *= persistence
    total -= total.min()
    return total / max(float(total.max()), 1e-6)
