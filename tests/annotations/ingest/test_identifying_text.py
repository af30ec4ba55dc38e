"""Identifying text (issue 11): a mosaic's original file name and checksum never reach a reader,
and a project can have file names replaced by pseudonyms at ingest.

The file name of these tests carries a (made-up) patient's name, as real ones do.
"""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Mosaic, UploadSession
from annotations.services.mosaics import mosaic_create_from_path, mosaic_ingest
from annotations.storage import media_path, media_root
from tests.factories import MosaicFactory, ReadFactory

from . import images

pytestmark = pytest.mark.django_db

NAME = "ROSSI_MARIA_1961_cheek.png"
CHECKSUM = "ab" * 32


def _png(tmp_path: Path) -> bytes:
    return images.write(tmp_path / "m.png", images.gray8(300, 200)).read_bytes()


def _ready_mosaic(study) -> Mosaic:
    mosaic = MosaicFactory(case=study.case, original_filename=NAME, checksum=CHECKSUM)
    ReadFactory(mosaic=mosaic, reader=study.reader)
    return mosaic


def test_a_reader_gets_no_file_name_or_checksum_from_the_api(study, api_client_for) -> None:
    mosaic = _ready_mosaic(study)
    for url in (f"/api/mosaics/{mosaic.pk}/", "/api/mosaics/"):
        response = api_client_for(study.reader).get(url)
        assert response.status_code == 200 and str(mosaic.pk) in response.content.decode()
        body = response.content.decode()
        assert NAME not in body and CHECKSUM not in body, body
        row = response.json() if url.endswith(f"{mosaic.pk}/") else response.json()["results"][0]
        assert "original_filename" not in row and "checksum" not in row
    lead = api_client_for(study.lead).get(f"/api/mosaics/{mosaic.pk}/").json()
    assert (lead["original_filename"], lead["checksum"]) == (NAME, CHECKSUM)
    contributor = api_client_for(study.contributor).get(f"/api/mosaics/{mosaic.pk}/").json()
    assert contributor["original_filename"] == NAME


def test_a_reader_gets_no_file_name_or_checksum_from_the_pages(study, client) -> None:
    mosaic = _ready_mosaic(study)
    read = mosaic.reads.get()
    client.force_login(study.reader)
    pages = [f"/cases/{study.case.pk}/", f"/projects/{study.case.project.slug}/", f"/mosaics/{mosaic.pk}/",
             f"/reads/{read.pk}/"]  # fmt: skip
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 409), (url, response.status_code)  # 409: the factory's pyramid is absent
        body = response.content.decode()
        assert NAME not in body and "ROSSI" not in body and CHECKSUM not in body, url
    client.force_login(study.lead)
    assert NAME in client.get(f"/cases/{study.case.pk}/").content.decode()


def test_a_pseudonymizing_project_keeps_no_original_name_of_a_whole_upload(study, api_client_for, tmp_path) -> None:
    project = study.case.project
    project.pseudonymize_filenames = True
    project.save()
    upload = SimpleUploadedFile(NAME, _png(tmp_path), content_type="application/octet-stream")
    response = api_client_for(study.contributor).post(
        f"/api/cases/{study.case.pk}/mosaics/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert "ROSSI" not in response.content.decode()
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.status == "ready", mosaic.failure_reason
    assert mosaic.original_filename.startswith("mosaic-") and mosaic.original_filename.endswith(".png")
    # Nowhere on disk either: the kept original is stored under the pseudonym.
    assert media_path(mosaic.original_path).name == mosaic.original_filename
    assert not [path for path in media_root().rglob("*") if "ROSSI" in path.name]


def test_a_pseudonymizing_project_keeps_no_original_name_of_a_chunked_upload(study, api_client_for, tmp_path) -> None:
    study.case.project.pseudonymize_filenames = True
    study.case.project.save()
    data = _png(tmp_path)
    client = api_client_for(study.contributor)
    session = client.post(f"/api/cases/{study.case.pk}/uploads/", {"filename": NAME, "size": len(data)}, format="json")
    assert session.status_code == 201 and "ROSSI" not in session.content.decode()
    upload_id = session.json()["id"]
    client.generic("PUT", f"/api/uploads/{upload_id}/", data, content_type="application/octet-stream",
                   HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data)}")  # fmt: skip
    done = client.post(f"/api/uploads/{upload_id}/complete/", {"sha256": hashlib.sha256(data).hexdigest()}, format="json")
    assert done.status_code == 201, done.content
    mosaic = Mosaic.objects.get(pk=done.json()["id"])
    assert "ROSSI" not in mosaic.original_filename and "ROSSI" not in mosaic.original_path
    assert "ROSSI" not in UploadSession.objects.get(pk=upload_id).filename


def test_a_pseudonymizing_project_pseudonymizes_server_imports(study, tmp_path) -> None:
    study.case.project.pseudonymize_filenames = True
    study.case.project.save()
    source = tmp_path / NAME
    source.write_bytes(_png(tmp_path))
    mosaic = mosaic_create_from_path(case=study.case, source=source)
    assert "ROSSI" not in mosaic.original_filename and "ROSSI" not in mosaic.original_path


def test_without_the_setting_the_name_is_kept_for_leads(study, api_client_for, tmp_path) -> None:
    upload = SimpleUploadedFile(NAME, _png(tmp_path), content_type="application/octet-stream")
    response = api_client_for(study.contributor).post(
        f"/api/cases/{study.case.pk}/mosaics/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201 and response.json()["original_filename"] == NAME
