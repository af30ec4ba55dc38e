"""Runs are queued when a mosaic becomes ready (only for active models), and by the command with --queue."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.models import MosaicStatus, OutboxTask
from annotations.services.mosaics import mosaic_create_from_path, mosaic_ingest
from inference.models import PredictionRun
from inference.services.registry import model_retire
from tests.annotations.ingest import images
from tests.inference.preannotation.conftest import Lab, patterned_pixels

pytestmark = pytest.mark.django_db


def ingest(lab: Lab, tmp_path: Path) -> int:
    source = images.write(tmp_path / "m.tif", patterned_pixels(), tile=True)
    mosaic = mosaic_create_from_path(case=lab.case, source=source)
    assert mosaic_ingest(mosaic_id=mosaic.pk).status == MosaicStatus.READY
    return int(mosaic.pk)


def test_a_mosaic_that_becomes_ready_queues_its_projects_active_model(lab: Lab, tmp_path: Path) -> None:
    mosaic_id = ingest(lab, tmp_path)
    run = PredictionRun.objects.get(mosaic_id=mosaic_id)
    assert (run.model_id, run.status, run.progress) == (lab.model.pk, "queued", 0)
    [task] = OutboxTask.objects.filter(task_name="inference.preannotate")
    assert task.args == [run.pk]


def test_no_active_model_queues_nothing(lab: Lab, tmp_path: Path) -> None:
    model_retire(model=lab.model, by=None, reason="superseded")
    ingest(lab, tmp_path)
    assert not PredictionRun.objects.exists() and not OutboxTask.objects.filter(task_name="inference.preannotate").exists()


def test_the_command_with_queue_hands_the_runs_to_the_gpu_queue(lab: Lab) -> None:
    first, second = lab.mosaic(), lab.mosaic()
    out = io.StringIO()
    call_command("preannotate", "--model", str(lab.model.pk), "--project", lab.project.slug, "--queue", stdout=out)
    runs = list(PredictionRun.objects.order_by("mosaic_id"))
    assert [run.mosaic_id for run in runs] == [first.pk, second.pk] and {run.status for run in runs} == {"queued"}
    assert out.getvalue().splitlines()[-1] == f"{runs[0].pk} {runs[1].pk}"
    queued = sorted(task.args for task in OutboxTask.objects.filter(task_name="inference.preannotate"))
    assert queued == [[runs[0].pk], [runs[1].pk]]
    # Asked again while they wait: nothing is queued twice.
    call_command("preannotate", "--model", str(lab.model.pk), "--project", lab.project.slug, "--queue", stdout=io.StringIO())
    assert OutboxTask.objects.filter(task_name="inference.preannotate").count() == 2 and PredictionRun.objects.count() == 2
