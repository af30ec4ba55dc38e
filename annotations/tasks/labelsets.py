"""Label-set export (cpu queue): write a recorded snapshot's files and mark it complete or failed."""

from annotations.services.labelsets import labelset_build

from .base import django_task

__all__ = ["export_labelset"]


@django_task(name="annotations.export_labelset", acks_late=True, max_retries=1)
def export_labelset(labelset_id: int) -> str:
    """Build label set ``labelset_id``; returns its final status."""
    return labelset_build(labelset_id=labelset_id).status
