"""Project aggregates: group values, patient bootstrap, pooled kappas."""

from typing import Any

import pytest
from sklearn.metrics import cohen_kappa_score

from annotations.agreement.aggregate import AgreementRecord, group_agreement, project_agreement


def row(dice: float, *, readers: tuple[str, str] = ("ann", "bob"), confusion: Any = None,
        diagnoses: tuple[str, str] = ("ak", "ak"), hd95: float | None = 10.0) -> dict[str, Any]:  # fmt: skip
    return {"readers": list(readers), "dice": dice, "iou": dice / (2 - dice), "lesion_f1": dice,
            "lesion_precision": dice, "lesion_recall": None,
            "hausdorff95_um": hd95, "tiles": {"confusion": confusion or [[3, 1], [0, 1]]},
            "diagnoses": list(diagnoses)}  # fmt: skip


def test_group_value_is_the_mean_over_mosaics_and_skips_undefined_ones() -> None:
    records = [AgreementRecord(row(0.2), "p1"), AgreementRecord(row(0.6, hd95=None), "p2"),
               AgreementRecord(row(1.0, hd95=30.0), "p3")]  # fmt: skip
    result = group_agreement(records, seed=1, n_resamples=200)
    assert result["dice"]["value"] == pytest.approx(0.6)
    assert result["dice"]["n"] == 3 and result["dice"]["patients"] == 3
    assert result["hausdorff95_um"]["value"] == pytest.approx(20.0) and result["hausdorff95_um"]["n"] == 2
    assert result["lesion_recall"] == {"value": None, "ci95": None, "n": 0, "patients": 3}
    low, high = result["dice"]["ci95"]
    assert 0.2 <= low <= 0.6 <= high <= 1.0


def test_bootstrap_resamples_patients_so_a_patients_mosaics_move_together() -> None:
    # Patient "many" has nine mosaics at dice 1, patient "one" a single mosaic at 0. Drawing two patients
    # with replacement gives only three group means: 1 (many twice), 0.9 (each once), 0 (one twice), with
    # probabilities 1/4, 1/2, 1/4, so the 95 % interval is [0, 1]. Resampling the ten mosaics instead
    # would almost never reach 0 (0.1 ** 10) and its lower bound would be near 0.7.
    records = [AgreementRecord(row(1.0), "many") for _ in range(9)] + [AgreementRecord(row(0.0), "one")]
    result = group_agreement(records, seed=5, n_resamples=400)
    assert result["dice"]["value"] == pytest.approx(0.9)
    assert result["dice"]["ci95"] == [0.0, 1.0]


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    records = [AgreementRecord(row(d), f"p{i}") for i, d in enumerate([0.1, 0.5, 0.7, 0.8, 0.95])]
    first = group_agreement(records, seed=3, n_resamples=300)
    assert first == group_agreement(records, seed=3, n_resamples=300)
    assert first["dice"]["ci95"] != group_agreement(records, seed=4, n_resamples=300)["dice"]["ci95"]


def test_one_patient_has_no_interval() -> None:
    result = group_agreement([AgreementRecord(row(0.5), "p1"), AgreementRecord(row(0.7), "p1")], n_resamples=50)
    assert result["dice"]["value"] == pytest.approx(0.6) and result["dice"]["ci95"] is None


def test_tile_kappa_pools_the_tiles_of_the_group() -> None:
    confusions = [[[5, 1], [2, 4]], [[7, 0], [1, 0]]]
    records = [AgreementRecord(row(0.5, confusion=c), f"p{i}") for i, c in enumerate(confusions)]
    first = [0] * 5 + [0] * 1 + [1] * 2 + [1] * 4 + [0] * 7 + [1] * 1
    second = [0] * 5 + [1] * 1 + [0] * 2 + [1] * 4 + [0] * 7 + [0] * 1
    expected = cohen_kappa_score(first, second)
    assert group_agreement(records, n_resamples=50)["tile_kappa"]["value"] == pytest.approx(expected)


def test_diagnosis_kappa_is_cohens_kappa_over_the_groups_mosaics() -> None:
    pairs = [("ak", "ak"), ("bcc", "bcc"), ("ak", "bcc"), ("sl", "sl"), ("bcc", "bcc"), ("ak", "sl"), ("", "ak")]
    records = [AgreementRecord(row(0.5, diagnoses=p), f"p{i}") for i, p in enumerate(pairs)]
    expected = cohen_kappa_score([p[0] for p in pairs[:-1]], [p[1] for p in pairs[:-1]])
    result = group_agreement(records, n_resamples=100)["diagnosis_kappa"]
    assert result["value"] == pytest.approx(expected) and result["n"] == 6


def test_project_groups_by_pair_center_diagnosis_and_month() -> None:
    records = [
        AgreementRecord(row(0.4, readers=("bob", "ann")), "p1", center="NAP", diagnosis="ak", month="2026-01"),
        AgreementRecord(row(0.8), "p2", center="NAP", diagnosis="bcc", month="2026-02"),
        AgreementRecord(row(0.6, readers=("ann", "cid")), "p3", center="MOD", diagnosis="ak", month="2026-02"),
    ]
    result = project_agreement(records, seed=2, n_resamples=100)
    assert set(result["by_pair"]) == {"ann & bob", "ann & cid"}
    assert result["by_pair"]["ann & bob"]["dice"]["value"] == pytest.approx(0.6)
    assert result["by_center"]["MOD"]["dice"]["value"] == pytest.approx(0.6)
    assert result["by_diagnosis"]["ak"]["dice"]["n"] == 2
    assert result["by_month"]["2026-02"]["dice"]["value"] == pytest.approx(0.7)
    assert result["overall"]["dice"]["value"] == pytest.approx(0.6)
    assert result["bootstrap"]["unit"] == "patient" and result["bootstrap"]["seed"] == 2
