"""Reading tasks: checkpoint a read's revision history off the autosave path (CPU queue)."""

from annotations.services.revisions import revision_checkpoint

from .base import django_task

__all__ = ["checkpoint_revision"]


@django_task(name="annotations.checkpoint_revision", acks_late=True, max_retries=3)
def checkpoint_revision(read_id: int, number: int) -> bool:
    """Rewrite revision ``number`` of read ``read_id`` as a full snapshot (idempotent)."""
    return revision_checkpoint(read_id=read_id, number=number)
