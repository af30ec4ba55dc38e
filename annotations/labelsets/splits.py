"""Train / validation / test splits by patient, stratified by diagnosis, stable across snapshots.

No patient is in two splits (the unit assigned is the patient). Patients of
earlier snapshots keep their split (``existing``), whatever the new targets.
New patients are assigned per diagnosis stratum (a patient's majority
diagnosis): shuffled with a generator seeded by ``(seed, CRC-32 of the
diagnosis)`` (so strata do not disturb each other and a run is reproducible),
then each goes to the split furthest below its target share of the stratum
counted so far, existing patients included (the largest deficit
``fraction x (assigned + 1) - count``; ties to the split listed first). That
keeps every stratum, rare diagnoses too, as close to the fractions as whole
patients allow, and a stratum's first patient lands in the largest split.
scikit-learn's splitters cannot hold earlier assignments fixed, hence this loop.
"""

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

DEFAULT_FRACTIONS = {"train": 0.7, "val": 0.15, "test": 0.15}


def majority_diagnosis(diagnoses: Iterable[str]) -> str:
    """The most frequent non-empty diagnosis (ties: alphabetical first); "" when none."""
    counts = Counter(d for d in diagnoses if d)
    if not counts:
        return ""
    return min(counts, key=lambda diagnosis: (-counts[diagnosis], diagnosis))


def assign_splits(
    patients: Mapping[str, str],
    *,
    seed: int,
    fractions: Mapping[str, float] | None = None,
    existing: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A split for every patient of ``patients`` (patient -> diagnosis); see the module's docstring."""
    fractions = dict(fractions or DEFAULT_FRACTIONS)
    if not fractions or any(value < 0 for value in fractions.values()) or abs(sum(fractions.values()) - 1) > 1e-6:
        raise ValueError(f"split fractions must be non-negative and add up to 1, not {fractions}")
    existing = existing or {}
    result = {patient: existing[patient] for patient in patients if patient in existing}
    strata: dict[str, list[str]] = {}
    for patient, diagnosis in patients.items():
        if patient not in existing:
            strata.setdefault(diagnosis, []).append(patient)
    names = list(fractions)
    for diagnosis, newcomers in sorted(strata.items()):
        rng = np.random.default_rng([seed, zlib.crc32(diagnosis.encode())])
        order = sorted(newcomers)
        order = [order[i] for i in rng.permutation(len(order))]
        counts = Counter(split for patient, split in result.items() if patients[patient] == diagnosis)
        assigned = sum(counts.values())
        for patient in order:
            deficits = [fractions[name] * (assigned + 1) - counts[name] for name in names]
            chosen = names[int(np.argmax(deficits))]
            result[patient] = chosen
            counts[chosen] += 1
            assigned += 1
    return result
