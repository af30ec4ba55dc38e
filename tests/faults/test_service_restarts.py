"""Services restart under the platform: Redis with tasks queued, PostgreSQL under a production server."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from annotations.models import Mosaic, MosaicStatus, OutboxTask
from annotations.services.mosaics import mosaic_create_from_path
from tests.annotations.ingest import images
from tests.faults.records import broker_env, contributed_case
from tests.faults.services import (
    ROOT,
    PlatformProcess,
    PrivatePostgres,
    PrivateRedis,
    celery_worker,
    platform_env,
    wait_for_http,
    wait_until,
    web_server,
)
from tests.faults.sweep import flush_outbox

pytestmark = pytest.mark.faults


@pytest.mark.django_db(transaction=True)
def test_tasks_queued_when_redis_restarts_are_all_run(
    private_redis: PrivateRedis, platform_processes: list[PlatformProcess], tmp_path: Path
) -> None:
    case = contributed_case()
    rows = []
    for number in range(3):
        source = images.write(tmp_path / f"m{number}.png", images.gray8(400, 300, seed=number))
        mosaic = mosaic_create_from_path(case=case, source=source)
        rows.append(OutboxTask.objects.create(task_name="annotations.ingest_mosaic", args=[mosaic.pk]))
    env = broker_env(private_redis)
    flushed = flush_outbox(env)
    assert "sent 3 unsent" in flushed.stdout, flushed.stdout + flushed.stderr

    private_redis.restart()  # no worker has taken them yet: they live only in Redis
    platform_processes.append(celery_worker("after-restart", env).start())
    wait_until(lambda: not OutboxTask.objects.filter(finished_at__isnull=True).exists(), timeout=90,
               what="the queued tasks to run after the restart")  # fmt: skip
    assert sorted(Mosaic.objects.values_list("status", flat=True)) == [MosaicStatus.READY] * 3
    assert [(row.sends, row.starts) for row in OutboxTask.objects.all()] == [(1, 1)] * 3


def manage(env: dict[str, str], *argv: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_postgresql_restart_costs_production_no_500s(
    private_postgres: PrivatePostgres, platform_processes: list[PlatformProcess], tmp_path: Path
) -> None:
    env = platform_env(
        DJANGO_SETTINGS_MODULE="config.settings.production", DATABASE_URL=private_postgres.create_database("rcm"),
        RCM_SECRET_KEY="fault-test-" + "k" * 50, RCM_SECURE_SSL_REDIRECT="false", REDIS_URL="",
        CELERY_BROKER_URL="memory://", RCM_MEDIA_ROOT=str(tmp_path / "media"),
    )  # fmt: skip
    manage(env, "migrate", "--noinput", "-v", "0")
    token = manage(env, "shell", "-c", (
        "from users.models import User; from rest_framework.authtoken.models import Token; "
        "print(Token.objects.create(user=User.objects.create_user('ops', password='x')).key)"
    )).strip().splitlines()[-1]  # fmt: skip
    server = web_server("pg-restart-web", env)
    platform_processes.append(server.start())
    base = f"http://127.0.0.1:{server.port}"  # type: ignore[attr-defined]
    wait_for_http(server.port)  # type: ignore[attr-defined]
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"

    def statuses(count: int) -> list[int]:
        return [session.get(f"{base}/api/projects/", timeout=30).status_code for _ in range(count)]

    assert statuses(8) == [200] * 8  # the server now holds a persistent connection
    private_postgres.restart()  # between two requests: the held connection is dead
    assert statuses(12) == [200] * 12

    private_postgres.stop()
    away = session.get(f"{base}/api/projects/", timeout=30)
    assert away.status_code == 503 and away.headers["Retry-After"] == "5", away.text
    health = session.get(f"{base}/healthz", timeout=30)
    assert health.status_code == 503 and health.json() == {"status": "unavailable"}
    private_postgres.start()

    assert statuses(12) == [200] * 12
    assert session.get(f"{base}/healthz", timeout=30).json() == {"status": "ok"}
