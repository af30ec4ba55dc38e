"""Training runs: created with every input checked, executed (and resumed) by one function, one model each.

``run_create`` refuses bad input before any work (``ValidationError`` with what to
fix): an unknown architecture, a label set of another project or not complete, a
snapshot with no positive tiles, an empty train or val split, pretrained weights of
the wrong shapes (``inference.ml.train.training.check_training_inputs`` does the
checks on the manifest the run will use). ``run_request`` is the API's way: create,
then ``training.run_training`` on the ``gpu`` queue through the task outbox (leases:
a worker that dies is replaced, and the task resumes the run).

``run_execute`` runs a run to its end: train into ``MEDIA_ROOT/training/runs/<id>/``
(a checkpoint every epoch; started again, it resumes after the last finished epoch),
record the curves as epochs finish, register the best model, evaluate it on the
snapshot's test split, apply the promotion gate. Each step is idempotent: a run is
linked to at most one model (a one-to-one field, set under a row lock in the same
transaction that registers it), an evaluation is reused when it exists, so a run
restarted at any point never leaves two models or two reports.
"""

import logging
import math
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.enqueue import enqueue_on_commit
from annotations.models import LabelSet, LabelSetStatus, Mosaic, Project
from annotations.selectors.access import can_manage_project
from annotations.selectors.labelsets import labelset_root
from annotations.storage import media_path, media_root, to_relative
from inference.ml.data.manifest import ManifestError
from inference.ml.model_config import ModelLoadError
from inference.ml.models import default_config
from inference.ml.train.checkpoint import CHECKPOINT_NAME
from inference.ml.train.provenance import environment
from inference.ml.train.training import EpochRecord, TrainingInputError, TrainingSpec, check_training_inputs, train
from inference.models.registry import ModelSource
from inference.services.registry import model_register
from training.models import Evaluation, EvaluationSplit, RunStatus, TrainingRun
from training.services.evaluation import evaluate_model
from training.services.gate import gate_apply
from training.snapshot_files import snapshot_mosaics
from training.snapshot_manifest import snapshot_manifest
from users.models import User

logger = logging.getLogger(__name__)

RUN_TASK = "training.run_training"
# What a run's ``config`` holds, with defaults (the command's and the API's options).
DEFAULTS: dict[str, Any] = {"tile_size": 224, "um_per_px": 0.5, "epochs": 20, "batch_size": 32, "lr": 3e-4,
                            "workers": 2, "patience": 5, "threshold": 0.5, "max_steps_per_epoch": None,
                            "pretrained_weights": None, "device": "auto"}  # fmt: skip


def run_dir(run_id: int) -> Path:
    return media_root() / "training" / "runs" / str(run_id)


def _spec(run: TrainingRun, output_dir: Path) -> TrainingSpec:
    options = {**DEFAULTS, **run.config}
    try:
        config = default_config(run.kind, run.arch, tile_size=int(options["tile_size"]),  # type: ignore[arg-type]
                                um_per_px=float(options["um_per_px"]), threshold=float(options["threshold"]))  # fmt: skip
    except ModelLoadError as error:
        raise ValidationError({"arch": str(error).replace("config: field 'arch': ", "")}) from error
    labelset = run.labelset
    root = labelset_root(labelset)
    rows = snapshot_mosaics(root)
    mosaics = Mosaic.objects.in_bulk([row.mosaic for row in rows])
    pyramids = {pk: media_path(mosaic.pyramid_path) for pk, mosaic in mosaics.items() if mosaic.pyramid_path}
    try:
        manifest = snapshot_manifest(root, config, pyramids)
    except (KeyError, ManifestError) as error:
        raise ValidationError({"labelset": f"label set v{labelset.version}: mosaic {error} has no pyramid"}) from error
    weights = options["pretrained_weights"]
    workers = int(options["workers"])
    if workers and multiprocessing.current_process().daemon:
        # A prefork Celery child may not start processes: DataLoader workers need the gpu
        # queue's worker on the solo pool (as deployed); here the loader runs in-process.
        logger.warning("training run %s: in a daemonic worker process, DataLoader workers are off", run.pk)
        workers = 0
    return TrainingSpec(
        manifest=manifest, config=config, output_dir=output_dir, epochs=int(options["epochs"]),
        batch_size=int(options["batch_size"]), lr=float(options["lr"]), num_workers=workers,
        seed=run.seed, patience=int(options["patience"]), pretrained_weights=Path(weights) if weights else None,
        label_set_version=f"{run.project.slug}/v{labelset.version}", device=str(options["device"]),
        max_steps_per_epoch=options["max_steps_per_epoch"],
    )  # fmt: skip


def _check_spec(spec: TrainingSpec) -> None:
    try:
        check_training_inputs(spec)
    except (TrainingInputError, ManifestError, ModelLoadError) as error:
        raise ValidationError({"input": str(error)}) from error


@transaction.atomic
def run_create(
    *, project: Project, labelset: LabelSet, arch: str, by: User | None, kind: str = "classifier", seed: int = 0,
    **options: Any,
) -> TrainingRun:  # fmt: skip
    """Record a ``queued`` run after checking every input (see the module docstring); nothing trains yet."""
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins train its models")
    if labelset.project_id != project.pk:
        raise ValidationError({"labelset": f"label set {labelset.pk} belongs to another project than {project.slug}"})
    if labelset.status != LabelSetStatus.COMPLETE:
        raise ValidationError({"labelset": f"label set v{labelset.version} is {labelset.status}, not complete"})
    if kind not in ("classifier", "detector"):
        raise ValidationError({"kind": f"the kind is classifier or detector, not {kind!r}"})
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise ValidationError({"options": f"unknown option(s) {', '.join(unknown)}"})
    config = {key: value for key, value in options.items() if value is not None}
    if config.get("pretrained_weights"):
        config["pretrained_weights"] = str(Path(config["pretrained_weights"]).resolve())
    run = TrainingRun(project=project, labelset=labelset, kind=kind, arch=arch, config=config, seed=seed,
                      created_by=by if by is not None and by.pk else None)  # fmt: skip
    _check_spec(_spec(run, run_dir(0)))
    run.save()
    return run


def run_request(*, project: Project, labelset: LabelSet, arch: str, by: User, **options: Any) -> TrainingRun:
    """A lead's run from the API: checked and recorded now, trained by ``training.run_training`` on the gpu queue."""
    with transaction.atomic():
        run = run_create(project=project, labelset=labelset, arch=arch, by=by, **options)
        enqueue_on_commit(RUN_TASK, run.pk)
    return run


def _record_epoch(run_id: int, record: EpochRecord, progress: Callable[[EpochRecord], None] | None) -> None:
    def finite(value: float | None) -> float | None:
        # A diverged loss is NaN, which PostgreSQL's jsonb refuses: recorded as null.
        return value if value is not None and math.isfinite(value) else None

    entry = {"epoch": record.epoch, "train_loss": finite(record.train_loss), "val_loss": finite(record.val_loss),
             "val_auroc": finite(record.val_auroc), "lr": record.lr, "seconds": record.seconds,
             "improved": record.improved}  # fmt: skip
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        run.history = [item for item in run.history if item["epoch"] != record.epoch] + [entry]
        run.save(update_fields=["history"])
    if progress is not None:
        progress(record)


def _fail(run: TrainingRun, reason: str) -> TrainingRun:
    run.status, run.failure_reason, run.finished_at = RunStatus.FAILED, reason, timezone.now()
    run.save(update_fields=["status", "failure_reason", "finished_at"])
    return run


def _register(run: TrainingRun, weights: Path, config: Path) -> TrainingRun:
    """Link the run to its model, registering it only if it has none (row lock: never two models for a run)."""
    with transaction.atomic():
        locked = TrainingRun.objects.select_for_update().get(pk=run.pk)
        if locked.registered_model_id is None:
            locked.registered_model = model_register(
                project=locked.project, weights=weights, config=config, by=None, label_set=locked.labelset,
                source=ModelSource.TRAINED, name=f"{locked.arch} · run {locked.pk} · label set v{locked.labelset.version}",
            )  # fmt: skip
            locked.save(update_fields=["registered_model"])
    return locked


def run_execute(*, run_id: int, on_epoch: Callable[[EpochRecord], None] | None = None) -> TrainingRun:
    """Train (or resume) run ``run_id``, register, evaluate and gate its model; a finished run is returned as is."""
    run = TrainingRun.objects.select_related("project", "labelset").get(pk=run_id)
    if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
        return run
    output_dir = run_dir(run.pk)
    env = environment()
    code = env.get("code") or {}
    run.status, run.started_at = RunStatus.RUNNING, run.started_at or timezone.now()
    run.output_dir, run.checkpoint_path = to_relative(output_dir), to_relative(output_dir / CHECKPOINT_NAME)
    run.environment, run.library_versions = env, env["libraries"]
    run.code_revision = (code.get("commit") or "unknown")[:64]
    run.save()
    try:
        spec = _spec(run, output_dir)
        if run.registered_model_id is None:
            result = train(spec, on_epoch=lambda record: _record_epoch(run.pk, record, on_epoch))
            if result.saved is None:
                return _fail(run, "training ended without a model (no epoch finished)")
            run.resumed_from_epoch = result.resumed_from_epoch
            run.save(update_fields=["resumed_from_epoch"])
            run = _register(run, result.saved.weights_path, result.saved.config_path)
    except (ValidationError, TrainingInputError, ManifestError, ModelLoadError) as error:
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _fail(run, message)
    except Exception as error:  # noqa: BLE001 - a run that cannot go on says why; the worker stays up
        logger.exception("training run %s failed", run.pk)
        return _fail(run, f"{type(error).__name__}: {error}")
    try:
        run.gate = _evaluate_and_gate(run, _eval_device(spec))
    except ValidationError as error:
        return _fail(run, f"model {run.registered_model_id} registered, but not evaluated: {'; '.join(error.messages)}")
    run.status, run.finished_at = RunStatus.SUCCEEDED, timezone.now()
    run.save(update_fields=["gate", "status", "finished_at"])
    return run


def _evaluate_and_gate(run: TrainingRun, device: str) -> dict[str, Any]:
    model = run.registered_model
    assert model is not None
    if not snapshot_mosaics(labelset_root(run.labelset), EvaluationSplit.TEST):
        return {"promoted": False, "reason": f"label set v{run.labelset.version} has no test split: not gated"}
    evaluation = Evaluation.objects.filter(model=model, labelset=run.labelset, split=EvaluationSplit.TEST).first()
    if evaluation is None:
        evaluation = evaluate_model(model=model, labelset=run.labelset, split=EvaluationSplit.TEST, by=None,
                                    device=device)  # fmt: skip
    return gate_apply(candidate=model, evaluation=evaluation)


def _eval_device(spec: TrainingSpec) -> str:
    import torch

    if spec.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return spec.device
