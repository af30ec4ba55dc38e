"""The study's measurement: the mosaic score, the measures, patient bootstrap and the report."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from inference.ml.metrics import measures
from inference.ml.metrics.bootstrap import bootstrap_interval, patient_groups, patient_resamples
from inference.ml.metrics.measures import DiceCounts, MetricUndefined
from inference.ml.metrics.mosaic_score import mosaic_positive, mosaic_score
from inference.ml.metrics.report import METRICS, MosaicResult, evaluate_mosaics, roc_images


@pytest.mark.parametrize("seed", range(5))
def test_mosaic_score_matches_an_explicit_threshold_sweep(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Coarse probabilities give ties; uneven areas give partial edge tiles; NaN = skipped background.
    probability = np.round(rng.random((9, 11)) ** 3, 2)
    probability[rng.random((9, 11)) < 0.2] = np.nan
    areas = rng.integers(1, 60, (9, 11))
    score = mosaic_score(probability, areas)
    sweep = np.unique(np.concatenate([np.linspace(0, 1, 201), np.nan_to_num(probability).ravel()]))
    for t in sweep:
        assert mosaic_positive(probability, areas, t) == (score >= t), t


def test_mosaic_score_at_exactly_one_percent() -> None:
    # 10,000 px mosaic: 100 px (exactly 1 %) at 0.9, 99 px at 0.95.
    probability = np.array([0.95, 0.9, 0.1])
    areas = np.array([99, 1, 9900])
    assert mosaic_score(probability, areas) == 0.9
    assert mosaic_positive(probability, areas, 0.9) and not mosaic_positive(probability, areas, 0.91)


def test_skipped_background_counts_as_probability_zero_area() -> None:
    # Tissue: one tile at 0.8 of 100 tiles. Background: 900 skipped tiles. 1 / 1000 < 1 %.
    tissue_only = mosaic_score(np.array([0.8] + [0.0] * 99), np.ones(100))
    with_background = mosaic_score(np.array([0.8] + [0.0] * 99 + [np.nan] * 900), np.ones(1000))
    assert tissue_only == 0.8 and with_background == 0.0


def test_auroc_and_roc_measures_equal_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    labels = rng.random(200) < 0.3
    scores = np.clip(labels * 0.3 + rng.random(200) * 0.7, 0, 1)
    assert measures.auroc(labels, scores) == roc_auc_score(labels, scores)
    fpr, tpr, _ = roc_curve(labels, scores)
    assert measures.specificity_at_sensitivity(labels, scores, 0.8) == pytest.approx(1 - fpr[tpr >= 0.8].min())


def test_hand_computed_operating_point() -> None:
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0])
    scores = np.array([0.9, 0.7, 0.64, 0.2, 0.8, 0.5, 0.3, 0.1, 0.63])
    # At t = 0.63: TP 3 (0.9, 0.7, 0.64), FN 1; FP 2 (0.8, 0.63), TN 3.
    assert measures.sensitivity_specificity(labels, scores, 0.63) == (0.75, 0.6)
    # Sensitivity >= 0.8 needs all four positives: t <= 0.2 → FP = 4 of 5 (0.8, 0.5, 0.3, 0.63) → specificity 0.2.
    assert measures.specificity_at_sensitivity(labels, scores, 0.8) == pytest.approx(0.2)
    # AUROC by pair counting: of 20 (positive, negative) pairs, 5 + 4 + 4 + 1 = 14 are ranked right.
    assert measures.auroc(labels, scores) == pytest.approx(14 / 20)


def test_pooled_dice_by_hand() -> None:
    predicted = np.zeros((4, 4), dtype=bool)
    labelled = np.zeros((4, 4), dtype=bool)
    predicted[:2, :2], labelled[:2, :3] = True, True  # |P| 4, |L| 6, |P∩L| 4
    counts = [DiceCounts.of(predicted, labelled), DiceCounts(0, 0, 0), DiceCounts(0, 2, 0)]
    assert measures.pooled_dice(np.array([[c.intersection, c.predicted, c.labelled] for c in counts])) == 8 / 12


def test_undefined_measures_say_why() -> None:
    with pytest.raises(MetricUndefined, match="all 3 are negative"):
        measures.auroc(np.zeros(3), np.array([0.1, 0.2, 0.3]))
    with pytest.raises(MetricUndefined, match="neither prediction nor label"):
        measures.pooled_dice(np.zeros((2, 3)))


def test_bootstrap_resamples_patients_not_mosaics() -> None:
    # Patient "a" has 5 mosaics, "b" and "c" one each: a resample holds a's mosaics all or not at all, in 5s.
    patients = ["a", "a", "b", "a", "a", "c", "a"]
    groups = patient_groups(patients)
    a_mosaics = {0, 1, 3, 4, 6}
    for indices in patient_resamples(groups, n_resamples=200, seed=1):
        assert len(indices) in {3, 7, 11, 15}  # 3 draws of sizes 5 or 1
        count_a = sum(1 for i in indices if i in a_mosaics)
        assert count_a % 5 == 0
        for mosaic in a_mosaics:
            assert (indices == mosaic).sum() == count_a // 5


def test_bootstrap_interval_covers_the_estimate_and_drops_undefined_resamples() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(5, 1, 40)
    resamples = patient_resamples(patient_groups(list(range(40))), n_resamples=300, seed=0)
    interval = bootstrap_interval(lambda idx: float(values[idx].mean()), resamples)
    assert interval is not None and interval.low < values.mean() < interval.high and interval.n_valid == 300

    def needs(*items: int, any_of: bool = False) -> object:
        def statistic(idx: np.ndarray) -> float:
            present = [item in idx for item in items]
            if not (any(present) if any_of else all(present)):
                raise MetricUndefined("item missing")
            return float(values[idx].mean())

        return statistic

    # Items 0 and 1 both drawn: ~40 % of resamples (too few); either drawn: ~87 % (interval from those).
    assert bootstrap_interval(needs(0, 1), resamples) is None  # type: ignore[arg-type]
    partial = bootstrap_interval(needs(0, 1, any_of=True), resamples)  # type: ignore[arg-type]
    assert partial is not None and 0.75 * 300 < partial.n_valid < 300


def _results(n_patients: int = 30, seed: int = 0) -> list[MosaicResult]:
    rng = np.random.default_rng(seed)
    results = []
    for patient in range(n_patients):
        for mosaic in range(1 + patient % 3):
            label = bool(rng.random() < 0.4)
            tile_label = (rng.random(20) < (0.3 if label else 0.02)).astype(int)
            results.append(MosaicResult(
                mosaic=f"{patient}-{mosaic}", patient=f"p{patient}", label=label,
                score=float(np.clip(rng.normal(0.65 if label else 0.45, 0.15), 0, 1)),
                tile_probability=np.clip(tile_label * 0.3 + rng.random(20) * 0.7, 0, 1), tile_label=tile_label,
                dice=DiceCounts(int(label) * 50, 80, int(label) * 90),
            ))  # fmt: skip
    return results


def test_report_has_the_platform_keys_with_intervals() -> None:
    results = _results()
    report = evaluate_mosaics(results, threshold=0.63, n_resamples=200, seed=0).to_json()
    assert set(METRICS) <= set(report) and {"threshold", "n_tiles", "n_mosaics", "n_patients"} <= set(report)
    assert report["n_patients"] == 30 and report["n_mosaics"] == len(results) and report["n_tiles"] == 20 * len(results)
    labels = np.array([r.label for r in results])
    scores = np.array([r.score for r in results])
    assert report["mosaic_auroc"]["value"] == roc_auc_score(labels, scores)
    sens, spec = measures.sensitivity_specificity(labels, scores, 0.63)
    assert (report["sensitivity"]["value"], report["specificity"]["value"]) == (sens, spec)
    for name in METRICS:
        low, high = report[name]["ci95"]
        assert low <= report[name]["value"] <= high, name
    assert report["bootstrap"]["unit"] == "patient"


def test_report_gives_null_with_a_reason_instead_of_crashing() -> None:
    results = [MosaicResult(mosaic=i, patient=i, label=False, score=0.1 * i) for i in range(5)]
    report = evaluate_mosaics(results, threshold=0.5, n_resamples=50).to_json()
    assert report["mosaic_auroc"] is None and "all 5 are negative" in report["reasons"]["mosaic_auroc"]
    assert report["sensitivity"] is None and report["specificity"]["value"] == 1.0
    assert report["tile_auroc"] is None and report["pixel_dice"] is None and report["n_tiles"] == 0


def test_roc_images_are_pngs() -> None:
    images = roc_images(_results(), threshold=0.63)
    assert set(images) == {"tile", "mosaic"}
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000 for png in images.values())
