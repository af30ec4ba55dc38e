"""A gpu-queue worker killed mid-pre-annotation: the sweep re-sends the run, which ends done once.

The known-answer model (``tests.inference.preannotation.known_model``) runs over a
mosaic of 48 × 48 model tiles (3,072² px) of dark tissue with separated bright 2 × 2-tile
squares, so the worker spends seconds on it and the model must find one suggestion per
square. The worker is SIGKILLed once the run is ``running`` with some progress stored;
the task travels through a private Redis: the test writes the outbox row and the sweep
sends it, and sends it again once the dead worker's lease runs out.
"""

from pathlib import Path

import numpy as np
import pytest

from annotations.models import OutboxTask
from annotations.storage import media_path
from inference.models import PredictionRun, RunStatus, Suggestion
from inference.services.preannotation import TASK_NAME, prediction_run_queue
from inference.storage import prediction_dir
from tests.faults.records import broker_env
from tests.faults.services import PlatformProcess, PrivateRedis, celery_worker, wait_until
from tests.faults.sweep import resend_to_a_second_worker, send_and_freeze_when
from tests.inference.preannotation.conftest import TILE, make_lab
from tests.mosaic_builders import ready_mosaic

# Two worker and three sweep processes start on the way: on a loaded 2-core machine that alone takes minutes.
pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

TILES = 48
SQUARES = [(row, col) for row in range(4, TILES - 4, 10) for col in range(4, TILES - 4, 10)]  # 4 × 4, 8 tiles apart
LEASE_SECONDS = 3


def squares_pixels() -> np.ndarray:
    """Dark tissue (grey 40: probability ~0.06) with bright (245: ~0.98) 2 × 2-tile squares far apart."""
    pixels = np.full((TILES * TILE, TILES * TILE), 40, dtype=np.uint8)
    for row, col in SQUARES:
        pixels[row * TILE : (row + 2) * TILE, col * TILE : (col + 2) * TILE] = 245
    return pixels


def run_state(run: PredictionRun) -> tuple[str, int]:
    fresh = PredictionRun.objects.get(pk=run.pk)
    return fresh.status, fresh.progress


def test_a_worker_killed_mid_preannotation_is_replaced_and_the_run_is_done_once(
    private_redis: PrivateRedis, platform_processes: list[PlatformProcess], tmp_path: Path
) -> None:
    lab = make_lab(tmp_path)
    mosaic = ready_mosaic(squares_pixels(), case=lab.case, width=TILES * TILE, height=TILES * TILE, um_per_px=0.5)
    # Queued without sending (that would go to the shared broker); the test writes the outbox row, as the service would.
    run = prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False)
    row = OutboxTask.objects.create(task_name=TASK_NAME, args=[run.pk])
    env = broker_env(private_redis, RCM_TASK_LEASE_SECONDS=str(LEASE_SECONDS), RCM_INFERENCE_DEVICE="cpu",
                     RCM_INFERENCE_BATCH_SIZE="8")  # fmt: skip
    first = celery_worker("preannotate-killed", env, queues="gpu")
    platform_processes.append(first.start())
    send_and_freeze_when(first, env, lambda: run_state(run)[0] == RunStatus.RUNNING and run_state(run)[1] > 0,
                         timeout=300, what="the first worker to be predicting")  # fmt: skip
    first.kill()  # the worker and its pool child, SIGKILL, in the middle of the prediction

    run.refresh_from_db()
    assert (run.status, run.attempts, run.probability_path) == (RunStatus.RUNNING, 1, "")
    assert 0 < run.progress < 100 and not Suggestion.objects.filter(run=run).exists()

    second = resend_to_a_second_worker(row, env, platform_processes, name="preannotate-second", queues="gpu")
    wait_until(lambda: OutboxTask.objects.get(pk=row.pk).finished_at is not None, timeout=300,
               what="the re-sent run's task to finish")  # fmt: skip

    run.refresh_from_db()
    row.refresh_from_db()
    assert (run.status, run.error, run.progress, run.attempts) == (RunStatus.DONE, "", 100, 2)
    assert (row.starts, row.outcome) == (2, "done")
    assert [pk for pk in PredictionRun.objects.values_list("pk", flat=True)] == [run.pk]  # one run for mosaic + model
    # One suggestion per bright square, stored once (not once per attempt).
    assert Suggestion.objects.filter(run=run).count() == len(SQUARES)
    assert (run.grid_rows, run.grid_cols) == (TILES, TILES)
    output = media_path(run.probability_path).parent
    assert {media_path(run.uncertainty_path).parent, media_path(run.heatmap_path).parent} == {output}
    assert np.load(media_path(run.probability_path)).shape == (TILES, TILES)
    assert media_path(run.heatmap_path).read_bytes().startswith(b"\x89PNG")
    # The killed attempt wrote no folder of its own; only the finished one is there, and it is the run's.
    assert list(prediction_dir(run.pk).iterdir()) == [output]
    assert f"Task {TASK_NAME}[{row.pk}] succeeded" in second.log_path.read_text()
