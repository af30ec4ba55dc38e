"""``import_mosaics`` run again after its process was killed mid-ingest finishes the mosaic it left behind."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from annotations.models import Mosaic, MosaicStatus
from tests.factories import CenterFactory, ProjectFactory

from . import images


def import_once(source: Path, project: str, center: str) -> str:
    out = io.StringIO()
    call_command("import_mosaics", str(source), "--project", project, "--center", center, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.mark.django_db
def test_a_mosaic_left_processing_by_a_killed_import_is_finished_by_the_next_one(tmp_path: Path, settings) -> None:
    settings.RCM_TASK_LEASE_SECONDS = 60
    project, center = ProjectFactory(slug="face"), CenterFactory(code="NAP")
    project.centers.add(center)
    source = images.write(tmp_path / "lesion.png", images.gray8(500, 400))
    assert import_once(source, "face", "NAP").startswith("imported 1,")
    mosaic = Mosaic.objects.get()
    # What a SIGKILL mid-ingest leaves: processing, no pyramid, the heartbeat stopped.
    Mosaic.objects.filter(pk=mosaic.pk).update(status=MosaicStatus.PROCESSING, pyramid_path="", progress=40)

    assert "already imported" in import_once(source, "face", "NAP")  # a live ingest (fresh heartbeat) is left alone
    Mosaic.objects.filter(pk=mosaic.pk).update(updated_at=timezone.now() - timedelta(seconds=61))
    output = import_once(source, "face", "NAP")
    assert output.startswith("imported 1, skipped 0, failed 0"), output
    resumed = Mosaic.objects.get()  # the same mosaic, not a second one
    assert resumed.pk == mosaic.pk and resumed.status == MosaicStatus.READY and resumed.pyramid_path
