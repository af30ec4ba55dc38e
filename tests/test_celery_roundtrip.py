"""A task through the real Redis broker to a real worker process, and its result back."""

import os
from pathlib import Path
from typing import Any

import pytest

from annotations.models import Center
from annotations.tasks.commands import run_management_command
from inference.tasks import worker_device
from tests.conftest import worker_hostname, worker_runs


def _parent_pid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    raise AssertionError(f"no PPid for {pid}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_to_a_worker_process(celery_worker_process: Any) -> None:
    result = worker_device.delay()
    info = result.get(timeout=60)
    assert info["device"] in {"cpu", "cuda"}
    assert info["torch"].startswith("2.")
    # It ran in the worker, not here: the worker recorded itself as the node that ran it,
    # and the process that answered is a pool child of the worker process this test started.
    assert result.worker == worker_hostname()
    assert info["pid"] != os.getpid()
    assert _parent_pid(info["pid"]) == celery_worker_process.pid


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_queued_management_command_writes_to_the_test_database(celery_worker_process: Any) -> None:
    result = run_management_command.delay(["create_center", "QUEUED", "--name", "Queued center"])
    output = result.get(timeout=60)
    assert "created center QUEUED" in output
    assert Center.objects.get(code="QUEUED").name == "Queued center"
    assert result.worker == worker_hostname()
    assert [run["worker"] for run in worker_runs("annotations.run_management_command")] == [worker_hostname()]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "argv",
    [
        ["shell", "-c", "from annotations.models import Center; Center.objects.create(code='PWNED', name='x')"],
        ["create_demo", "--force"],
        ["flush", "--noinput"],
    ],
)
def test_the_worker_refuses_commands_outside_the_allowlist(celery_worker_process: Any, argv: list[str]) -> None:
    from annotations.models import Membership

    centers = Center.objects.count()
    result = run_management_command.delay(argv)
    with pytest.raises(Exception, match=f"management command '{argv[0]}' may not run on a worker") as refused:
        result.get(timeout=60)
    assert type(refused.value).__name__ == "CommandNotQueueable"
    # The worker took it and refused it before anything ran.
    assert result.worker == worker_hostname()
    assert result.status == "FAILURE"
    assert Center.objects.count() == centers
    assert not Center.objects.filter(code="PWNED").exists()
    assert not Membership.objects.exists()


def test_queueable_commands_are_the_platforms_own() -> None:
    from django.core.management import get_commands

    from annotations.management.queueable import QUEUEABLE_COMMANDS

    commands = get_commands()
    assert {commands.get(name) for name in QUEUEABLE_COMMANDS} <= {"annotations", "inference"}


@pytest.mark.django_db
def test_queue_refuses_a_command_that_may_not_run_on_a_worker() -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="add_member cannot be queued"):
        call_command("add_member", "eve", "--project", "p", "--role", "admin", "--queue")


def test_each_declared_queue_routes_to_itself() -> None:
    # A queue declared without its own exchange would silently route to the default (cpu) queue.
    from config.celery_app import app

    for name in ("cpu", "gpu"):
        queue = app.amqp.queues[name]
        assert (queue.exchange.name, queue.routing_key) == (name, name)


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [("annotations.ingest_mosaic", "cpu"), ("annotations.checkpoint_revision", "cpu"),
     ("inference.worker_device", "cpu"), ("inference.preannotate_mosaic", "gpu")],
)  # fmt: skip
def test_tasks_are_routed_by_name_to_their_queue(task_name: str, queue: str) -> None:
    # Services enqueue by name (annotations.enqueue); the routes decide the queue.
    from config.celery_app import app

    route = app.amqp.router.route({}, task_name, (), {})
    assert route["queue"].name == queue


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_command_queued_with_queue_goes_through_the_outbox_and_runs_once_in_the_worker(
    celery_worker_process: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    from django.core.management import execute_from_command_line

    from annotations.models import OutboxTask

    # As an operator types it (``--queue`` replays the command line's own words on the worker).
    execute_from_command_line(["manage.py", "create_center", "VIAQUEUE", "--name", "Through the outbox", "--queue"])
    task_id = capsys.readouterr().out.split()[-1]  # the last word of the last line is the task's id
    row = OutboxTask.objects.get(pk=task_id)
    assert row.task_name == "annotations.run_management_command" and row.sent_at is not None
    assert row.args == [["create_center", "VIAQUEUE", "--name", "Through the outbox"]]
    deadline = time.monotonic() + 60
    while not OutboxTask.objects.filter(pk=task_id, finished_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the queued command did not finish in the worker within 60 s"
        time.sleep(0.2)
    row.refresh_from_db()
    assert (row.outcome, row.starts) == ("done", 1)
    assert row.lease_holder.rpartition(":")[2] != str(os.getpid())  # claimed by a worker process, not here
    assert Center.objects.get(code="VIAQUEUE").name == "Through the outbox"
    runs = [run for run in worker_runs("annotations.run_management_command") if run.get("task_id") == task_id]
    assert [run["worker"] for run in runs] == [worker_hostname()]
