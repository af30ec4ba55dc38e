"""The task outbox: every task a service hands to Celery, from commit to finish.

A task sent to the broker after the database committed is lost if the broker is
down at that moment, and a task whose worker died mid-run waits for Redis's
visibility timeout (hours) before anyone runs it again. So each task is first a
row, written in the caller's transaction (``annotations.enqueue``): it is sent
after commit, re-sent by a periodic sweep while unsent, claimed by the worker
that runs it (a lease it renews while running) and marked finished at the end.
A row whose lease ran out without a finish belongs to a dead worker and is sent
again (``annotations.services.outbox``). The row's id is the Celery task id.
"""

import uuid

from django.db import models


class OutboxTask(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    # Sending: the last successful send, how many succeeded and failed, and why the last failed.
    sent_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveIntegerField(default=0)
    send_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Running: the worker process holding the task ("host:pid") and until when.
    started_at = models.DateTimeField(null=True, blank=True)
    starts = models.PositiveIntegerField(default=0)
    lease_holder = models.CharField(max_length=255, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="done, or why the task failed or was given up")

    class Meta:
        indexes = [models.Index(fields=["finished_at", "sent_at"], name="outbox_pending")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)} ({self.pk})"
