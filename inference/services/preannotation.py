"""Pre-annotation: queue a model's run over a mosaic, and execute it (in the GPU worker or a command).

``prediction_run_queue`` keeps one run per (mosaic, model): a re-run resets that row
to ``queued`` and hands ``inference.preannotate`` to the ``gpu`` queue after commit
(through the task outbox, so a broker outage loses nothing). A run already queued or
running is left alone, so a lead's repeated clicks never queue it twice.

``prediction_run_execute`` does the work: it loads the registered model's files,
reads the mosaic's pyramid lazily (``inference.ml.data.reader.PyramidReader`` at the
mosaic's pixel size), runs ``predict_mosaic`` and stores the outputs. The new files
go to a fresh folder, and the run's row, its suggestions and the paths to those files
change in one transaction, so a reader sees the previous outputs or the new ones,
never a mix; the previous folder is removed after the commit. Any failure ends as
``failed`` with a reason a person can act on; the previous outputs stay.
"""

import logging
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.enqueue import enqueue_on_commit
from annotations.models import Mosaic, MosaicStatus, Project
from annotations.selectors.access import can_manage_project
from annotations.selectors.mosaics import mosaic_um_per_px
from annotations.storage import media_path, to_relative
from annotations.vocabulary import FeatureLabel
from inference.ml.data.reader import PyramidError, PyramidReader
from inference.ml.model_config import ModelLoadError
from inference.ml.model_files import load_model
from inference.ml.predict.inferer import MosaicPrediction, predict_mosaic
from inference.models import ModelStatus, PredictionRun, RegisteredModel, RunStatus, Suggestion
from inference.services.registry import model_files
from inference.storage import prediction_dir
from users.models import User

logger = logging.getLogger(__name__)

TASK_NAME = "inference.preannotate"
# A run whose worker died this many times (e.g. out of GPU memory) is failed rather than retried again.
MAX_ATTEMPTS = 3
# Models say "suspicious", not which feature: their suggestions carry the generic label.
SUGGESTION_LABEL = FeatureLabel.OTHER_SUSPICIOUS
PROBABILITY_NAME, UNCERTAINTY_NAME, HEATMAP_NAME = "tile_probability.npy", "tile_uncertainty.npy", "heatmap.png"


def _check_manager(*, project: Project, by: User | None) -> None:
    # ``by=None``: the platform itself (a mosaic became ready) or an operator at the command line.
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins run its models")


@transaction.atomic
def prediction_run_queue(
    *, mosaic: Mosaic, model: RegisteredModel, by: User | None, send: bool = True
) -> PredictionRun:
    """Queue ``model`` over ``mosaic`` (a re-run reuses the pair's run); the task is sent after commit.

    ``send=False``: only reset the run, for a caller that executes it in its own
    process (the ``preannotate`` command).
    """
    project = mosaic.case.project
    _check_manager(project=project, by=by)
    if model.project_id != project.pk:
        raise ValidationError({"model": f"model {model.pk} belongs to another project than mosaic {mosaic.pk}"})
    if model.status == ModelStatus.RETIRED:
        raise ValidationError({"model": f"model {model.pk} is retired; activate it or run the active model"})
    if mosaic.status != MosaicStatus.READY:
        raise ValidationError({"mosaic": f"mosaic {mosaic.pk} is {mosaic.status}; only ready mosaics are pre-annotated"})
    run, _ = PredictionRun.objects.get_or_create(mosaic=mosaic, model=model)
    run = PredictionRun.objects.select_for_update().get(pk=run.pk)
    if send and run.status in (RunStatus.QUEUED, RunStatus.RUNNING) and run.queued_at is not None:
        return run  # already on its way: never queued twice
    run.status, run.progress, run.error, run.attempts = RunStatus.QUEUED, 0, "", 0
    run.queued_at, run.started_at, run.finished_at = timezone.now(), None, None
    run.requested_by = by if by is not None and by.pk else None
    run.save()
    if send:
        enqueue_on_commit(TASK_NAME, run.pk)
    return run


def prediction_runs_for_ready_mosaic(*, mosaic: Mosaic) -> list[PredictionRun]:
    """Queue every active model of the mosaic's project over it (the hook when a mosaic becomes ready)."""
    models = RegisteredModel.objects.filter(project_id=mosaic.case.project_id, status=ModelStatus.ACTIVE)
    return [prediction_run_queue(mosaic=mosaic, model=model, by=None) for model in models.order_by("kind")]


def prediction_runs_queue_project(
    *, project: Project, by: User | None, model: RegisteredModel | None = None
) -> list[PredictionRun]:
    """A lead's re-run: ``model`` (else every active model) over every ready mosaic of the project."""
    _check_manager(project=project, by=by)
    if model is not None and model.project_id != project.pk:
        raise ValidationError({"model": f"model {model.pk} belongs to another project"})
    models = [model] if model is not None else list(RegisteredModel.objects.filter(project=project, status=ModelStatus.ACTIVE))
    if not models:
        raise ValidationError({"model": f"project {project.slug} has no active model; activate one first"})
    mosaics = Mosaic.objects.filter(case__project=project, status=MosaicStatus.READY).select_related("case__project")
    with transaction.atomic():
        return [prediction_run_queue(mosaic=mosaic, model=m, by=by) for m in models for mosaic in mosaics.order_by("pk")]


# --- execution ----------------------------------------------------------------------


def inference_device() -> str:
    wanted = str(settings.RCM_INFERENCE_DEVICE)
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def _fail(run: PredictionRun, reason: str) -> PredictionRun:
    run.status, run.error, run.finished_at = RunStatus.FAILED, reason, timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    return run


def _progress_writer(run_id: int, report: Callable[[float], None] | None) -> Callable[[float], None]:
    last = [-1]

    def write(fraction: float) -> None:
        if report is not None:
            report(fraction)
        percent = min(99, int(fraction * 100))  # 100 only once the outputs are stored
        if percent != last[0]:
            last[0] = percent
            PredictionRun.objects.filter(pk=run_id).update(progress=percent, updated_at=timezone.now())

    return write


def prediction_run_execute(
    *, run_id: int, progress: Callable[[float], None] | None = None, device: str | None = None
) -> PredictionRun:
    """Run the model over the mosaic and store grid, uncertainty, heatmap and suggestions; done or failed."""
    run = PredictionRun.objects.select_related("model", "mosaic__case__project").get(pk=run_id)
    if run.status == RunStatus.DONE:
        return run  # a re-delivered task after success
    run.attempts += 1
    if run.attempts > MAX_ATTEMPTS:
        return _fail(run, f"the run was interrupted {MAX_ATTEMPTS} times (its worker died, e.g. out of memory); "
                          "ask an administrator to check the GPU worker, then re-run it")  # fmt: skip
    run.status, run.progress, run.error, run.started_at = RunStatus.RUNNING, 0, "", timezone.now()
    run.save(update_fields=["status", "progress", "error", "started_at", "attempts", "updated_at"])
    mosaic, model = run.mosaic, run.model
    if mosaic.status != MosaicStatus.READY or not mosaic.pyramid_path:
        return _fail(run, f"mosaic {mosaic.pk} is {mosaic.status}, not ready; re-run once its ingest has finished")
    try:
        weights, config_path = model_files(model=model)
        network, config = load_model(weights, config_path)
    except ModelLoadError as error:
        return _fail(run, f"model {model.pk}'s files cannot be loaded ({error}); register the model again")
    reader = PyramidReader(media_path(mosaic.pyramid_path), pixel_size_um=mosaic_um_per_px(mosaic=mosaic))
    try:
        prediction = predict_mosaic(
            network, config, reader, device=device or inference_device(),
            batch_size=settings.RCM_INFERENCE_BATCH_SIZE, num_workers=settings.RCM_INFERENCE_LOADER_WORKERS,
            progress=_progress_writer(run.pk, progress),
        )  # fmt: skip
    except PyramidError as error:
        return _fail(run, f"the mosaic's pyramid cannot be read ({error}); re-ingest the mosaic, then re-run")
    except torch.cuda.OutOfMemoryError:
        return _fail(run, "the GPU ran out of memory; lower RCM_INFERENCE_BATCH_SIZE for the GPU worker, then re-run")
    except Exception as error:  # noqa: BLE001 - any crash must end as a visible, actionable state
        logger.exception("prediction run %s crashed", run.pk)
        return _fail(run, f"the model stopped on an unexpected error ({type(error).__name__}: {error}); "
                          "an administrator can check the worker's log and re-run it")  # fmt: skip
    return _store(run, prediction)


def _write_outputs(run: PredictionRun, prediction: MosaicPrediction) -> Path:
    """The grid, uncertainty and heatmap in a fresh folder of the run (not yet the run's)."""
    folder = prediction_dir(run.pk) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    np.save(folder / PROBABILITY_NAME, prediction.tile_probability.astype(np.float32))
    np.save(folder / UNCERTAINTY_NAME, prediction.tile_uncertainty.astype(np.float32))
    (folder / HEATMAP_NAME).write_bytes(prediction.heatmap_png)
    return folder


def _suggestions(run: PredictionRun, prediction: MosaicPrediction) -> list[Suggestion]:
    from shapely.geometry import shape

    rows = []
    for feature in prediction.polygons:
        geometry = shape(feature["geometry"])
        min_x, min_y, max_x, max_y = geometry.bounds
        properties = feature["properties"]
        rows.append(Suggestion(
            run=run, label=SUGGESTION_LABEL, geometry=feature["geometry"], score=properties["score"],
            mean_probability=properties["mean_probability"], area_px=geometry.area,
            min_x=min_x, min_y=min_y, max_x=max_x, max_y=max_y,
        ))  # fmt: skip
    return rows


def _store(run: PredictionRun, prediction: MosaicPrediction) -> PredictionRun:
    folder = _write_outputs(run, prediction)
    try:
        with transaction.atomic():
            locked = PredictionRun.objects.select_for_update().get(pk=run.pk)
            previous = locked.probability_path
            Suggestion.objects.filter(run=locked).delete()
            Suggestion.objects.bulk_create(_suggestions(locked, prediction))
            locked.status, locked.progress, locked.error, locked.finished_at = RunStatus.DONE, 100, "", timezone.now()
            locked.score, locked.threshold = float(prediction.score), float(prediction.threshold)
            locked.grid_rows, locked.grid_cols = prediction.grid.rows, prediction.grid.cols
            locked.tile_size, locked.map_downsample = prediction.grid.tile_px, prediction.map_downsample
            locked.summary = prediction.summary()
            locked.probability_path = to_relative(folder / PROBABILITY_NAME)
            locked.uncertainty_path = to_relative(folder / UNCERTAINTY_NAME)
            locked.heatmap_path = to_relative(folder / HEATMAP_NAME)
            locked.save()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if previous:
        old = media_path(previous).parent
        transaction.on_commit(lambda: shutil.rmtree(old, ignore_errors=True) if old != folder else None)
    return locked
