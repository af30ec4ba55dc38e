"""Periodic housekeeping, scheduled by Celery beat (``CELERY_BEAT_SCHEDULE``)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from annotations.services.cleanup import upload_sessions_expire
from annotations.services.outbox import outbox_flush

__all__ = ["expire_stale_uploads", "flush_task_outbox"]


@shared_task(name="annotations.expire_stale_uploads")
def expire_stale_uploads() -> int:
    """Abort chunked uploads idle for longer than ``RCM_UPLOAD_IDLE_HOURS``; returns how many."""
    return upload_sessions_expire(idle_for=timedelta(hours=settings.RCM_UPLOAD_IDLE_HOURS))


@shared_task(name="annotations.flush_task_outbox", acks_late=False)
def flush_task_outbox() -> str:
    """The outbox sweep (``annotations.services.outbox.outbox_flush``); returns its summary."""
    return str(outbox_flush())
