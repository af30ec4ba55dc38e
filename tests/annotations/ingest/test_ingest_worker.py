"""End to end: an upload through the API is ingested by a real Celery worker process."""

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Mosaic, MosaicStatus
from annotations.storage import media_path
from config.settings import test as test_settings
from tests.conftest import worker_hostname, worker_runs

from . import images


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_uploaded_mosaic_becomes_ready_on_a_real_worker(
    celery_worker_process, study, api_client_for, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT  # the worker process writes where this run's settings say
    data = images.write(tmp_path / "m.tif", images.gray8(1300, 1000), tile=True).read_bytes()
    upload = SimpleUploadedFile("lesion.tif", data, content_type="image/tiff")
    response = api_client_for(study.contributor).post(
        f"/api/cases/{study.case.pk}/mosaics/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    deadline = time.monotonic() + 90
    mosaic = Mosaic.objects.get(pk=response.json()["id"])
    while mosaic.status not in (MosaicStatus.READY, MosaicStatus.FAILED) and time.monotonic() < deadline:
        time.sleep(0.3)
        mosaic.refresh_from_db()
    assert mosaic.status == MosaicStatus.READY, mosaic.failure_reason
    assert (mosaic.width, mosaic.height, mosaic.progress) == (1300, 1000, 100)
    assert media_path(mosaic.pyramid_path).is_file()
    api = api_client_for(study.contributor).get(f"/api/mosaics/{mosaic.pk}/").json()
    assert api["status"] == "ready" and api["source_info"]["format"] == "tiff"
    # Ingested by the worker process, which recorded the run as its own.
    [run] = [run for run in worker_runs("annotations.ingest_mosaic") if run["args"] == [mosaic.pk]]
    assert (run["status"], run["result"], run["worker"]) == ("SUCCESS", "ready", worker_hostname())
