"""Project-level agreement: per reader pair, center, diagnosis and month, with patient bootstrap CIs.

Every metric of a group is a function of **per-patient sums** (so that all the
mosaics of a patient move together when patients are resampled):

- ``dice``, ``iou``, ``lesion_f1``, ``lesion_precision``, ``lesion_recall``,
  ``hausdorff95_um``: the mean over the group's
  mosaics (each mosaic weighs the same; mosaics where the metric is undefined,
  e.g. HD95 with an empty read, are left out); per patient the sum and count.
- ``tile_kappa``: Cohen's κ of the **pooled** tiles of the group's mosaics (the
  2 x 2 tile confusion matrices added up), not a mean of per-mosaic κ, which is
  unstable on mosaics with few positive tiles.
- ``diagnosis_kappa``: Cohen's κ of the two readers' case diagnoses over the
  group's mosaics (scikit-learn, categories seen in the group).

**Bootstrap** (a documented loop rather than ``scipy.stats.bootstrap``, so that
every metric of a group is computed on the *same* resamples and a resample where
a metric is undefined is skipped instead of poisoning the interval): patients
are drawn with replacement, ``n_resamples`` times, with a seeded NumPy generator;
a resample is the multinomial count of each patient (``Generator.multinomial``,
exactly equivalent to drawing indices with replacement), the group's sums are
the count-weighted patient sums, and the 95 % interval is the 2.5th and 97.5th
percentile of the metric over resamples (the percentile method). A group of one
patient has no interval (``ci95`` None).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .kappa import kappa_from_confusion

MEAN_METRICS = ("dice", "iou", "lesion_f1", "lesion_precision", "lesion_recall", "hausdorff95_um")
METRICS = (*MEAN_METRICS, "tile_kappa", "diagnosis_kappa")
GROUPINGS = ("pair", "center", "diagnosis", "month")


@dataclass(frozen=True)
class AgreementRecord:
    """A stored per-mosaic row (``mosaic_agreement``) and what it is grouped by."""

    row: Mapping[str, Any]
    patient: str
    center: str = ""
    diagnosis: str = ""  # the case's diagnosis used for the per-diagnosis groups
    month: str = ""  # "YYYY-MM", e.g. of the later of the two submissions

    @property
    def pair(self) -> str:
        return " & ".join(sorted(str(reader) for reader in self.row["readers"]))


@dataclass(frozen=True)
class _Metric:
    per_patient: np.ndarray  # (patients, ...) sums
    finish: Callable[[np.ndarray], float | None]  # group sums -> value
    n: int  # mosaics contributing


def _mean_metric(records: Sequence[AgreementRecord], patients: Mapping[str, int], name: str) -> _Metric:
    sums = np.zeros((len(patients), 2))
    for record in records:
        value = record.row.get(name)
        if value is not None:
            sums[patients[record.patient]] += (float(value), 1.0)
    return _Metric(sums, lambda total: float(total[0] / total[1]) if total[1] > 0 else None, int(sums[:, 1].sum()))


def _kappa_metric(pairs: Sequence[tuple[int, np.ndarray]], size: int, patient_count: int) -> _Metric:
    confusions = np.zeros((patient_count, size, size))
    for patient, confusion in pairs:
        confusions[patient] += confusion
    return _Metric(confusions, lambda total: kappa_from_confusion(total)[0], len(pairs))


def _tile_kappa(records: Sequence[AgreementRecord], patients: Mapping[str, int]) -> _Metric:
    pairs = [(patients[r.patient], np.asarray(r.row["tiles"]["confusion"], dtype=float)) for r in records]
    return _kappa_metric(pairs, 2, len(patients))


def _diagnosis_kappa(records: Sequence[AgreementRecord], patients: Mapping[str, int]) -> _Metric:
    rated = []
    for record in records:
        diagnoses = record.row.get("diagnoses") or []
        if len(diagnoses) == 2 and all(diagnoses):  # both readers gave one
            rated.append((record.patient, diagnoses))
    categories = {name: index for index, name in enumerate(sorted({d for _, ds in rated for d in ds}))}
    pairs = []
    for patient, (first, second) in rated:
        confusion = np.zeros((len(categories), len(categories)))
        confusion[categories[first], categories[second]] = 1
        pairs.append((patients[patient], confusion))
    return _kappa_metric(pairs, len(categories), len(patients))


def group_agreement(
    records: Sequence[AgreementRecord], *, seed: int = 0, n_resamples: int = 2000
) -> dict[str, dict[str, Any]]:
    """``{metric: {"value", "ci95": [lo, hi] | None, "n", "patients"}}`` of one group."""
    patients = {name: index for index, name in enumerate(sorted({r.patient for r in records}))}
    metrics = {name: _mean_metric(records, patients, name) for name in MEAN_METRICS}
    metrics["tile_kappa"] = _tile_kappa(records, patients)
    metrics["diagnosis_kappa"] = _diagnosis_kappa(records, patients)
    rng = np.random.default_rng(seed)
    count = len(patients)
    weights = rng.multinomial(count, np.full(count, 1 / count), size=n_resamples) if count > 1 else None
    result = {}
    for name, metric in metrics.items():
        value = metric.finish(metric.per_patient.sum(axis=0)) if metric.n else None
        ci = None
        if value is not None and weights is not None:
            flat = metric.per_patient.reshape(count, -1)
            totals = (weights @ flat).reshape(n_resamples, *metric.per_patient.shape[1:])
            values = [v for v in (metric.finish(total) for total in totals) if v is not None]
            if values:
                low, high = np.percentile(values, [2.5, 97.5])
                ci = [float(low), float(high)]
        result[name] = {"value": value, "ci95": ci, "n": metric.n, "patients": count}
    return result


def project_agreement(records: Sequence[AgreementRecord], *, seed: int = 0, n_resamples: int = 2000) -> dict[str, Any]:
    """All groups: ``overall`` and ``by_pair``, ``by_center``, ``by_diagnosis``, ``by_month``.

    Each group is ``group_agreement`` of its records, bootstrapped with the same
    ``seed`` (so a rerun on the same rows gives the same intervals).
    """
    result: dict[str, Any] = {
        "overall": group_agreement(records, seed=seed, n_resamples=n_resamples) if records else {},
        "bootstrap": {
            "unit": "patient",
            "method": "percentile",
            "n_resamples": n_resamples,
            "seed": seed,
            "confidence": 0.95,
        },  # fmt: skip
    }
    for grouping in GROUPINGS:
        groups: dict[str, list[AgreementRecord]] = {}
        for record in records:
            groups.setdefault(str(getattr(record, grouping)), []).append(record)
        result[f"by_{grouping}"] = {
            key: group_agreement(members, seed=seed, n_resamples=n_resamples) for key, members in sorted(groups.items())
        }
    return result
