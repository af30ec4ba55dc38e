"""A task through the real Redis broker to a real worker process, and its result back."""

from typing import Any

import pytest

from annotations.models import Center
from annotations.tasks.commands import run_management_command
from inference.tasks import worker_device


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_to_a_worker_process(celery_worker_process: Any) -> None:
    result = worker_device.delay()
    info = result.get(timeout=60)
    assert info["device"] in {"cpu", "cuda"}
    assert info["torch"].startswith("2.")
    # It ran in the worker, not here.
    assert result.successful()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_queued_management_command_writes_to_the_test_database(celery_worker_process: Any) -> None:
    output = run_management_command.delay(["create_center", "QUEUED", "--name", "Queued center"]).get(timeout=60)
    assert "created center QUEUED" in output
    assert Center.objects.get(code="QUEUED").name == "Queued center"


def test_each_declared_queue_routes_to_itself() -> None:
    # A queue declared without its own exchange would silently route to the default (cpu) queue.
    from config.celery_app import app

    for name in ("cpu", "gpu"):
        queue = app.amqp.queues[name]
        assert (queue.exchange.name, queue.routing_key) == (name, name)
