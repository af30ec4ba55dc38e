"""The base class of every Celery task: runs a task of the outbox once, under a renewed lease.

Set as the app's ``task_cls`` (``config.celery_app``). Around each run of a task
that came through the outbox (its task id is an outbox row), the worker claims
the row's lease, renews it from a heartbeat thread while the task runs, and marks
the row finished at the end (``annotations.services.outbox``). A delivery the
claim refuses (the task already finished, or a live worker runs it) returns
without running. A worker that dies stops renewing: the sweep sends the task
again once the lease runs out, minutes later rather than after Redis's
visibility timeout. Direct calls (no task id) and untracked tasks run as before.
"""

from datetime import timedelta
from typing import Any

from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry
from django.conf import settings
from django.utils import timezone

# How long a task that asked to be retried keeps its lease while its retry waits in the queue.
RETRY_LEASE = timedelta(hours=1)


class TrackedTask(DjangoTask):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        task_id = getattr(self.request, "id", None)
        if not task_id or getattr(self.request, "is_eager", False):
            return super().__call__(*args, **kwargs)
        from annotations.heartbeat import heartbeat
        from annotations.services import outbox

        holder = outbox.this_process()
        if not outbox.outbox_claim(task_id=task_id, holder=holder):
            return None
        every = max(0.5, settings.RCM_TASK_LEASE_SECONDS / 3)
        try:
            with heartbeat(lambda: outbox.outbox_renew(task_id=task_id, holder=holder), every=every):
                # ``run``, not ``super().__call__``: the worker has pushed this delivery's request
                # (id, retries, hostname), which ``Task.__call__`` would hide behind a bare one.
                result = self.run(*args, **kwargs)
        except Retry:
            outbox.outbox_postpone(task_id=task_id, holder=holder, until=timezone.now() + RETRY_LEASE)
            raise
        except BaseException as error:
            # A task that raised is acknowledged by Celery and not run again: nor is it re-sent.
            outbox.outbox_finish(task_id=task_id, holder=holder, outcome=f"failed: {type(error).__name__}: {error}")
            raise
        outbox.outbox_finish(task_id=task_id, holder=holder, outcome="done")
        return result
