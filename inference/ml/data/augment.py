"""Augmentation for grayscale microscopy tiles: flips, 90° rotations, intensity jitter.

En-face RCM has no preferred orientation, so the eight flips/rotations of the square
are all plausible tiles; intensity jitter (gain, offset, gamma) stands for laser
power, depth and center differences. Nothing rescales or shears: the tile's
micrometres per pixel is part of what the model learns. Randomness comes from
torch's RNG, so a DataLoader worker's seed (derived from the loader's generator)
makes every epoch reproducible.
"""

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Jitter:
    gain: float = 0.15  # multiply by 1 ± gain
    offset: float = 12.0  # add ± offset grey levels
    gamma: float = 0.2  # raise to 1 ± gamma


def _uniform(low: float, high: float) -> float:
    return float(torch.empty(()).uniform_(low, high))


def random_orientation() -> tuple[int, bool]:
    """(quarter turns, flip): one of the square's eight symmetries."""
    return int(torch.randint(0, 4, ())), bool(torch.randint(0, 2, ()))


def orient(array: np.ndarray, turns: int, flip: bool) -> np.ndarray:
    """Apply the symmetry to the last two axes (a tile, or a stack of masks)."""
    out = np.rot90(array, turns, axes=(-2, -1))
    return np.ascontiguousarray(out[..., ::-1] if flip else out)


def jitter_intensity(tile: np.ndarray, jitter: Jitter = Jitter()) -> np.ndarray:
    values = tile.astype(np.float32) / 255.0
    values = values ** (1 + _uniform(-jitter.gamma, jitter.gamma))
    values = values * (1 + _uniform(-jitter.gain, jitter.gain)) + _uniform(-jitter.offset, jitter.offset) / 255.0
    return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)
