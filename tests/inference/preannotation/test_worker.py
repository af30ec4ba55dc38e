"""End to end through the real broker: a mosaic that becomes ready is pre-annotated by the GPU-queue task."""

import time
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Mosaic, MosaicStatus
from annotations.storage import media_path
from config.settings import test as test_settings
from inference.models import PredictionRun
from tests.annotations.ingest import images
from tests.conftest import worker_hostname, worker_runs
from tests.inference.preannotation.conftest import COLS, ROWS, make_lab, patterned_pixels


def _wait(predicate, seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.3)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_mosaic_is_pre_annotated_in_the_worker_once_ready(
    celery_worker_process, api_client_for, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT  # the worker process reads and writes where this run's settings say
    lab = make_lab(tmp_path)
    data = images.write(tmp_path / "m.tif", patterned_pixels(), tile=True).read_bytes()
    response = api_client_for(lab.contributor).post(
        f"/api/cases/{lab.case.pk}/mosaics/", {"file": SimpleUploadedFile("m.tif", data)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    mosaic = Mosaic.objects.get(pk=response.json()["id"])
    _wait(lambda: PredictionRun.objects.filter(mosaic=mosaic, status__in=["done", "failed"]).exists())
    mosaic.refresh_from_db()
    assert mosaic.status == MosaicStatus.READY
    run = PredictionRun.objects.get(mosaic=mosaic)
    assert (run.status, run.error, run.model_id) == ("done", "", lab.model.pk)
    assert np.load(media_path(run.probability_path)).shape == (ROWS, COLS)
    # Queued by the ingest's completion (not by this test), run by the worker process on its gpu queue.
    [task] = [task for task in worker_runs("inference.preannotate") if task["args"] == [run.pk]]
    assert (task["status"], task["result"], task["worker"]) == ("SUCCESS", "done", worker_hostname())
    assert task.get("queue") == "gpu", task
    body = api_client_for(lab.lead).get(f"/api/mosaics/{mosaic.pk}/predictions/").json()
    assert [(item["id"], item["status"], item["suggestion_count"]) for item in body] == [(run.pk, "done", 1)]
