"""A worker killed mid-ingest: the task finishes once on a worker that returns, nothing partial is ready.

Ingest is made slow on purpose (deflate level 9 on a noisy 4,000² source) so that the
kill lands while the pyramid is being written. The tasks travel through a private
Redis: the test writes the outbox rows and the sweep command sends them, as beat would.
"""

import os
import signal
import subprocess
from pathlib import Path

import pytest
import pyvips

from annotations.models import Mosaic, MosaicStatus, OutboxTask
from annotations.services.mosaics import mosaic_create_from_path
from annotations.storage import media_path, mosaic_dir
from tests.faults.records import broker_env, contributed_case
from tests.faults.services import PlatformProcess, PrivateRedis, celery_worker, wait_until
from tests.faults.sweep import resend_to_a_second_worker, send_and_freeze_when

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

SIDE = 6000  # about 1.5 s of pyramid writing on a quiet 2-core machine
LEASE_SECONDS = 3


def slow_env(broker: PrivateRedis) -> dict[str, str]:
    return broker_env(broker, RCM_TASK_LEASE_SECONDS=str(LEASE_SECONDS), RCM_PYRAMID_COMPRESSION="deflate:9")


def queued_ingest(tmp_path: Path) -> tuple[Mosaic, OutboxTask]:
    """A mosaic with its original stored and its ingest task in the outbox (not yet sent)."""
    source = tmp_path / "noisy.tif"
    noise = pyvips.Image.gaussnoise(SIDE, SIDE, mean=128, sigma=40).cast("uchar")
    noise.tiffsave(str(source), tile=True)
    mosaic = mosaic_create_from_path(case=contributed_case(), source=source)
    return mosaic, OutboxTask.objects.create(task_name="annotations.ingest_mosaic", args=[mosaic.pk])


def partial_files(mosaic: Mosaic) -> list[Path]:
    return [path for path in mosaic_dir(mosaic.pk).iterdir() if path.name.startswith(".")]


def writing_pyramid(mosaic: Mosaic) -> bool:
    return any(path.name.startswith(".pyramid") and path.stat().st_size > 0 for path in partial_files(mosaic))


def ingest_until_pyramid_write(
    broker: PrivateRedis, processes: list[PlatformProcess], tmp_path: Path, name: str
) -> tuple[Mosaic, OutboxTask, dict[str, str], PlatformProcess]:
    """A worker started, the ingest sent to it, and the worker stopped (SIGSTOP) while the pyramid is being written."""
    mosaic, row = queued_ingest(tmp_path)
    env = slow_env(broker)
    worker = celery_worker(name, env)
    processes.append(worker.start())
    send_and_freeze_when(worker, env, lambda: writing_pyramid(mosaic), timeout=180, what="the pyramid write to start")
    return mosaic, row, env, worker


def assert_ingested_once(mosaic: Mosaic, row: OutboxTask, *, starts: int) -> None:
    mosaic.refresh_from_db()
    row.refresh_from_db()
    assert mosaic.status == MosaicStatus.READY, mosaic.failure_reason
    assert mosaic.source_info["ingest_attempts"] == starts
    assert (row.starts, row.outcome) == (starts, "done")
    assert partial_files(mosaic) == []  # the killed attempt's temporary pyramid is gone
    pyramid = pyvips.Image.new_from_file(str(media_path(mosaic.pyramid_path)))
    assert (pyramid.width, pyramid.height) == (SIDE, SIDE)
    assert pyramid.avg() > 100  # decodes to the end: the whole file is there


def test_a_worker_killed_mid_ingest_is_replaced_and_the_sweep_resends_its_task(
    private_redis: PrivateRedis, platform_processes: list[PlatformProcess], tmp_path: Path
) -> None:
    mosaic, row, env, first = ingest_until_pyramid_write(private_redis, platform_processes, tmp_path, "killed-worker")
    first.kill()  # the worker and its pool child, SIGKILL, mid-write

    mosaic.refresh_from_db()
    assert mosaic.status == MosaicStatus.PROCESSING and partial_files(mosaic)
    second = resend_to_a_second_worker(row, env, platform_processes, name="second-worker", queues="cpu,gpu")
    wait_until(lambda: Mosaic.objects.get(pk=mosaic.pk).status == MosaicStatus.READY, timeout=300,
               what="the re-sent ingest to finish")  # fmt: skip
    assert_ingested_once(mosaic, row, starts=2)
    assert f"Task annotations.ingest_mosaic[{row.pk}] succeeded" in second.log_path.read_text()


def test_a_pool_process_killed_mid_ingest_is_retried_at_once_by_its_worker(
    private_redis: PrivateRedis, platform_processes: list[PlatformProcess], tmp_path: Path
) -> None:
    mosaic, row, _, worker = ingest_until_pyramid_write(private_redis, platform_processes, tmp_path, "pool-worker")
    row.refresh_from_db()
    child = int(row.lease_holder.rpartition(":")[2])
    assert child != worker.process.pid and child != os.getpid()  # type: ignore[union-attr]
    os.kill(child, signal.SIGKILL)  # out-of-memory killer style: only the pool process dies
    worker.resume()

    # The worker rejects the lost task back to the queue and runs it again: no sweep needed.
    wait_until(lambda: Mosaic.objects.get(pk=mosaic.pk).status == MosaicStatus.READY, timeout=300,
               what="the retried ingest to finish")  # fmt: skip
    assert_ingested_once(mosaic, row, starts=2)
    assert subprocess.run(["kill", "-0", str(child)], capture_output=True).returncode != 0
