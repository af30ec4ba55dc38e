"""95 % confidence intervals by resampling **patients** (a seeded percentile bootstrap).

Several mosaics come from one patient and are not independent, so the resampling
unit is the patient: each resample draws as many patients as there are, with
replacement, and takes *all* of each drawn patient's mosaics (and their tiles), so a
patient with many mosaics moves as one. A resample on which the measure is undefined
(e.g. no positive mosaic drawn) is dropped and counted; the interval is the 2.5th and
97.5th percentile of the rest. The loop is written out rather than handed to
``scipy.stats.bootstrap`` so that dropping undefined resamples is explicit and every
measure sees the same seeded draws (paired intervals).
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from inference.ml.metrics.measures import MetricUndefined

N_RESAMPLES = 1000
MIN_VALID_FRACTION = 0.5  # fewer defined resamples than this: no interval


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    n_valid: int  # resamples on which the measure was defined


def patient_groups(patients: Sequence[Hashable]) -> list[np.ndarray]:
    """Indices of the items (mosaics) of each patient, patients in first-seen order."""
    order: dict[Hashable, list[int]] = {}
    for index, patient in enumerate(patients):
        order.setdefault(patient, []).append(index)
    return [np.asarray(indices, dtype=np.int64) for indices in order.values()]


def patient_resamples(groups: list[np.ndarray], *, n_resamples: int = N_RESAMPLES, seed: int = 0) -> list[np.ndarray]:
    """``n_resamples`` arrays of item indices, each the items of ``len(groups)`` patients drawn with replacement."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(groups), size=(n_resamples, len(groups)))
    return [np.concatenate([groups[g] for g in draw]) for draw in draws]


def bootstrap_interval(
    statistic: Callable[[np.ndarray], float],
    resamples: list[np.ndarray],
    *,
    confidence: float = 0.95,
) -> Interval | None:
    """The percentile interval of ``statistic(item_indices)`` over ``resamples``; None if too few are defined."""
    values = []
    for indices in resamples:
        try:
            values.append(statistic(indices))
        except MetricUndefined:
            continue
    if not values or len(values) < MIN_VALID_FRACTION * len(resamples):
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(float(low), float(high), len(values))
