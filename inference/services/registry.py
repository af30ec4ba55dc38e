"""Writes to the model registry: register a model, promote one to active, retire one.

``model_register`` is the one way a model enters the platform, whether it was
trained elsewhere (the ``register_model`` command) or by the platform's own
training: it loads the files with ``inference.ml.model_files.load_model`` (local
files only, one forward pass on a dummy tile) *before* anything is recorded, so a
missing file, a config with a bad field, an unknown architecture or weights of the
wrong shape is a ``ValidationError`` naming the file, and neither a row nor a file
is left behind. The stored copies keep the original bytes, so the recorded SHA-256
is the one the team that trained the model can check.

``model_activate`` keeps the rule "at most one active model per project and kind"
(also a database constraint): the previous active model of that kind is retired in
the same transaction, and both changes record who and why.
"""

import shutil
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.models import LabelSet, Project
from annotations.selectors.access import can_manage_project
from annotations.storage import media_path, to_relative
from inference.ml.model_config import ModelLoadError
from inference.ml.model_files import CONFIG_NAME, WEIGHTS_NAME, atomic_write, load_model, sha256_of
from inference.models import ModelStatus, RegisteredModel
from inference.models.registry import ModelSource
from inference.storage import model_dir
from users.models import User


def _check_manager(*, project: Project, by: User | None) -> None:
    # ``by=None`` is an operator at the command line (manage.py), trusted like the admin.
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins manage its models")


def model_register(
    *,
    project: Project,
    weights: Path,
    config: Path,
    by: User | None,
    name: str = "",
    label_set: LabelSet | None = None,
    source: str = ModelSource.REGISTERED,
) -> RegisteredModel:
    """Record the model in ``weights`` + ``config`` for ``project`` after proving it loads and runs."""
    _check_manager(project=project, by=by)
    if label_set is not None and label_set.project_id != project.pk:
        raise ValidationError({"label_set": f"label set {label_set.pk} belongs to another project"})
    try:
        _, model_config = load_model(Path(weights), Path(config))
    except ModelLoadError as error:
        raise ValidationError({"model": str(error)}) from error
    directory: Path | None = None
    try:
        with transaction.atomic():
            model = RegisteredModel.objects.create(
                project=project, name=name or f"{model_config.arch} ({model_config.kind})", kind=model_config.kind,
                arch=model_config.arch, config=model_config.to_json(), weights_path="", config_path="",
                weights_sha256="", config_sha256="", source=source, label_set=label_set,
                created_by=by if by is not None and by.pk else None,
            )  # fmt: skip
            directory = model_dir(model.pk)
            stored = {}
            for source_path, stored_name in ((Path(weights), WEIGHTS_NAME), (Path(config), CONFIG_NAME)):
                with atomic_write(directory / stored_name) as temporary:
                    shutil.copyfile(source_path, temporary)
                stored[stored_name] = directory / stored_name
            model.weights_path = to_relative(stored[WEIGHTS_NAME])
            model.config_path = to_relative(stored[CONFIG_NAME])
            model.weights_sha256 = sha256_of(stored[WEIGHTS_NAME])
            model.config_sha256 = sha256_of(stored[CONFIG_NAME])
            model.save(update_fields=["weights_path", "config_path", "weights_sha256", "config_sha256"])
    except BaseException:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return model


def model_files(*, model: RegisteredModel) -> tuple[Path, Path]:
    """The stored ``(weights, config)`` paths of ``model``."""
    return media_path(model.weights_path), media_path(model.config_path)


@transaction.atomic
def model_activate(*, model: RegisteredModel, by: User | None, reason: str) -> RegisteredModel:
    """Make ``model`` its project's active model of its kind, retiring the one it replaces."""
    _check_manager(project=model.project, by=by)
    if not reason.strip():
        raise ValidationError({"reason": "say why this model becomes the active one"})
    locked = list(RegisteredModel.objects.select_for_update().filter(project_id=model.project_id, kind=model.kind))
    now = timezone.now()
    actor = by if by is not None and by.pk else None
    for other in locked:
        if other.pk != model.pk and other.status == ModelStatus.ACTIVE:
            other.status, other.status_reason = ModelStatus.RETIRED, f"replaced by model {model.pk}"
            other.status_changed_by, other.status_changed_at = actor, now
            other.save(update_fields=["status", "status_reason", "status_changed_by", "status_changed_at"])
    model.status, model.status_reason = ModelStatus.ACTIVE, reason.strip()
    model.status_changed_by, model.status_changed_at = actor, now
    model.save(update_fields=["status", "status_reason", "status_changed_by", "status_changed_at"])
    return model


@transaction.atomic
def model_retire(*, model: RegisteredModel, by: User | None, reason: str) -> RegisteredModel:
    _check_manager(project=model.project, by=by)
    if not reason.strip():
        raise ValidationError({"reason": "say why this model is retired"})
    model.status, model.status_reason = ModelStatus.RETIRED, reason.strip()
    model.status_changed_by = by if by is not None and by.pk else None
    model.status_changed_at = timezone.now()
    model.save(update_fields=["status", "status_reason", "status_changed_by", "status_changed_at"])
    return model
