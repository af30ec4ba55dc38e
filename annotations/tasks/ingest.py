"""Ingest tasks: one mosaic from its original to its pyramid, on the CPU queue.

The task takes the mosaic's id and calls one service; status, progress and any
failure reason live on the Mosaic row, where the case page and the API read them.
A worker killed mid-ingest gets the task re-delivered (``acks_late`` with
``task_reject_on_worker_lost``); the service counts attempts and fails the mosaic
after a few, so a file that always kills its worker cannot loop forever.
"""

from annotations.services.mosaics import mosaic_ingest

from .base import django_task

__all__ = ["ingest_mosaic"]


@django_task(name="annotations.ingest_mosaic", acks_late=True, max_retries=3)
def ingest_mosaic(mosaic_id: int) -> str:
    """Ingest mosaic ``mosaic_id``; returns its final status."""
    return mosaic_ingest(mosaic_id=mosaic_id).status
