"""Training runs: bad input refused before any work, train → register → evaluate → gate, resume, one model a run."""

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from annotations.models import LabelSet
from inference.ml.model_files import save_model
from inference.ml.models import create_model
from inference.ml.train.training import EpochRecord
from inference.models import ModelStatus, RegisteredModel
from tests.annotations.studies import make_study, submit
from tests.conftest import worker_hostname, worker_runs
from tests.inference.ml.builders import tiny_classifier_config
from tests.training.builders import TILE, bright_squares, export_labelset, training_study, write_pyramid
from training.models import Evaluation, RunStatus, TrainingRun
from training.services.runs import run_create, run_dir, run_execute

TINY = ["--arch", "resnet10t", "--tile-size", str(TILE), "--scale", "0.5", "--epochs", "2", "--batch-size", "16",
        "--workers", "0", "--device", "cpu", "--max-steps-per-epoch", "2"]  # fmt: skip
TINY_OPTIONS: dict[str, Any] = {"tile_size": TILE, "um_per_px": 0.5, "epochs": 2, "batch_size": 16, "workers": 0,
                                "device": "cpu", "max_steps_per_epoch": 2}  # fmt: skip


def train(*argv: str) -> list[str]:
    out = io.StringIO()
    call_command("train", *argv, stdout=out, verbosity=0)
    return out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_bad_input_is_refused_before_any_work(tmp_path: Path) -> None:
    built = training_study(8)
    export_labelset(built.study)
    slug = built.study.project.slug
    with pytest.raises(CommandError, match="'no_such_net' is not in timm's model registry"):
        train("--labelset", "1", "--project", slug, *TINY, "--arch", "no_such_net")
    wrong = tiny_classifier_config(tile_size=TILE, arch="resnet14t")
    saved = save_model(create_model(wrong), wrong, tmp_path / "other-arch")
    with pytest.raises(CommandError, match="pretrained-weights"):
        train("--labelset", "1", "--project", slug, *TINY, "--pretrained-weights", str(saved.weights_path))
    # A label set of another project; in that project, a label set with an empty validation split.
    other = training_study(4)
    foreign = export_labelset(other.study, split_fractions={"train": 0.75, "val": 0.0, "test": 0.25})
    with pytest.raises(ValidationError, match="belongs to another project"):
        run_create(project=built.study.project, labelset=foreign, arch="resnet10t", by=None, **TINY_OPTIONS)
    with pytest.raises(CommandError, match="validation split is empty"):
        train("--labelset", "1", "--project", other.study.project.slug, *TINY)
    assert not TrainingRun.objects.exists() and not RegisteredModel.objects.exists()


@pytest.mark.django_db
def test_a_snapshot_without_positive_tiles_is_refused() -> None:
    study = make_study(("ann",))
    study.project.agreement_tile_px = TILE
    study.project.save(update_fields=["agreement_tile_px"])
    rng = np.random.default_rng(0)
    for index in range(4):
        mosaic = study.mosaic(f"n{index}", patient=f"N{index}", width=128, height=128)
        write_pyramid(mosaic, bright_squares(rng, 128, []))
        (read,) = study.assign(mosaic, "ann")
        submit(read, [])
    export_labelset(study, split_fractions={"train": 0.5, "val": 0.5, "test": 0.0})
    with pytest.raises(CommandError, match="no positive tiles"):
        train("--labelset", "1", "--project", study.project.slug, *TINY)
    assert not TrainingRun.objects.exists()


@pytest.mark.django_db
def test_train_registers_evaluates_and_gates_and_a_second_run_must_beat_the_first() -> None:
    built = training_study(8)
    labelset = export_labelset(built.study)
    lines = train("--labelset", str(labelset.version), *TINY)
    run = TrainingRun.objects.get()
    model = run.registered_model
    assert model is not None and lines[-1] == str(model.pk)
    assert run.status == RunStatus.SUCCEEDED and [item["epoch"] for item in run.history] == [0, 1]
    assert run.library_versions["torch"] and run.library_versions["timm"] and run.code_revision
    assert run.config["tile_size"] == TILE and run.seed == 0 and run.labelset == labelset
    assert (model.label_set, model.source, model.arch) == (labelset, "trained", "resnet10t")
    evaluation = Evaluation.objects.get(model=model)
    assert (evaluation.labelset, evaluation.split) == (labelset, "test")
    model.refresh_from_db()
    if evaluation.report["mosaic_auroc"] is not None:
        # Nothing active yet: the first model with a defined mosaic AUROC becomes active.
        assert run.gate["promoted"] and model.status == ModelStatus.ACTIVE and "no active" in model.status_reason

    train("--labelset", str(labelset.version), *TINY, "--seed", "1")
    second = TrainingRun.objects.exclude(pk=run.pk).get()
    assert second.gate["active"] is None or second.gate["active"]["model"] == model.pk
    candidate = second.registered_model
    assert candidate is not None
    candidate.refresh_from_db()
    mine, theirs = second.gate["candidate"]["mosaic_auroc"], (second.gate["active"] or {}).get("mosaic_auroc")
    if mine is not None and theirs is not None:
        assert second.gate["promoted"] == (mine > theirs)
        assert (candidate.status == ModelStatus.ACTIVE) == (mine > theirs)
    assert RegisteredModel.objects.filter(status=ModelStatus.ACTIVE).count() <= 1
    assert RegisteredModel.objects.count() == 2


class Interrupted(BaseException):
    """Stands for the worker being killed: nothing in the run catches it."""


@pytest.mark.django_db
def test_an_interrupted_run_resumes_from_its_checkpoint_and_leaves_one_model(client: Any) -> None:
    built = training_study(8)
    labelset = export_labelset(built.study)
    run = run_create(project=built.study.project, labelset=labelset, arch="resnet10t", by=None,
                     **{**TINY_OPTIONS, "epochs": 3})  # fmt: skip

    def killed_after_first_epoch(record: EpochRecord) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        run_execute(run_id=run.pk, on_epoch=killed_after_first_epoch)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.registered_model is None
    assert (run_dir(run.pk) / "checkpoint.pt").is_file() and [item["epoch"] for item in run.history] == [0]

    run = run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED and run.resumed_from_epoch == 1
    assert [item["epoch"] for item in run.history] == [0, 1, 2]
    again = run_execute(run_id=run.pk)  # a re-delivered task: nothing new
    assert again.registered_model_id == run.registered_model_id
    assert RegisteredModel.objects.count() == 1 and Evaluation.objects.filter(model=run.registered_model).count() == 1

    # The run's page: both curves with a point per epoch, and the epoch table; leads only.
    client.force_login(built.study.lead)
    page = client.get(f"/training-runs/{run.pk}/").content.decode()
    polylines = re.findall(r'<polyline points="([^"]+)"', page)
    assert len(polylines) == 2 and all(len(points.split()) == 3 for points in polylines)
    assert "from epoch 1" in page and page.count("<tr><td>") == 3
    client.force_login(built.study.readers["ann"])
    assert client.get(f"/training-runs/{run.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_leads_post_trains_in_the_gpu_worker_and_a_lead_promotes_by_hand(
    celery_worker_process: Any, api_client_for: Callable[[Any], APIClient]
) -> None:
    built = training_study(8)
    labelset = export_labelset(built.study)
    lead, reader = built.study.lead, built.study.readers["ann"]
    url = f"/api/projects/{built.study.project.slug}/training-runs/"
    body = {"labelset": labelset.version, "arch": "resnet10t", "tile_size": TILE, "epochs": 2, "batch_size": 16}
    refused = api_client_for(reader).post(url, body, format="json")
    assert refused.status_code == 404 and "arch" not in refused.json()
    bad = api_client_for(lead).post(url, {**body, "arch": "no_such_net"}, format="json")
    assert bad.status_code == 400 and "no_such_net" in str(bad.json())
    response = api_client_for(lead).post(url, body, format="json")
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    deadline = time.monotonic() + 300
    while TrainingRun.objects.get(pk=run_id).status in (RunStatus.QUEUED, RunStatus.RUNNING):
        assert time.monotonic() < deadline, "the worker did not finish the run"
        time.sleep(1)
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == RunStatus.SUCCEEDED, run.failure_reason
    [done] = [item for item in worker_runs("training.run_training") if item["args"] == [run_id]]
    assert (done["status"], done["worker"]) == ("SUCCESS", worker_hostname())
    detail = api_client_for(lead).get(f"/api/training-runs/{run_id}/").json()
    assert [item["epoch"] for item in detail["history"]] == [0, 1] and detail["registered_model"] == run.registered_model_id

    model = RegisteredModel.objects.get(pk=run.registered_model_id)
    if model.status == ModelStatus.ACTIVE:
        model.status = ModelStatus.CANDIDATE
        model.save(update_fields=["status"])
    promote = f"/api/models/{model.pk}/promote/"
    assert api_client_for(reader).post(promote, {"reason": "x"}, format="json").status_code == 404
    assert api_client_for(lead).post(promote, {"reason": " "}, format="json").status_code == 400
    promoted = api_client_for(lead).post(promote, {"reason": "better on our own review"}, format="json")
    assert promoted.status_code == 200 and promoted.json()["status"] == "active"
    assert "promoted by hand: better on our own review" in promoted.json()["status_reason"]
    assert LabelSet.objects.get(pk=labelset.pk).status == "complete"
