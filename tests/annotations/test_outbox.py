"""The outbox's claim rules: a task runs once, a dead holder's lease is taken over, endless deaths are given up."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.enqueue import enqueue_on_commit
from annotations.models import OutboxTask
from annotations.services.outbox import outbox_claim, outbox_finish, this_process

pytestmark = pytest.mark.django_db


def dead_pid() -> int:
    """The pid of a process of this host that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_task_enqueued_in_a_rolled_back_transaction_leaves_no_row() -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit("annotations.ingest_mosaic", 1)
        raise RuntimeError("the caller's work failed")
    assert not OutboxTask.objects.exists()


def test_untracked_tasks_always_run_and_a_finished_one_never_runs_again() -> None:
    assert outbox_claim(task_id="00000000-0000-0000-0000-000000000000", holder="w:1")
    row = OutboxTask.objects.create(task_name="annotations.ingest_mosaic", args=[1])
    assert outbox_claim(task_id=str(row.pk), holder=this_process())
    outbox_finish(task_id=str(row.pk), holder=this_process(), outcome="done")
    assert not outbox_claim(task_id=str(row.pk), holder=this_process())
    row.refresh_from_db()
    assert (row.starts, row.outcome) == (1, "done")


def test_a_live_lease_elsewhere_is_respected_and_a_dead_holder_here_is_taken_over() -> None:
    live = OutboxTask.objects.create(task_name="annotations.ingest_mosaic", args=[1], starts=1,
                                     lease_holder="another-host:42", lease_until=timezone.now() + timedelta(minutes=1))  # fmt: skip
    assert not outbox_claim(task_id=str(live.pk), holder=this_process())
    host = this_process().rpartition(":")[0]
    dead = OutboxTask.objects.create(task_name="annotations.ingest_mosaic", args=[2], starts=1,
                                     lease_holder=f"{host}:{dead_pid()}", lease_until=timezone.now() + timedelta(minutes=1))  # fmt: skip
    assert outbox_claim(task_id=str(dead.pk), holder=this_process())
    dead.refresh_from_db()
    assert (dead.starts, dead.lease_holder) == (2, this_process())


def test_a_task_whose_worker_keeps_dying_is_given_up(settings) -> None:
    settings.RCM_TASK_MAX_STARTS = 3
    row = OutboxTask.objects.create(task_name="annotations.ingest_mosaic", args=[1], starts=3)
    assert not outbox_claim(task_id=str(row.pk), holder=this_process())
    row.refresh_from_db()
    assert row.finished_at is not None and row.outcome.startswith("given up: started 3 times")
