"""The study's table: one row per measure, the model's value and interval beside the study's figure."""

from dataclasses import dataclass
from typing import Any

from training.services.evaluation import STUDY_FIGURES

ROWS = (
    ("tile_auroc", "Tile AUROC"),
    ("mosaic_auroc", "Mosaic AUROC (suspicious area ≥ 1 %)"),
    ("sensitivity", "Sensitivity at the model's threshold"),
    ("specificity", "Specificity at the model's threshold"),
    ("specificity_at_sensitivity_0_8", "Specificity at sensitivity 0.8"),
    ("pixel_dice", "Pixel Dice"),
)


@dataclass(frozen=True)
class ReportRow:
    key: str
    title: str
    value: float | None
    low: float | None
    high: float | None
    study: float | None
    reason: str


def report_rows(report: dict[str, Any], *, kind: str) -> list[ReportRow]:
    rows = []
    for key, title in ROWS:
        estimate = report.get(key)
        low, high = (estimate.get("ci95") or (None, None)) if estimate else (None, None)
        study = STUDY_FIGURES.get(key)
        if key == "mosaic_auroc" and kind == "detector":
            study = STUDY_FIGURES["detector_auroc"]
        if key in ("sensitivity", "specificity", "specificity_at_sensitivity_0_8") and kind == "classifier":
            # The study reports these operating points for its segmentation model.
            study = STUDY_FIGURES[key]
        rows.append(ReportRow(key, title, estimate["value"] if estimate else None, low, high, study,
                              report.get("reasons", {}).get(key, "")))  # fmt: skip
    return rows
