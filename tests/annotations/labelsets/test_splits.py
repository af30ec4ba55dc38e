"""Patient splits: disjoint, stratified by diagnosis, deterministic, stable as patients arrive."""

from collections import Counter

import pytest

from annotations.labelsets.splits import assign_splits, majority_diagnosis

STUDY = {"actinic_keratosis": 159, "atypical_melanocytic": 294, "basal_cell_carcinoma": 128, "solar_lentigo": 80,
         "spitz_nevus": 14, "keratoacanthoma": 2}  # fmt: skip


def patients(scale: float = 1.0, prefix: str = "p") -> dict[str, str]:
    result = {}
    for diagnosis, count in STUDY.items():
        for index in range(max(1, round(count * scale))):
            result[f"{prefix}-{diagnosis}-{index}"] = diagnosis
    return result


def test_each_patient_gets_exactly_one_split() -> None:
    cohort = patients()
    splits = assign_splits(cohort, seed=1)
    assert set(splits) == set(cohort)
    assert set(splits.values()) == {"train", "val", "test"}


def test_every_diagnosis_is_split_near_the_target_fractions() -> None:
    cohort = patients()
    splits = assign_splits(cohort, seed=1, fractions={"train": 0.7, "val": 0.15, "test": 0.15})
    for diagnosis, count in STUDY.items():
        shares = Counter(splits[p] for p, d in cohort.items() if d == diagnosis)
        for name, fraction in (("train", 0.7), ("val", 0.15), ("test", 0.15)):
            assert abs(shares[name] - fraction * count) <= 1, (diagnosis, shares)
    assert Counter(splits[p] for p, d in cohort.items() if d == "keratoacanthoma") == {"train": 2}


def test_same_seed_same_splits_other_seed_other_splits() -> None:
    cohort = patients()
    assert assign_splits(cohort, seed=7) == assign_splits(dict(reversed(cohort.items())), seed=7)
    assert assign_splits(cohort, seed=7) != assign_splits(cohort, seed=8)


def test_existing_patients_keep_their_split_when_new_ones_arrive() -> None:
    first = assign_splits(patients(0.5), seed=3)
    grown = {**patients(0.5), **patients(0.5, prefix="q")}
    second = assign_splits(grown, seed=3, existing=first)
    assert all(second[patient] == split for patient, split in first.items())
    # New patients fill each stratum towards the targets counted with the old ones.
    for diagnosis in ("atypical_melanocytic", "actinic_keratosis"):
        shares = Counter(second[p] for p, d in grown.items() if d == diagnosis)
        assert abs(shares["test"] - 0.15 * sum(shares.values())) <= 1


def test_existing_split_is_kept_even_against_the_targets() -> None:
    splits = assign_splits({"a": "ak", "b": "ak"}, seed=0, existing={"a": "test", "b": "test"})
    assert splits == {"a": "test", "b": "test"}


def test_fractions_must_add_up_to_one() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        assign_splits({"a": "ak"}, seed=0, fractions={"train": 0.8, "test": 0.3})


def test_majority_diagnosis_with_ties_and_blanks() -> None:
    assert majority_diagnosis(["bcc", "ak", "bcc", ""]) == "bcc"
    assert majority_diagnosis(["sl", "ak"]) == "ak"
    assert majority_diagnosis(["", ""]) == ""
