"""Periodic retraining: the policy and its beat schedule, the threshold of new reads, one cycle at a time."""

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from config.celery_app import app
from inference.models import RegisteredModel
from tests.conftest import worker_hostname, worker_runs
from tests.training.builders import TILE, export_labelset, training_study
from training.models import CycleStatus, RetrainingCycle, TrainingRun
from training.services.retraining import _LOCK_NAMESPACE, CYCLE_TASK, retraining_cycle, retraining_policy_save

TINY_POLICY = {"retrain_enabled": True, "min_new_reads": 2, "arch": "resnet10t", "tile_size": TILE, "epochs": 1,
               "batch_size": 16}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_schedule_fires_a_cycle_in_the_worker_only_once_enough_new_reads_are_in(
    celery_worker_process: Any, api_client_for: Callable[[Any], APIClient]
) -> None:
    built = training_study(8)
    export_labelset(built.study)  # v1: the reads so far are in it
    project, lead = built.study.project, built.study.lead
    url = f"/api/projects/{project.slug}/retraining/"
    assert api_client_for(built.study.readers["ann"]).put(url, TINY_POLICY, format="json").status_code == 404
    state = api_client_for(lead).put(url, TINY_POLICY, format="json").json()
    assert state["policy"]["min_new_reads"] == 2 and state["new_reads"] == 0 and "enabled" in state["schedule"]
    schedule = project.training_settings.schedule
    assert (schedule.task, json.loads(schedule.args), schedule.enabled) == (CYCLE_TASK, [project.pk], True)

    def fire() -> dict[str, Any]:
        # What beat does when the schedule is due: send the task it names, with its arguments, to the workers.
        return app.send_task(schedule.task, args=json.loads(schedule.args)).get(timeout=600)

    assert fire() == {"cycle": None, "outcome": "0 new read(s) since the last snapshot; 2 needed"}
    training_study(1, study=built.study, start=8)
    assert fire()["cycle"] is None and not RetrainingCycle.objects.exists()
    training_study(1, study=built.study, start=9)
    outcome = fire()
    cycle = RetrainingCycle.objects.get()
    assert outcome["cycle"] == cycle.pk and cycle.status == CycleStatus.SUCCEEDED, cycle.outcome
    assert cycle.new_reads == 2 and cycle.labelset is not None and cycle.labelset.version == 2
    run = TrainingRun.objects.get()
    assert cycle.run == run and run.registered_model is not None and run.gate["reason"] in cycle.outcome
    assert [r["worker"] for r in worker_runs(CYCLE_TASK)] == [worker_hostname()] * 3
    # Right after the cycle, nothing new: the next firing does nothing.
    assert fire()["cycle"] is None and RegisteredModel.objects.count() == 1
    state = api_client_for(lead).get(url).json()
    assert [(c["id"], c["status"], c["labelset"], c["run"]) for c in state["cycles"]] == [
        (cycle.pk, "succeeded", 2, run.pk)
    ]


@pytest.mark.django_db(transaction=True)
def test_one_cycle_at_a_time_per_project() -> None:
    built = training_study(2)
    project = built.study.project
    retraining_policy_save(project=project, by=None, **{**TINY_POLICY, "min_new_reads": 1})
    # Another session holds the project's lock (a cycle running in another worker): this trigger returns at once.
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "host", "port", "user", "password")},
                         autocommit=True) as other:  # fmt: skip
        other.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, project.pk])
        assert retraining_cycle(project_id=project.pk) == {"cycle": None, "outcome": "a cycle of this project is running"}
    assert not RetrainingCycle.objects.exists()
    # And the database refuses a second running cycle whatever the code does.
    RetrainingCycle.objects.create(project=project)
    with pytest.raises(IntegrityError), transaction.atomic():
        RetrainingCycle.objects.create(project=project)


@pytest.mark.django_db
def test_a_disabled_policy_runs_nothing_and_disables_its_schedule() -> None:
    built = training_study(2)
    project = built.study.project
    settings = retraining_policy_save(project=project, by=None, **{**TINY_POLICY, "min_new_reads": 1})
    settings = retraining_policy_save(project=project, by=None, retrain_enabled=False)
    assert settings.schedule is not None and not settings.schedule.enabled
    assert retraining_cycle(project_id=project.pk)["outcome"] == "retraining is not enabled for this project"
