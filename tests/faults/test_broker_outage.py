"""The broker is down when work is committed: requests succeed, and the work reaches a worker later.

The web server (gunicorn) and the worker are real processes on a private Redis
that the test stops and starts; the database is this run's test database.
"""

import hashlib
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.conf import settings

from annotations.models import Mosaic, MosaicStatus, OutboxTask, ReadRevision, Role
from annotations.services.assignment import read_assign
from tests.annotations.ingest import images
from tests.factories import MosaicFactory, member
from tests.faults.records import broker_env, contributed_case, token_for
from tests.faults.services import (
    PlatformProcess,
    PrivateRedis,
    celery_worker,
    wait_for_http,
    wait_until,
    web_server,
)
from tests.faults.sweep import flush_outbox

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def task_results(broker: PrivateRedis, task_id: str) -> dict[str, Any]:
    """What the worker stored for ``task_id`` in the private result backend."""
    import json

    client = redis.Redis.from_url(broker.url)
    raw = client.get(f"rcmtest:{settings.RUN_ID}:celery-task-meta-{task_id}")
    return json.loads(raw) if raw else {}


def test_work_committed_while_the_broker_is_down_is_sent_by_the_sweep_and_run_once(
    private_redis: PrivateRedis, platform_processes: list[PlatformProcess], tmp_path: Path
) -> None:
    case = contributed_case()
    project = case.project
    contributor = member(project, Role.CONTRIBUTOR, case.center)
    lead, reader = member(project, Role.LEAD), member(project, Role.READER)
    [read] = read_assign(mosaic=MosaicFactory(case=case), readers=[reader], by=lead)

    env = broker_env(private_redis)
    server = web_server("outage-web", env)
    platform_processes.append(server.start())
    wait_for_http(server.port)  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{server.port}"  # type: ignore[attr-defined]
    private_redis.stop()  # the broker goes away

    # A whole-file upload: 201, the mosaic made, its ingest waiting in the outbox.
    picture = images.write(tmp_path / "m.tif", images.gray8(700, 500), tile=True).read_bytes()
    answer = requests.post(f"{base}/api/cases/{case.pk}/mosaics/", headers=token_for(contributor),
                           files={"file": ("whole.tif", picture)}, timeout=30)  # fmt: skip
    assert answer.status_code == 201, answer.text
    whole = answer.json()["id"]

    # A chunked upload completes too (before the fix: 500, and a retry got 400).
    headers = token_for(contributor)
    session = requests.post(f"{base}/api/cases/{case.pk}/uploads/", headers=headers,
                            json={"filename": "chunked.tif", "size": len(picture)}, timeout=30).json()  # fmt: skip
    put = requests.put(f"{base}/api/uploads/{session['id']}/?offset=0", headers=headers, data=picture, timeout=30)
    assert put.status_code == 200, put.text
    done = requests.post(f"{base}/api/uploads/{session['id']}/complete/", headers=headers,
                         json={"sha256": hashlib.sha256(picture).hexdigest()}, timeout=30)  # fmt: skip
    assert done.status_code == 201, done.text
    chunked = done.json()["id"]

    # Fifty autosaves: the fiftieth queues a revision checkpoint (before the fix: 500, then 409).
    reader_headers = token_for(reader)
    first_version = version = read.version
    for number in range(1, 51):
        # Each save names the version the previous one answered, as the workspace does.
        saved = requests.patch(f"{base}/api/reads/{read.pk}/", headers=reader_headers,
                               json={"note": f"save {number}", "read_version": version}, timeout=30)  # fmt: skip
        assert saved.status_code == 200, (number, saved.text)
        version = saved.json()["version"]
    read.refresh_from_db()
    assert read.note == "save 50"

    rows = {row.task_name + str(row.args): row for row in OutboxTask.objects.all()}
    expected = {f"annotations.ingest_mosaic[{whole}]", f"annotations.ingest_mosaic[{chunked}]",
                f"annotations.checkpoint_revision[{read.pk}, 50]"}  # fmt: skip
    assert set(rows) == expected
    assert all(
        row.sent_at is None and row.send_failures == 1 and "send failed" in row.last_error for row in rows.values()
    )
    assert Mosaic.objects.get(pk=whole).status == MosaicStatus.UPLOADED

    # The broker returns, a worker starts, and the operator (or beat) runs the sweep.
    private_redis.start()
    worker = celery_worker("outage-worker", env)
    platform_processes.append(worker.start())
    flushed = flush_outbox(env)
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert "sent 3 unsent" in flushed.stdout

    def all_finished() -> bool:
        return not OutboxTask.objects.filter(finished_at__isnull=True).exists()

    wait_until(all_finished, timeout=90, what="the three tasks to finish on the worker")
    for mosaic_id in (whole, chunked):
        mosaic = Mosaic.objects.get(pk=mosaic_id)
        assert mosaic.status == MosaicStatus.READY, mosaic.failure_reason
    checkpoint = ReadRevision.objects.get(read=read, number=50)
    assert checkpoint.snapshot["kind"] == "full"
    assert checkpoint.snapshot["fields"]["note"] == f"save {50 - first_version}"
    for row in OutboxTask.objects.all():
        assert (row.sends, row.starts, row.outcome) == (1, 1, "done"), row
        result = task_results(private_redis, str(row.pk))
        assert result["status"] == "SUCCESS" and result["worker"].startswith("outage-worker@"), result

    # A second sweep has nothing to send; a duplicate delivery of a finished task does nothing.
    again = flush_outbox(env)
    assert "sent 0 unsent, re-sent 0 whose worker died and 0 never started" in again.stdout
    from config.celery_app import app

    row = OutboxTask.objects.get(task_name="annotations.ingest_mosaic", args=[whole])
    with app.connection_for_write(url=private_redis.url) as connection:
        app.send_task(row.task_name, args=row.args, task_id=str(row.pk), connection=connection)
    # The worker receives the duplicate and says it ignored it (a finished result is never overwritten).
    ignored = f"{row.pk} already finished (done); duplicate delivery ignored"
    wait_until(lambda: ignored in worker.log_path.read_text(), timeout=30, what="the duplicate delivery")
    row.refresh_from_db()
    assert row.starts == 1
    assert Mosaic.objects.get(pk=whole).source_info["ingest_attempts"] == 1
