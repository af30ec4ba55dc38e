"""Celery tasks of the inference app (a task takes ids, calls one service)."""

from celery import shared_task

from inference.ml.device import DeviceInfo, describe_device


@shared_task(name="inference.worker_device", queue="cpu")
def worker_device() -> DeviceInfo:
    """Which torch and device the worker that ran this has (a round-trip probe)."""
    return describe_device()
