"""The task outbox's sweep from a fault test, run as beat runs it (``manage.py flush_task_outbox``), and the step
every killed-worker test shares: a second worker, the dead worker's lease run out, the task re-sent to it."""

import subprocess
import sys

from django.utils import timezone

from annotations.models import OutboxTask
from tests.faults.services import ROOT, PlatformProcess, celery_worker, wait_until

FLUSH_OUTBOX = [sys.executable, "manage.py", "flush_task_outbox"]
# A manage.py process on a loaded 2-core machine: its start alone can take a minute.
SWEEP_SECONDS = 240


def flush_outbox(env: dict[str, str], *, timeout: float = SWEEP_SECONDS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(FLUSH_OUTBOX, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def resend_to_a_second_worker(
    row: OutboxTask, env: dict[str, str], processes: list[PlatformProcess], *, name: str, queues: str
) -> PlatformProcess:
    """Start a second worker; once the dead worker's lease has run out (nothing runs the task before: Redis
    holds the dead worker's message), the sweep re-sends the task, which the second worker takes."""
    second = celery_worker(name, env, queues=queues)
    processes.append(second.start())
    wait_until(lambda: OutboxTask.objects.get(pk=row.pk).lease_until < timezone.now(), timeout=30,
               what="the dead worker's lease to run out")  # fmt: skip
    swept = flush_outbox(env)
    assert "re-sent 1 whose worker died" in swept.stdout, swept.stdout + swept.stderr
    return second
