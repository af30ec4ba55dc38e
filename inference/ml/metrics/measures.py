"""The measures of the study, each a thin layer over scikit-learn on plain arrays.

A measure that cannot be computed on its input (one class only, nothing labelled)
raises ``MetricUndefined`` with the reason; the report turns that into ``null`` and
keeps the reason, never a crash.

Pixel Dice is **pooled** over mosaics, ``2 Σ|P∩L| / (Σ|P| + Σ|L|)``: a benign mosaic
with no prediction adds nothing instead of an undefined 0/0, and large lesions weigh
by their area, as a pixel-level measure should.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve


class MetricUndefined(Exception):
    """The measure has no value on this input; the message says why."""


def _binary(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, scores = np.asarray(labels).astype(bool).ravel(), np.asarray(scores, dtype=np.float64).ravel()
    if labels.shape != scores.shape:
        raise ValueError(f"labels {labels.shape} and scores {scores.shape} differ in size")
    return labels, np.nan_to_num(scores, nan=0.0)


def _needs_both_classes(labels: np.ndarray, what: str) -> None:
    if not labels.any() or labels.all():
        only = "positive" if labels.any() else "negative"
        raise MetricUndefined(f"{what} needs positive and negative cases; all {len(labels)} are {only}")


def auroc(labels: np.ndarray, scores: np.ndarray, *, what: str = "AUROC") -> float:
    labels, scores = _binary(labels, scores)
    _needs_both_classes(labels, what)
    return float(roc_auc_score(labels, scores))


def sensitivity_specificity(labels: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float]:
    """(sensitivity, specificity) of the call ``score >= threshold``; either may be NaN when its class is absent."""
    labels, scores = _binary(labels, scores)
    tn, fp, fn, tp = confusion_matrix(labels, scores >= threshold, labels=[False, True]).ravel()
    sensitivity = tp / (tp + fn) if tp + fn else float("nan")
    specificity = tn / (tn + fp) if tn + fp else float("nan")
    return float(sensitivity), float(specificity)


def sensitivity(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    value = sensitivity_specificity(labels, scores, threshold)[0]
    if np.isnan(value):
        raise MetricUndefined("sensitivity needs positive cases; there are none")
    return value


def specificity(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    value = sensitivity_specificity(labels, scores, threshold)[1]
    if np.isnan(value):
        raise MetricUndefined("specificity needs negative cases; there are none")
    return value


def specificity_at_sensitivity(labels: np.ndarray, scores: np.ndarray, target: float = 0.8) -> float:
    """The highest specificity among the ROC's operating points whose sensitivity is at least ``target``."""
    labels, scores = _binary(labels, scores)
    _needs_both_classes(labels, f"specificity at sensitivity {target}")
    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    return float(1.0 - fpr[tpr >= target].min())


@dataclass(frozen=True)
class DiceCounts:
    """One mosaic's pixel overlap of the predicted and the labelled suspicious area."""

    intersection: int
    predicted: int
    labelled: int

    @classmethod
    def of(cls, predicted: np.ndarray, labelled: np.ndarray) -> "DiceCounts":
        predicted, labelled = np.asarray(predicted, dtype=bool), np.asarray(labelled, dtype=bool)
        if predicted.shape != labelled.shape:
            raise ValueError(f"prediction {predicted.shape} and label {labelled.shape} masks differ in shape")
        return cls(int((predicted & labelled).sum()), int(predicted.sum()), int(labelled.sum()))


def pooled_dice(counts: np.ndarray) -> float:
    """``counts``: (n, 3) of (intersection, predicted, labelled) per mosaic."""
    counts = np.asarray(counts, dtype=np.float64).reshape(-1, 3)
    denominator = counts[:, 1].sum() + counts[:, 2].sum()
    if denominator == 0:
        raise MetricUndefined("pixel Dice is undefined: neither prediction nor label marks any pixel")
    return float(2 * counts[:, 0].sum() / denominator)
