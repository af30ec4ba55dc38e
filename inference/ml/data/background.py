"""Which parts of a mosaic are tissue, decided from its overview.

An RCM mosaic's background — the area outside the scanned field, padding where the
stitched frames do not fill the rectangle — is near-black and flat. Tissue reflects
at 830 nm: even its dark structures (follicles, furrows, shadows) carry speckle. The
rule, on an overview of at most ``OVERVIEW_SIZE`` px a side (~6 µm per overview pixel
for a 12,000² mosaic at 0.5 µm/px):

    background = (grey level <= BACKGROUND_MAX_LEVEL)
                 and (max - min over a FLAT_WINDOW² neighbourhood <= FLAT_MAX_RANGE)

Both conditions, so that a dark but textured tissue area is kept and a flat but bright
area (saturated glare on keratin) is kept too. The constants are stated here on purpose
and were set from what the background is (black padding), not fitted to a generator;
callers can pass others.
"""

import numpy as np
from scipy import ndimage

OVERVIEW_SIZE = 1024
BACKGROUND_MAX_LEVEL = 12  # of 255: ~5 % of full scale
FLAT_WINDOW = 5  # overview pixels
FLAT_MAX_RANGE = 4  # grey levels


def tissue_mask(
    overview: np.ndarray,
    *,
    max_level: int = BACKGROUND_MAX_LEVEL,
    window: int = FLAT_WINDOW,
    max_range: int = FLAT_MAX_RANGE,
) -> np.ndarray:
    """Boolean (H, W): True where the overview shows tissue."""
    dark = overview <= max_level
    spread = ndimage.maximum_filter(overview, size=window) - ndimage.minimum_filter(overview, size=window)
    return ~(dark & (spread <= max_range))


def box_fractions(mask: np.ndarray, *, scale_x: float, scale_y: float, boxes: np.ndarray) -> np.ndarray:
    """Fraction of each level-0 box ``(left, top, size)`` that ``mask`` marks, area past the mask counting as False.

    ``scale_x``/``scale_y`` are level-0 pixels per mask pixel. Box edges are rounded to
    the nearest mask pixel; an integral image makes each box O(1).
    """
    integral = np.pad(mask.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    height, width = mask.shape
    left, top, size = boxes[:, 0], boxes[:, 1], boxes[:, 2]
    x0 = np.rint(left / scale_x).astype(np.int64)
    y0 = np.rint(top / scale_y).astype(np.int64)
    x1 = np.maximum(x0 + 1, np.rint((left + size) / scale_x).astype(np.int64))
    y1 = np.maximum(y0 + 1, np.rint((top + size) / scale_y).astype(np.int64))
    whole = (x1 - x0) * (y1 - y0)
    cx0, cx1 = np.clip(x0, 0, width), np.clip(x1, 0, width)
    cy0, cy1 = np.clip(y0, 0, height), np.clip(y1, 0, height)
    inside = integral[cy1, cx1] - integral[cy0, cx1] - integral[cy1, cx0] + integral[cy0, cx0]
    return inside / whole
