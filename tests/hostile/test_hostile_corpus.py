"""Every file and body of the hostile corpus gets a clear 4xx or a ``failed`` status with a reason, and leaves no trace."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Mosaic, MosaicStatus, Read, Region, UploadSession
from annotations.services.mosaics import mosaic_ingest
from annotations.storage import media_path, media_root
from tests.annotations.ingest.conftest import Study
from tests.annotations.reading.conftest import Reading

from . import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files() -> list[Path]:
    root = media_root()
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(study: Study, name: str, data: bytes) -> Any:
    return study_client(study).post(f"/api/cases/{study.case.pk}/mosaics/",
                                    {"file": SimpleUploadedFile(name, data)}, format="multipart")  # fmt: skip


def study_client(study: Study) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(study.contributor)
    return client


@pytest.mark.parametrize("entry", corpus.UPLOADS, ids=lambda entry: entry.name)
def test_a_hostile_upload_is_refused_with_its_reason_and_leaves_nothing(study: Study, entry: corpus.HostileFile) -> None:
    response = upload(study, entry.name, entry.make())
    assert response.status_code == 400, response.content
    assert entry.expect in json.dumps(response.json()), response.json()
    assert not Mosaic.objects.exists() and stored_files() == []


@pytest.mark.parametrize("entry", corpus.UPLOADS[:5], ids=lambda entry: entry.name)
def test_a_hostile_chunked_upload_is_refused_at_completion_and_its_bytes_deleted(
    study: Study, entry: corpus.HostileFile
) -> None:
    data = entry.make()
    client = study_client(study)
    session = client.post(f"/api/cases/{study.case.pk}/uploads/", {"filename": entry.name, "size": len(data)},
                          format="json").json()  # fmt: skip
    sent = client.put(f"/api/uploads/{session['id']}/?offset=0", data, content_type="application/octet-stream")
    assert sent.status_code == 200, sent.content
    done = client.post(f"/api/uploads/{session['id']}/complete/", {}, format="json")
    assert done.status_code == 400 and entry.expect in json.dumps(done.json()), done.content
    assert UploadSession.objects.get(pk=session["id"]).status == "aborted"
    assert not Mosaic.objects.exists() and stored_files() == []


@pytest.mark.parametrize("entry", corpus.INGESTED, ids=lambda entry: entry.name)
def test_a_file_that_only_decoding_reveals_fails_with_a_reason_and_leaves_nothing(
    study: Study, entry: corpus.HostileFile
) -> None:
    response = upload(study, entry.name, entry.make())
    assert response.status_code == 201, response.content
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.status == MosaicStatus.FAILED
    assert entry.expect in mosaic.failure_reason, mosaic.failure_reason
    assert mosaic.pyramid_path == "" and stored_files() == []


@pytest.mark.parametrize("entry", corpus.ACCEPTED, ids=lambda entry: entry.name)
def test_hostile_but_harmless_files_are_ingested_as_what_they_are(study: Study, entry: corpus.HostileFile) -> None:
    response = upload(study, entry.name, entry.make())
    assert response.status_code == 201, response.content
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.status == MosaicStatus.READY, mosaic.failure_reason
    pyramid = media_path(mosaic.pyramid_path).read_bytes()
    assert b"payload.sh" not in pyramid and b"Rossi" not in pyramid  # nothing of the source but its pixels
    assert mosaic.um_per_px == study.case.project.default_um_per_px  # absurd resolution tags ignored


@pytest.mark.parametrize("name", corpus.TRAVERSAL_NAMES)
def test_a_path_traversal_name_never_writes_outside_the_mosaic_folder(study: Study, name: str) -> None:
    response = upload(study, name, corpus.small_png())
    assert response.status_code in (201, 400), response.content
    for path in stored_files():
        assert path.resolve().is_relative_to((media_root() / "mosaics").resolve()), path
        assert ".." not in path.name and "/" not in path.name
    if response.status_code == 400:
        assert "file" in response.json()
        assert stored_files() == []


@pytest.mark.parametrize(("what", "kind", "body"), list(corpus.json_bodies()), ids=[b[0] for b in corpus.json_bodies()])
def test_a_hostile_json_body_gets_a_4xx_and_changes_nothing(reading: Reading, what: str, kind: str, body: Any) -> None:
    read = reading.read_a
    client = reading.client(reading.reader_a)
    url, method = {
        "region": (f"/api/reads/{read.pk}/regions/", client.post),
        "fields": (f"/api/reads/{read.pk}/", client.patch),
        "geojson": (f"/api/reads/{read.pk}/geojson", client.put),
    }[kind]
    raw = body if isinstance(body, str) else json.dumps(body)
    response = method(url, raw, content_type="application/json")
    assert 400 <= response.status_code < 500, (what, response.status_code, response.content[:300])
    assert response.json()  # a reason, as JSON
    fresh = Read.objects.get(pk=read.pk)
    assert (fresh.version, fresh.note, fresh.diagnosis) == (read.version, read.note, read.diagnosis)
    assert not Region.objects.filter(read=read).exists()
