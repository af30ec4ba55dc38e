"""``evaluate_model``: the study's measurement of a registered model on one split of a label set.

For each mosaic of the split, in order: run the model over the whole mosaic
(``inference.ml.predict.inferer.predict_mosaic``, the same sliding window as
pre-annotation), then compare with the snapshot:

- **tiles**: the model's tile probabilities against tile labels. When the model's
  tile is the snapshot's tile (same level-0 size), the snapshot's own ``tiles.csv``
  labels; otherwise each model tile's labelled share measured on the snapshot's label
  mask (``training.snapshot_files.grid_fractions``) against the snapshot's positive
  fraction. Background tiles the model skipped count as probability 0, as in the
  mosaic score (a simplification the study does not spell out).
- **mosaic**: the mosaic score (value such that 1 % of the area is at or above it);
  truth = the snapshot marks suspicious area in the mosaic, or, where the project
  lists positive diagnoses (``TrainingSettings.positive_diagnoses``), the case's
  diagnosis is one of them.
- **pixels**: the thresholded probability map against the label mask (pooled Dice).

``inference.ml.metrics.report.evaluate_mosaics`` then computes every measure with its
95 % percentile bootstrap over patients (scikit-learn underneath). Nothing is written
unless every mosaic was measured: a model or label set that cannot be evaluated is a
``ValidationError`` with the reason, before any model runs where that is knowable.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from PIL import Image

from annotations.models import LabelSet, LabelSetStatus, Mosaic
from annotations.selectors.access import can_manage_project
from annotations.selectors.labelsets import labelset_root
from annotations.storage import media_path
from inference.ml.data.reader import PyramidError, PyramidReader
from inference.ml.metrics.measures import DiceCounts
from inference.ml.metrics.report import MosaicResult, evaluate_mosaics, roc_images
from inference.ml.model_config import ModelLoadError
from inference.ml.model_files import load_model
from inference.ml.predict.inferer import MosaicPrediction, predict_mosaic
from inference.models import RegisteredModel
from inference.services.registry import model_files
from training.models import Evaluation, EvaluationSplit, TrainingSettings
from training.selectors.agreement import reader_agreement
from training.snapshot_files import (
    SnapshotMosaicRow,
    grid_fractions,
    label_mask,
    snapshot_mosaics,
    snapshot_settings,
    snapshot_tiles,
)
from users.models import User

# The report's keys the ``evaluate --json`` command prints (the list, in its order).
REPORT_KEYS = ("tile_auroc", "mosaic_auroc", "threshold", "sensitivity", "specificity",
               "specificity_at_sensitivity_0_8", "pixel_dice", "n_tiles", "n_mosaics", "n_patients")  # fmt: skip
# The study's own figures, shown beside a model's report.
STUDY_FIGURES = {"tile_auroc": 0.775, "mosaic_auroc": 0.832, "detector_auroc": 0.79, "sensitivity": 0.83,
                 "specificity": 0.71, "threshold": 0.63, "specificity_at_sensitivity_0_8": 0.6}  # fmt: skip


def _checked_inputs(model: RegisteredModel, labelset: LabelSet, split: str) -> tuple[Path, list[SnapshotMosaicRow]]:
    if split not in EvaluationSplit.values:
        raise ValidationError({"split": f"the split is one of {', '.join(EvaluationSplit.values)}, not {split!r}"})
    if labelset.project_id != model.project_id:
        raise ValidationError({"labelset": f"label set v{labelset.version} belongs to another project than model "
                                           f"{model.pk}"})  # fmt: skip
    if labelset.status != LabelSetStatus.COMPLETE:
        raise ValidationError({"labelset": f"label set v{labelset.version} is {labelset.status}, not complete"})
    root = labelset_root(labelset)
    if not (root / "mosaics.csv").is_file():
        raise ValidationError({"labelset": f"label set v{labelset.version}: its files are missing at {root}"})
    rows = snapshot_mosaics(root, split)
    if not rows:
        raise ValidationError({"split": f"the {split} split of label set v{labelset.version} has no mosaics; "
                                        f"choose another split (--split val|train|all) or export a larger label set"})  # fmt: skip
    return root, rows


def _positive_diagnoses(model: RegisteredModel) -> list[str]:
    settings = TrainingSettings.objects.filter(project_id=model.project_id).first()
    return list(settings.positive_diagnoses) if settings else []


def _tile_truth(root: Path, row: SnapshotMosaicRow, prediction: MosaicPrediction,
                snapshot_tile_px: int, positive_fraction: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(probabilities, labels) of the model's tiles of this mosaic."""
    grid = prediction.grid
    probability = np.nan_to_num(prediction.tile_probability, nan=0.0)
    if grid.tile_px == snapshot_tile_px and grid.stride_px == grid.tile_px:
        tiles = snapshot_tiles(root, [row.mosaic])[row.mosaic]
        rows_, cols_ = np.array([t.y for t in tiles]) // grid.tile_px, np.array([t.x for t in tiles]) // grid.tile_px
        labels = np.array([t.label for t in tiles], dtype=np.int64)
        inside = (rows_ < grid.rows) & (cols_ < grid.cols)
        return probability[rows_[inside], cols_[inside]], labels[inside]
    labelled, downsample = label_mask(root, row)
    fractions = grid_fractions(labelled, downsample, tile_px=grid.tile_px, stride_px=grid.stride_px, rows=grid.rows,
                               cols=grid.cols, width=row.width, height=row.height)  # fmt: skip
    return probability.ravel(), (fractions >= positive_fraction).astype(np.int64).ravel()


def _dice(root: Path, row: SnapshotMosaicRow, prediction: MosaicPrediction) -> DiceCounts:
    labelled, _ = label_mask(root, row)
    predicted = np.nan_to_num(prediction.probability_map, nan=0.0) >= prediction.threshold
    resized = Image.fromarray(labelled).resize((predicted.shape[1], predicted.shape[0]), Image.Resampling.NEAREST)
    return DiceCounts.of(predicted, np.asarray(resized))


def evaluate_model(
    *,
    model: RegisteredModel,
    labelset: LabelSet,
    split: str = EvaluationSplit.TEST,
    by: User | None,
    device: str = "cpu",
    n_resamples: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Measure ``model`` on ``split`` of ``labelset`` the study's way and record it (see the module docstring)."""
    if by is not None and not can_manage_project(user=by, project=model.project):
        raise PermissionDenied("only the project's leads and admins evaluate its models")
    root, rows = _checked_inputs(model, labelset, split)
    mosaics = Mosaic.objects.select_related("case").in_bulk([row.mosaic for row in rows])
    missing = [row.mosaic for row in rows if row.mosaic not in mosaics or not mosaics[row.mosaic].pyramid_path]
    if missing:
        raise ValidationError({"labelset": f"mosaic(s) {missing} of the split have no pyramid to run the model on"})
    try:
        network, config = load_model(*model_files(model=model))
    except ModelLoadError as error:
        raise ValidationError({"model": str(error)}) from error
    network.to(torch.device(device))
    settings = snapshot_settings(root)
    snapshot_tile_px, positive_fraction = int(settings["tile_px"]), float(settings["positive_fraction"])
    positive_diagnoses = _positive_diagnoses(model)
    results = []
    for done, row in enumerate(rows):
        mosaic = mosaics[row.mosaic]
        reader = PyramidReader(media_path(mosaic.pyramid_path), pixel_size_um=mosaic.um_per_px or row.um_per_px)
        try:
            prediction = predict_mosaic(network, config, reader, device=device)
        except PyramidError as error:
            raise ValidationError({"labelset": f"mosaic {row.mosaic}: {error}"}) from error
        probability, labels = _tile_truth(root, row, prediction, snapshot_tile_px, positive_fraction)
        truth = mosaic.case.diagnosis in positive_diagnoses if positive_diagnoses else row.regions > 0
        results.append(MosaicResult(row.mosaic, row.patient, bool(truth), prediction.score, probability, labels,
                                    _dice(root, row, prediction)))  # fmt: skip
        if progress is not None:
            progress(done + 1, len(rows))
    resamples = n_resamples or django_settings.RCM_EVALUATION_RESAMPLES
    report = evaluate_mosaics(results, threshold=config.threshold, n_resamples=resamples)
    images = roc_images(results, threshold=config.threshold)
    with transaction.atomic():
        return Evaluation.objects.create(
            model=model, labelset=labelset, split=split, report=report.to_json(),
            truth="diagnosis" if positive_diagnoses else "labelled_area", truth_detail=positive_diagnoses,
            reader_agreement=reader_agreement(mosaic_ids=[row.mosaic for row in rows]),
            roc_tile_png=images["tile"], roc_mosaic_png=images["mosaic"], device=str(device),
            created_by=by if by is not None and by.pk else None,
        )  # fmt: skip


def report_summary(evaluation: Evaluation) -> dict[str, Any]:
    """The report restricted to the issue's keys (what ``evaluate --json`` prints)."""
    return {key: evaluation.report.get(key) for key in REPORT_KEYS}
