"""Periodic retraining: a per-project policy, its django-celery-beat schedule, and one cycle at a time.

``retraining_policy_save`` writes the project's ``TrainingSettings`` and keeps one
``PeriodicTask`` (``training.retrain_project`` with the project's id; daily by
default, editable in the admin like any beat schedule) in step with it: enabled
exactly when the policy is.

``retraining_cycle`` is what the schedule runs. It does nothing unless the policy is
enabled and at least ``min_new_reads`` reads were submitted or adjudicated (submitted
consensus reads) since the project's last complete snapshot. A cycle is: export a
snapshot → train → evaluate on its test split → apply the promotion gate
(``run_execute``), recorded as a ``RetrainingCycle``.

**One cycle at a time per project**, twice over: a PostgreSQL session advisory lock
keyed by the project is held for the whole cycle (a second trigger returns at once;
a worker that dies loses its connection and so its lock), and the database allows
at most one ``running`` cycle per project (a partial unique constraint). A cycle
left ``running`` by a dead worker is continued by the next trigger that gets the
lock: its snapshot is reused and its run resumes from the last checkpoint.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from annotations.models import LabelSet, LabelSetStatus, Project, Read, ReadStatus
from annotations.selectors.access import can_manage_project
from annotations.services.labelsets import labelset_build, labelset_create
from training.models import CycleStatus, RetrainingCycle, RunStatus, TrainingSettings
from training.services.runs import run_create, run_execute
from users.models import User

logger = logging.getLogger(__name__)

CYCLE_TASK = "training.retrain_project"
_LOCK_NAMESPACE = 0x7261  # "ra": keeps these advisory locks apart from any other use of pg advisory locks
POLICY_FIELDS = ("retrain_enabled", "min_new_reads", "kind", "arch", "tile_size", "um_per_px", "epochs",
                 "batch_size", "policy", "positive_diagnoses")  # fmt: skip


def settings_of(project: Project) -> TrainingSettings:
    found, _ = TrainingSettings.objects.get_or_create(project=project)
    return found


@transaction.atomic
def retraining_policy_save(*, project: Project, by: User | None, **fields: Any) -> TrainingSettings:
    """Update the project's training settings and its beat schedule (created on first save, daily)."""
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins set its retraining policy")
    unknown = sorted(set(fields) - set(POLICY_FIELDS))
    if unknown:
        raise ValidationError({"policy": f"unknown field(s) {', '.join(unknown)}"})
    settings = settings_of(project)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    if settings.schedule is None:
        every_day, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.DAYS)
        settings.schedule = PeriodicTask.objects.create(
            name=f"retrain project {project.slug}", task=CYCLE_TASK, interval=every_day, args=f"[{project.pk}]",
            enabled=settings.retrain_enabled, description="periodic retraining (training.services.retraining)",
        )  # fmt: skip
    elif settings.schedule.enabled != settings.retrain_enabled:
        settings.schedule.enabled = settings.retrain_enabled
        settings.schedule.save(update_fields=["enabled"])
    settings.save()
    return settings


def new_reads_since_last_snapshot(project: Project) -> int:
    """Reads (reader reads and consensus reads) submitted after the last complete snapshot was started."""
    last = LabelSet.objects.filter(project=project, status=LabelSetStatus.COMPLETE).order_by("-version").first()
    reads = Read.objects.filter(mosaic__case__project=project, status=ReadStatus.SUBMITTED)
    if last is not None:
        reads = reads.filter(submitted_at__gt=last.created_at)
    return reads.count()


@contextmanager
def _project_lock(project_id: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, project_id])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, project_id])


def _finish(cycle: RetrainingCycle, status: str, outcome: str) -> RetrainingCycle:
    cycle.status, cycle.outcome, cycle.finished_at = status, outcome, timezone.now()
    cycle.save(update_fields=["status", "outcome", "finished_at"])
    return cycle


def retraining_cycle(*, project_id: int) -> dict[str, Any]:
    """Run one cycle for the project if its policy says so; what happened, as a dict (see the module docstring)."""
    project = Project.objects.get(pk=project_id)
    settings = settings_of(project)
    if not settings.retrain_enabled:
        return {"cycle": None, "outcome": "retraining is not enabled for this project"}
    with _project_lock(project.pk) as acquired:
        if not acquired:
            return {"cycle": None, "outcome": "a cycle of this project is running"}
        cycle = RetrainingCycle.objects.filter(project=project, status=CycleStatus.RUNNING).first()
        if cycle is None:
            new_reads = new_reads_since_last_snapshot(project)
            if new_reads < settings.min_new_reads:
                return {"cycle": None, "outcome": f"{new_reads} new read(s) since the last snapshot; "
                                                  f"{settings.min_new_reads} needed"}  # fmt: skip
            cycle = RetrainingCycle.objects.create(project=project, new_reads=new_reads)
        cycle = _advance(cycle, settings)
    return {"cycle": cycle.pk, "status": cycle.status, "outcome": cycle.outcome}


def _advance(cycle: RetrainingCycle, settings: TrainingSettings) -> RetrainingCycle:
    """Take the cycle from wherever it stopped to its end: snapshot, run, gate."""
    project = cycle.project
    try:
        if cycle.labelset is None:
            labelset = labelset_create(project=project, by=None, policy=settings.policy)
            cycle.labelset = labelset
            cycle.save(update_fields=["labelset"])
        labelset = labelset_build(labelset_id=cycle.labelset.pk)
        if labelset.status != LabelSetStatus.COMPLETE:
            return _finish(cycle, CycleStatus.FAILED, f"snapshot v{labelset.version} failed: {labelset.failure_reason}")
        if cycle.run is None:
            cycle.run = run_create(project=project, labelset=labelset, arch=settings.arch, kind=settings.kind, by=None,
                                   tile_size=settings.tile_size, um_per_px=settings.um_per_px, epochs=settings.epochs,
                                   batch_size=settings.batch_size)  # fmt: skip
            cycle.save(update_fields=["run"])
    except ValidationError as error:
        return _finish(cycle, CycleStatus.FAILED, "; ".join(error.messages))
    run = run_execute(run_id=cycle.run.pk)
    if run.status != RunStatus.SUCCEEDED:
        return _finish(cycle, CycleStatus.FAILED, f"training run {run.pk} failed: {run.failure_reason}")
    return _finish(cycle, CycleStatus.SUCCEEDED, f"snapshot v{labelset.version}, run {run.pk}, model "
                                                 f"{run.registered_model_id}: {run.gate.get('reason', '')}")  # fmt: skip
