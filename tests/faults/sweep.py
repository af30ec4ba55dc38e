"""The task outbox's sweep from a fault test, run as beat runs it (``manage.py flush_task_outbox``), and the step
every killed-worker test shares: a second worker, the dead worker's lease run out, the task re-sent to it."""

import subprocess
import sys
from collections.abc import Callable

from django.utils import timezone

from annotations.models import OutboxTask
from tests.faults.services import ROOT, PlatformProcess, celery_worker, wait_until

FLUSH_OUTBOX = [sys.executable, "manage.py", "flush_task_outbox"]
# A manage.py process on a loaded 2-core machine: its start alone can take a minute.
SWEEP_SECONDS = 240


def flush_outbox(env: dict[str, str], *, timeout: float = SWEEP_SECONDS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(FLUSH_OUTBOX, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def send_and_freeze_when(
    worker: PlatformProcess, env: dict[str, str], check: Callable[[], bool], *, timeout: float, what: str
) -> None:
    """Sweep the outbox to ``worker`` and stop it (``PlatformProcess.freeze_when``) once ``check`` holds.

    Frozen from the start, not after the sweep's process has exited: on a loaded machine a manage.py
    process takes seconds to exit, time in which the worker could finish the task the test means to
    interrupt.
    """
    sweep = subprocess.Popen(FLUSH_OUTBOX, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        worker.freeze_when(check, timeout=timeout, what=what)
    finally:
        output, _ = sweep.communicate(timeout=SWEEP_SECONDS)
    assert sweep.returncode == 0, output


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
