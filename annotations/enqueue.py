"""Hand work to the Celery workers by task name, once the transaction commits, without losing it.

Services must not import task modules (the task modules import the services:
that loop is how a refactor breaks a worker's start-up). They name the task
instead; which queue it goes to is decided once, by ``CELERY_TASK_ROUTES`` in
``config.settings.base``. Sending after commit means a task never runs before
the rows it reads exist.

Each task is first written to the task outbox in the caller's transaction and
sent after commit (``annotations.services.outbox``): if the broker is down then,
the request still succeeds and the periodic sweep sends the task later; if the
transaction rolls back, neither the row nor the task exists.
"""

from typing import Any
from uuid import UUID

from django.db import transaction

from annotations.models import OutboxTask
from annotations.services.outbox import outbox_send


def enqueue_on_commit(task_name: str, *args: Any) -> UUID:
    """Send ``task_name(*args)`` to its queue when the current transaction commits (at once outside one);
    returns the task's id (its outbox row's)."""
    row = OutboxTask.objects.create(task_name=task_name, args=list(args))
    transaction.on_commit(lambda: outbox_send(task_id=row.pk))
    return row.pk
