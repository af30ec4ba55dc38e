"""A gpu-queue worker killed mid-training: the run resumes from its checkpoint and registers one model.

A tiny run (resnet10t on 32 px tiles, CPU, two steps an epoch) of four epochs; the worker is SIGKILLed as
soon as the first epoch is recorded, so that the run is ``running`` with a checkpoint
and no model. The task travels through a private Redis: the test writes the outbox
row and the sweep sends it, and sends it again once the dead worker's lease runs out.
"""

from pathlib import Path

import pytest

from annotations.models import OutboxTask
from annotations.storage import media_path
from inference.ml.model_files import sha256_of
from inference.models import RegisteredModel
from tests.faults.records import broker_env
from tests.faults.services import PlatformProcess, PrivateRedis, celery_worker, wait_until
from tests.faults.sweep import resend_to_a_second_worker, send_and_freeze_when
from tests.training.builders import TILE, export_labelset, training_study
from training.models import Evaluation, RunStatus, TrainingRun
from training.services.runs import RUN_TASK, run_create, run_dir

# Three worker and sweep processes start on the way: on a loaded 2-core machine that alone takes minutes.
pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

EPOCHS = 4
LEASE_SECONDS = 3
OPTIONS = {"tile_size": TILE, "um_per_px": 0.5, "epochs": EPOCHS, "batch_size": 16, "workers": 0, "device": "cpu",
           "patience": EPOCHS, "max_steps_per_epoch": 2}  # fmt: skip


def queued_run() -> tuple[TrainingRun, OutboxTask]:
    built = training_study(8)
    labelset = export_labelset(built.study)
    run = run_create(project=built.study.project, labelset=labelset, arch="resnet10t", by=None, **OPTIONS)
    return run, OutboxTask.objects.create(task_name=RUN_TASK, args=[run.pk])


def epochs_recorded(run: TrainingRun) -> list[int]:
    return [item["epoch"] for item in TrainingRun.objects.get(pk=run.pk).history]


def temporary_files(directory: Path) -> list[Path]:
    """What an interrupted atomic write leaves (``.checkpoint.pt-…``, ``.model.safetensors-…``)."""
    return [path for path in directory.rglob(".*") if path.is_file()]


def test_a_worker_killed_mid_training_is_replaced_and_the_run_resumes_to_one_model(
    private_redis: PrivateRedis, platform_processes: list[PlatformProcess]
) -> None:
    run, row = queued_run()
    env = broker_env(private_redis, RCM_TASK_LEASE_SECONDS=str(LEASE_SECONDS))
    first = celery_worker("training-killed", env, queues="gpu")
    platform_processes.append(first.start())
    send_and_freeze_when(first, env, lambda: epochs_recorded(run) != [], timeout=300, what="the first epoch to finish")
    first.kill()  # the worker and its pool child, SIGKILL, in the middle of the run

    run.refresh_from_db()
    done_before_kill = len(run.history)
    assert run.status == RunStatus.RUNNING and run.registered_model_id is None
    assert 0 < done_before_kill < EPOCHS and (run_dir(run.pk) / "checkpoint.pt").is_file()
    assert not RegisteredModel.objects.exists()

    second = resend_to_a_second_worker(row, env, platform_processes, name="training-second", queues="gpu")
    wait_until(lambda: OutboxTask.objects.get(pk=row.pk).finished_at is not None, timeout=300,
               what="the resumed run's task to finish")  # fmt: skip

    run.refresh_from_db()
    row.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.failure_reason
    assert (row.starts, row.outcome) == (2, "done")
    # Resumed after the last checkpointed epoch, not trained again from the start.
    assert run.resumed_from_epoch is not None and run.resumed_from_epoch >= done_before_kill > 0
    assert sorted(epochs_recorded(run)) == list(range(EPOCHS))  # each epoch recorded once
    [model] = RegisteredModel.objects.all()  # exactly one model, the run's
    assert run.registered_model_id == model.pk and Evaluation.objects.filter(model=model).count() == 1
    assert sha256_of(media_path(model.weights_path)) == model.weights_sha256  # the whole file, as registered
    assert temporary_files(run_dir(run.pk)) == []  # no half-written checkpoint or weights left behind
    assert f"Task {RUN_TASK}[{row.pk}] succeeded" in second.log_path.read_text()
    assert TrainingRun.objects.count() == 1
