"""Celery tasks of the training app (a task takes ids and calls one service)."""

from celery import shared_task

from training.models import TrainingRun
from training.services.retraining import retraining_cycle
from training.services.runs import run_execute


@shared_task(name="training.run_training", acks_late=True, reject_on_worker_lost=True)
def run_training(run_id: int) -> dict[str, object]:
    """Train (or resume after a lost worker) run ``run_id`` on the gpu queue; the outcome for the result backend."""
    run: TrainingRun = run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "model": run.registered_model_id, "gate": run.gate,
            "failure_reason": run.failure_reason}  # fmt: skip


@shared_task(name="training.retrain_project", acks_late=True, reject_on_worker_lost=True)
def retrain_project(project_id: int) -> dict[str, object]:
    """The beat schedule's task: one retraining cycle of the project, when its policy's threshold is reached."""
    return retraining_cycle(project_id=project_id)
