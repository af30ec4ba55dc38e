"""The task outbox: send after commit, re-send what was not sent or whose worker died.

Rows are written by ``annotations.enqueue.enqueue_on_commit`` in the caller's
transaction (``annotations.models.outbox`` says why). Here:

- ``outbox_send`` publishes one row (task id = row id). A failure (broker down) is
  logged and recorded on the row, never raised: the caller's work is committed and
  its request succeeds; the sweep sends the row later.
- ``outbox_claim`` / ``outbox_renew`` / ``outbox_finish`` are called by the worker
  around each run (``annotations.tracked_task``). A delivery of a finished task, or of
  one whose lease a live worker holds, does nothing: duplicate deliveries (a re-send
  racing Redis's own re-delivery) run the task once.
- ``outbox_flush`` is the sweep (beat every 30 s, or ``manage.py flush_task_outbox``):
  sends unsent rows, re-sends rows whose lease ran out (their worker died), re-sends
  rows sent long ago and never started (a broker that lost its queue), gives up on
  rows started ``RCM_TASK_MAX_STARTS`` times, and deletes finished rows after a week.

Tasks stay idempotent regardless (ingest of a ready mosaic is a no-op): this makes
re-delivery prompt and rare, not impossible.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from annotations.models import OutboxTask
from config.celery_app import app

logger = logging.getLogger(__name__)


def _lease() -> timedelta:
    return timedelta(seconds=settings.RCM_TASK_LEASE_SECONDS)


def this_process() -> str:
    """The lease holder's name: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def outbox_send(*, task_id: UUID | str) -> bool:
    """Publish the row's task; True if the broker took it. Never raises (the sweep retries)."""
    row = OutboxTask.objects.filter(pk=task_id).only("task_name", "args").first()
    if row is None:  # its transaction rolled back after all, or the sweep already removed it
        return False
    try:
        _publish(row.task_name, list(row.args), str(row.pk))
    except Exception as error:  # noqa: BLE001 - a broker outage must not undo committed work
        logger.warning("task %s %s not sent (the outbox sweep will retry): %s", row.task_name, row.pk, error)
        OutboxTask.objects.filter(pk=row.pk).update(
            send_failures=F("send_failures") + 1, last_error=f"send failed: {type(error).__name__}: {error}"[:2000]
        )
        return False
    OutboxTask.objects.filter(pk=row.pk).update(sent_at=timezone.now(), sends=F("sends") + 1)
    return True


def _publish(task_name: str, args: list[Any], task_id: str) -> None:
    """Publish the task message to its queue (``CELERY_TASK_ROUTES``), as ``app.send_task`` would.

    Not ``app.send_task`` itself: with the Redis result backend it first subscribes
    this process to the task's result channel, which a web process never reads (one
    subscription more per task for the life of the process) and which, with Redis
    down, retried its connection for 20 s before the send could even fail.
    """
    message = app.amqp.create_task_message(task_id, task_name, args, {})
    options = app.amqp.router.route({}, task_name, tuple(args), {})
    with app.producer_or_acquire() as producer:
        app.amqp.send_task_message(producer, task_name, message, **options)


def _holder_is_alive(holder: str) -> bool:
    """Whether the process named ``holder`` may still run; only processes of this host can be checked."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's worker: its lease decides
    if int(pid) == os.getpid():
        return False  # this process is free to take a new task, so its earlier run is over
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    """A killed pool process its worker has not reaped yet still answers ``kill(pid, 0)``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


@transaction.atomic
def outbox_claim(*, task_id: str, holder: str) -> bool:
    """Take the lease to run task ``task_id``; False when this delivery must not run it.

    Untracked tasks (beat's, ``--queue`` commands') always run.
    """
    try:
        UUID(task_id)
    except ValueError:
        return True  # a task id Celery did not make (a caller's own): never an outbox row
    row = OutboxTask.objects.select_for_update().filter(pk=task_id).first()
    if row is None:
        return True
    now = timezone.now()
    if row.finished_at is not None:
        logger.info("task %s %s already finished (%s); duplicate delivery ignored", row.task_name, row.pk, row.outcome)
        return False
    held = row.lease_until is not None and row.lease_until > now and row.lease_holder not in ("", holder)
    if held and _holder_is_alive(row.lease_holder):
        logger.info("task %s %s is running on %s; duplicate delivery ignored", row.task_name, row.pk, row.lease_holder)
        return False
    if row.starts >= settings.RCM_TASK_MAX_STARTS:
        row.finished_at, row.lease_until = now, None
        row.outcome = f"given up: started {row.starts} times without finishing (its worker died each time)"
        row.save(update_fields=["finished_at", "lease_until", "outcome"])
        logger.error("task %s %s %s", row.task_name, row.pk, row.outcome)
        return False
    row.starts += 1
    row.started_at, row.lease_until, row.lease_holder = now, now + _lease(), holder
    row.save(update_fields=["starts", "started_at", "lease_until", "lease_holder"])
    return True


def outbox_renew(*, task_id: str, holder: str) -> None:
    OutboxTask.objects.filter(pk=task_id, lease_holder=holder, finished_at__isnull=True).update(
        lease_until=timezone.now() + _lease()
    )


def outbox_finish(*, task_id: str, holder: str, outcome: str) -> None:
    OutboxTask.objects.filter(pk=task_id, finished_at__isnull=True).update(
        finished_at=timezone.now(), lease_until=None, outcome=outcome[:2000]
    )


def outbox_postpone(*, task_id: str, holder: str, until: datetime) -> None:
    """A task that asked to be retried later holds its lease until then (its retry is already queued)."""
    OutboxTask.objects.filter(pk=task_id, lease_holder=holder, finished_at__isnull=True).update(lease_until=until)


@dataclass
class FlushSummary:
    sent: int = 0
    resent_after_lease: int = 0
    resent_unstarted: int = 0
    failed: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return (
            f"sent {self.sent} unsent, re-sent {self.resent_after_lease} whose worker died and "
            f"{self.resent_unstarted} never started; {self.failed} could not be sent; {self.removed} old rows removed"
        )


def _due(now: datetime) -> dict[str, QuerySet[OutboxTask]]:
    pending = OutboxTask.objects.filter(finished_at__isnull=True)
    grace = timedelta(seconds=settings.RCM_OUTBOX_SEND_GRACE_SECONDS)
    unstarted = timedelta(seconds=settings.RCM_OUTBOX_RESEND_UNSTARTED_SECONDS)
    return {
        "sent": pending.filter(sent_at__isnull=True, created_at__lte=now - grace),
        "resent_after_lease": pending.filter(lease_until__lt=now),
        "resent_unstarted": pending.filter(sent_at__lt=now - unstarted, lease_until__isnull=True).filter(
            Q(started_at__isnull=True) | Q(started_at__lt=F("sent_at"))
        ),
    }


def _send_due(row_id: UUID, kind: str, now: datetime) -> bool | None:
    """Send one due row under its lock; None when another sweep has it or it is no longer due."""
    with transaction.atomic():
        row = _due(now)[kind].select_for_update(skip_locked=True).filter(pk=row_id).first()
        if row is None:
            return None
        if kind == "resent_after_lease":
            logger.warning("task %s %s: lease of %s ran out; sending it again", row.task_name, row.pk, row.lease_holder)
        sent = outbox_send(task_id=row.pk)
        if sent and kind == "resent_after_lease":
            # The new delivery cannot claim before this commits: the row is locked until then.
            OutboxTask.objects.filter(pk=row.pk).update(lease_until=None, lease_holder="")
        return sent


def outbox_flush(*, now: datetime | None = None, limit: int = 1000) -> FlushSummary:
    """The sweep. Stops at the first failed send: the broker is down, the next sweep retries."""
    now = now or timezone.now()
    summary = FlushSummary()
    for kind, rows in _due(now).items():
        for row_id in rows.order_by("created_at").values_list("pk", flat=True)[:limit]:
            sent = _send_due(row_id, kind, now)
            if sent is None:
                continue
            if not sent:
                summary.failed += 1
                return summary
            setattr(summary, kind, getattr(summary, kind) + 1)
    keep = timedelta(days=settings.RCM_OUTBOX_KEEP_DAYS)
    summary.removed, _ = OutboxTask.objects.filter(finished_at__lt=now - keep).delete()
    return summary


def outbox_pending() -> dict[str, Any]:
    """Counts for operators and the health page."""
    pending = OutboxTask.objects.filter(finished_at__isnull=True)
    return {"unsent": pending.filter(sent_at__isnull=True).count(), "unfinished": pending.count()}
