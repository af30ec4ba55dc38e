"""The study's evaluation of one model on one test set, as a report with patient-level intervals.

Input: one ``MosaicResult`` per mosaic (its patient, ground truth, mosaic score from
``predict_mosaic``, the probabilities and labels of its labelled tiles, and optionally
its pixel overlap with the label set). Output: ``EvaluationReport``, whose
``to_json()`` has exactly the keys the platform stores::

    tile_auroc, mosaic_auroc, sensitivity, specificity,
    specificity_at_sensitivity_0_8, pixel_dice      {"value": v, "ci95": [lo, hi]} or null
    threshold, n_tiles, n_mosaics, n_patients, reasons {metric: why it is null / has no interval},
    bootstrap {"unit": "patient", "method": "percentile", "n_resamples", "seed"}

A mosaic's ground truth is positive when the label set marks any suspicious area in
it (readers label suspicious areas; unlabelled is benign). Sensitivity, specificity
and the ROC are mosaic-level, on the mosaic score (``mosaic_score``: positive at t iff
score ≥ t); tile AUROC is over all labelled tiles pooled.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.ml.metrics import measures
from inference.ml.metrics.bootstrap import N_RESAMPLES, bootstrap_interval, patient_groups, patient_resamples
from inference.ml.metrics.measures import DiceCounts, MetricUndefined
from inference.ml.metrics.roc_plot import roc_png

TARGET_SENSITIVITY = 0.8
METRICS = ("tile_auroc", "mosaic_auroc", "sensitivity", "specificity", "specificity_at_sensitivity_0_8", "pixel_dice")


@dataclass(frozen=True)
class MosaicResult:
    mosaic: Hashable
    patient: Hashable
    label: bool  # ground truth: the label set marks suspicious area in this mosaic
    score: float  # MosaicPrediction.score
    tile_probability: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (n,) labelled tiles
    tile_label: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (n,) 0 / 1
    dice: DiceCounts | None = None


@dataclass(frozen=True)
class Estimate:
    value: float
    ci95: tuple[float, float] | None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "ci95": list(self.ci95) if self.ci95 else None}


@dataclass(frozen=True)
class EvaluationReport:
    threshold: float
    estimates: dict[str, Estimate | None]  # one per name in METRICS; None = undefined
    reasons: dict[str, str]
    n_tiles: int
    n_mosaics: int
    n_patients: int
    n_resamples: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: (estimate.to_json() if estimate else None) for name, estimate in self.estimates.items()
        }
        data.update(
            threshold=self.threshold, n_tiles=self.n_tiles, n_mosaics=self.n_mosaics, n_patients=self.n_patients,
            reasons=dict(self.reasons),
            bootstrap={"unit": "patient", "method": "percentile", "n_resamples": self.n_resamples, "seed": self.seed},
        )  # fmt: skip
        return data


class _Columns:
    """The results as arrays, with each mosaic's slice of the pooled tile arrays, so a resample is index work."""

    def __init__(self, results: Sequence[MosaicResult]) -> None:
        self.labels = np.array([r.label for r in results], dtype=bool)
        self.scores = np.array([r.score for r in results], dtype=np.float64)
        sizes = [len(r.tile_probability) for r in results]
        self.tile_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.tile_probability = np.concatenate([np.ravel(r.tile_probability) for r in results] or [np.zeros(0)])
        self.tile_label = np.concatenate([np.ravel(r.tile_label) for r in results] or [np.zeros(0)])
        self.has_dice = np.array([r.dice is not None for r in results], dtype=bool)
        self.dice = np.array([(d.intersection, d.predicted, d.labelled) if d else (0, 0, 0) for d in
                              (r.dice for r in results)], dtype=np.int64).reshape(-1, 3)  # fmt: skip

    def tiles_of(self, mosaics: np.ndarray) -> np.ndarray:
        starts = self.tile_start[mosaics]
        lengths = self.tile_start[mosaics + 1] - starts
        # Each mosaic's run of tile indices, concatenated without a Python loop.
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return shift + np.arange(lengths.sum(), dtype=np.int64)


def _statistics(columns: _Columns, threshold: float) -> dict[str, Callable[[np.ndarray], float]]:
    def tile_auroc(mosaics: np.ndarray) -> float:
        tiles = columns.tiles_of(mosaics)
        if not len(tiles):
            raise MetricUndefined("no labelled tiles")
        return measures.auroc(columns.tile_label[tiles], columns.tile_probability[tiles], what="tile AUROC")

    def pixel_dice(mosaics: np.ndarray) -> float:
        if not columns.has_dice[mosaics].any():
            raise MetricUndefined("no pixel overlap given (label masks were not compared)")
        return measures.pooled_dice(columns.dice[mosaics[columns.has_dice[mosaics]]])

    labels, scores = columns.labels, columns.scores
    return {
        "tile_auroc": tile_auroc,
        "mosaic_auroc": lambda m: measures.auroc(labels[m], scores[m], what="mosaic AUROC"),
        "sensitivity": lambda m: measures.sensitivity(labels[m], scores[m], threshold),
        "specificity": lambda m: measures.specificity(labels[m], scores[m], threshold),
        "specificity_at_sensitivity_0_8": lambda m: measures.specificity_at_sensitivity(
            labels[m], scores[m], TARGET_SENSITIVITY
        ),
        "pixel_dice": pixel_dice,
    }


def evaluate_mosaics(
    results: Sequence[MosaicResult],
    *,
    threshold: float,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> EvaluationReport:
    """Every measure of the study with its 95 % interval over patients; undefined ones are None with a reason."""
    columns = _Columns(results)
    everything = np.arange(len(results), dtype=np.int64)
    groups = patient_groups([r.patient for r in results])
    resamples = patient_resamples(groups, n_resamples=n_resamples, seed=seed) if groups else []
    estimates: dict[str, Estimate | None] = {}
    reasons: dict[str, str] = {}
    for name, statistic in _statistics(columns, threshold).items():
        try:
            value = statistic(everything)
        except MetricUndefined as why:
            estimates[name], reasons[name] = None, str(why)
            continue
        interval = bootstrap_interval(statistic, resamples)
        if interval is None:
            reasons[name] = f"no 95 % interval: the measure is undefined on most of the {n_resamples} patient resamples"
        estimates[name] = Estimate(value, (interval.low, interval.high) if interval else None)
    return EvaluationReport(
        threshold=threshold, estimates=estimates, reasons=reasons, n_tiles=len(columns.tile_label),
        n_mosaics=len(results), n_patients=len(groups), n_resamples=n_resamples, seed=seed,
    )  # fmt: skip


def roc_images(results: Sequence[MosaicResult], *, threshold: float) -> dict[str, bytes]:
    """PNG ROC curves: ``tile`` (labelled tiles pooled) and ``mosaic`` (scores, the threshold marked)."""
    columns = _Columns(results)
    return {
        "tile": roc_png(columns.tile_label, columns.tile_probability, title="Tile level"),
        "mosaic": roc_png(columns.labels, columns.scores, title="Mosaic level (area ≥ 1 %)", threshold=threshold),
    }
