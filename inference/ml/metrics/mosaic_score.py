"""The study's mosaic-level call, and the equivalent score that makes its ROC cheap.

The study: threshold the tile probabilities at t into a mask; the mosaic is positive
when the suspicious area is at least 1 % of the mosaic (``mosaic_positive``).

The score: the largest value s such that the area with probability ≥ s is at least
1 % of the mosaic (``mosaic_score``). Then *positive at t ⟺ s ≥ t* for every t:
area(p ≥ t) only grows as t falls, so the call flips exactly once, at s. One number
per mosaic therefore carries the whole threshold sweep, and the mosaic ROC is the ROC
of these scores (tested against an explicit sweep).

Areas are level-0 pixels, so partial tiles at the mosaic's edge weigh what they cover.
**Skipped background tiles count as probability 0 over their area**: they are part of
the mosaic, and the denominator is always the whole mosaic, as in the study.
"""

import numpy as np

MIN_SUSPICIOUS_FRACTION = 0.01


def _as_scored(probability: np.ndarray, areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.nan_to_num(np.asarray(probability, dtype=np.float64).ravel(), nan=0.0)
    weights = np.asarray(areas, dtype=np.float64).ravel()
    if values.shape != weights.shape:
        raise ValueError(f"probabilities {values.shape} and areas {weights.shape} differ in size")
    return values, weights


def _enough(area: np.ndarray | float, total: float, min_fraction: float) -> np.ndarray | bool:
    # The one comparison both definitions use, so they agree even at exactly 1 %.
    return np.asarray(area) >= min_fraction * total


def mosaic_positive(
    probability: np.ndarray, areas: np.ndarray, threshold: float, *, min_fraction: float = MIN_SUSPICIOUS_FRACTION
) -> bool:
    """The study's definition: area with probability ≥ ``threshold`` is at least ``min_fraction`` of the mosaic."""
    values, weights = _as_scored(probability, areas)
    return bool(_enough(weights[values >= threshold].sum(), weights.sum(), min_fraction))


def mosaic_score(probability: np.ndarray, areas: np.ndarray, *, min_fraction: float = MIN_SUSPICIOUS_FRACTION) -> float:
    """The largest s with area(probability ≥ s) ≥ ``min_fraction`` of the mosaic; positive at t iff s ≥ t.

    ``probability`` and ``areas`` have one entry per tile or map pixel (NaN = skipped = 0).
    """
    values, weights = _as_scored(probability, areas)
    levels, inverse = np.unique(values, return_inverse=True)  # ascending
    area_at_or_above = np.cumsum(np.bincount(inverse, weights=weights)[::-1])[::-1]
    enough = np.flatnonzero(_enough(area_at_or_above, weights.sum(), min_fraction))
    return float(levels[enough[-1]]) if len(enough) else 0.0
