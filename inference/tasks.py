"""Celery tasks of the inference app (a task takes ids, calls one service).

``inference.*`` tasks go to the ``gpu`` queue (``CELERY_TASK_ROUTES``), whose worker
runs the solo pool with prefetch 1: CUDA cannot be used in a forked child, and one
mosaic at a time keeps the GPU's memory predictable. Late acks with
``reject_on_worker_lost`` re-deliver a run whose worker died; the run counts its
attempts and fails after a few, so a mosaic that always kills its worker cannot loop.
"""

from celery import shared_task

from annotations.tasks.base import django_task
from inference.ml.device import DeviceInfo, describe_device
from inference.services.preannotation import TASK_NAME, prediction_run_execute


@shared_task(name="inference.worker_device")
def worker_device() -> DeviceInfo:
    """Which torch and device the worker that ran this has (a round-trip probe)."""
    return describe_device()


@django_task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def preannotate(run_id: int) -> str:
    """Run prediction run ``run_id`` (its model over its mosaic); returns the run's final status."""
    return prediction_run_execute(run_id=run_id).status
