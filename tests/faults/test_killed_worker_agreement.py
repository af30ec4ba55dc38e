"""A worker killed mid-agreement: the sweep re-sends the task, one result per reader pair, one summary.

The agreement of one mosaic is made slow on purpose (three readers, a 6,000² px
mosaic, irregular regions rasterised for every pair) so that the kill lands while
the pairs are being computed. The study's own task rows are dropped before they are
sent (they would go to the shared broker); the test writes the outbox row and the
sweep sends it to the private Redis, as beat would.
"""

import itertools

import numpy as np
import pytest
from django.db import transaction

from annotations.models import AgreementResult, AgreementSummary, Mosaic, OutboxTask, Read
from annotations.services.agreement import AGGREGATE_TASK, MOSAIC_TASK
from tests.annotations.agreement.regions import random_regions
from tests.annotations.studies import make_study, submit
from tests.faults.records import broker_env
from tests.faults.services import PlatformProcess, PrivateRedis, celery_worker, wait_until
from tests.faults.sweep import resend_to_a_second_worker, send_and_freeze_when

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

SIDE = 6000
READERS = ("ann", "bob", "cid")
LEASE_SECONDS = 3


def submitted_mosaic() -> tuple[Mosaic, list[Read]]:
    """A mosaic whose three reads are submitted; no agreement task queued anywhere yet."""
    study = make_study(READERS, readers_per_mosaic=len(READERS))
    mosaic = study.mosaic("big", patient="P1", width=SIDE, height=SIDE)
    rng = np.random.default_rng(7)
    with transaction.atomic():
        reads = study.assign(mosaic, *READERS)
        for read in reads:
            submit(read, random_regions(rng, 20, width=SIDE, height=SIDE, labels=["clefting", "dark_shadows"]))
        # The last submit queued the agreement: drop its row before commit, so nothing reaches the shared broker.
        assert OutboxTask.objects.filter(task_name=MOSAIC_TASK).delete()[0] == 1
    return mosaic, reads


def test_a_worker_killed_mid_agreement_is_replaced_and_each_pair_is_stored_once(
    private_redis: PrivateRedis, platform_processes: list[PlatformProcess]
) -> None:
    mosaic, reads = submitted_mosaic()
    row = OutboxTask.objects.create(task_name=MOSAIC_TASK, args=[mosaic.pk])
    env = broker_env(private_redis, RCM_TASK_LEASE_SECONDS=str(LEASE_SECONDS))
    first = celery_worker("agreement-killed", env, queues="cpu")
    platform_processes.append(first.start())
    send_and_freeze_when(first, env, lambda: OutboxTask.objects.get(pk=row.pk).starts == 1, timeout=120,
                         what="the first worker to start the agreement")  # fmt: skip
    first.kill()  # the worker and its pool child, SIGKILL, while the pairs are being computed

    row.refresh_from_db()
    assert row.finished_at is None and not AgreementResult.objects.exists()  # it died mid-task: nothing stored
    second = resend_to_a_second_worker(row, env, platform_processes, name="agreement-second", queues="cpu")
    # The re-sent task stores the pairs and queues the aggregates (sent by the worker to the same broker).
    wait_until(lambda: AgreementSummary.objects.filter(project=mosaic.case.project).exists(), timeout=180,
               what="the re-sent agreement and its aggregates to finish")  # fmt: skip

    wait_until(lambda: OutboxTask.objects.get(pk=row.pk).finished_at is not None, timeout=30,
               what="the re-sent task's row to be finished")  # fmt: skip
    row.refresh_from_db()
    assert (row.starts, row.outcome) == (2, "done")
    stored = AgreementResult.objects.filter(mosaic=mosaic)
    pairs = sorted((a.pk, b.pk) for a, b in itertools.combinations(reads, 2))
    assert sorted(stored.values_list("read_a_id", "read_b_id")) == pairs  # each pair once, no duplicate
    assert all(result.row is not None and result.error == "" for result in stored)
    [summary] = AgreementSummary.objects.filter(project=mosaic.case.project)
    assert summary.result_count == len(pairs)
    [aggregate] = OutboxTask.objects.filter(task_name=AGGREGATE_TASK)  # queued once, by the run that finished
    wait_until(lambda: OutboxTask.objects.get(pk=aggregate.pk).outcome == "done", timeout=30,
               what="the aggregate task's row to be finished")  # fmt: skip
    log = second.log_path.read_text()
    assert f"Task {MOSAIC_TASK}[{row.pk}] succeeded" in log
    assert f"Task {MOSAIC_TASK}[{row.pk}] succeeded" not in first.log_path.read_text()
