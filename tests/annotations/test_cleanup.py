"""Deleting cases and mosaics takes their files along; abandoned uploads expire."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from annotations.models import Mosaic, Role, UploadSession, UploadStatus
from annotations.services.assignment import read_assign
from annotations.services.cleanup import mosaic_delete
from annotations.services.mosaics import upload_part_path, upload_session_create
from annotations.storage import mosaic_dir
from annotations.tasks.housekeeping import expire_stale_uploads
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member
from tests.mosaic_builders import ready_mosaic


@pytest.fixture
def case(db: None) -> Any:
    project = ProjectFactory()
    center = CenterFactory()
    project.centers.add(center)
    return CaseFactory(project=project, center=center)


def test_deleting_a_case_through_the_api_removes_its_mosaics_files(
    case: Any, api_client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mosaic = ready_mosaic(case=case)
    assert mosaic_dir(mosaic.pk).is_dir()
    lead = member(case.project, Role.LEAD)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(lead).delete(f"/api/cases/{case.pk}/")
    assert response.status_code == 204
    assert not Mosaic.objects.filter(pk=mosaic.pk).exists()
    assert not mosaic_dir(mosaic.pk).exists()


def test_a_reader_cannot_delete_a_case_and_its_files_stay(
    case: Any, api_client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mosaic = ready_mosaic(case=case)
    reader = member(case.project, Role.READER)
    read_assign(mosaic=mosaic, readers=[reader], by=None)
    # Run what the request would have run at commit: a deletion scheduled by mistake shows here.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client_for(reader).delete(f"/api/cases/{case.pk}/")
    assert response.status_code == 403
    assert callbacks == []
    assert Mosaic.objects.filter(pk=mosaic.pk).exists()
    assert mosaic_dir(mosaic.pk).is_dir()


def test_deleting_a_mosaic_removes_its_files_only_after_commit(
    case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mosaic = ready_mosaic(case=case)
    folder = mosaic_dir(mosaic.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mosaic_delete(mosaic=mosaic)
    assert folder.is_dir(), "files must outlive an uncommitted delete"
    for callback in callbacks:
        callback()
    assert not folder.exists()


def test_idle_uploads_expire_and_lose_their_bytes_while_active_ones_stay(
    case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contributor = member(case.project, Role.CONTRIBUTOR, center=case.center)
    idle = upload_session_create(case=case, filename="idle.tif", size=1000, by=contributor)
    active = upload_session_create(case=case, filename="active.tif", size=1000, by=contributor)
    UploadSession.objects.filter(pk=idle.pk).update(updated_at=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_stale_uploads() == 1
    idle.refresh_from_db()
    active.refresh_from_db()
    assert (idle.status, active.status) == (UploadStatus.ABORTED, UploadStatus.RECEIVING)
    assert not upload_part_path(idle).exists()
    assert upload_part_path(active).exists()


def test_beat_schedule_names_registered_tasks() -> None:
    from django.conf import settings

    from config.celery_app import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
