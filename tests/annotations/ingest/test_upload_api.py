"""Uploads through the API: whole files, chunked and resumable, and who may send them."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotations.models import Mosaic, MosaicStatus, UploadSession, UploadStatus
from annotations.services.mosaics import mosaic_ingest, upload_part_path
from annotations.storage import DZI_DIR_NAME, media_path, media_root, mosaic_dir

from . import images

pytestmark = pytest.mark.django_db


def png_bytes(tmp_path: Path, width: int = 900, height: int = 700) -> bytes:
    return images.write(tmp_path / "m.png", images.gray8(width, height)).read_bytes()


def media_files() -> list[Path]:
    root = media_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def post_file(client: APIClient, case_id: int, name: str, data: bytes):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(f"/api/cases/{case_id}/mosaics/", {"file": upload}, format="multipart")


def test_contributor_uploads_a_whole_file_and_ingest_makes_it_ready(study, api_client_for, tmp_path) -> None:
    response = post_file(api_client_for(study.contributor), study.case.pk, "lesion.png", png_bytes(tmp_path))
    assert response.status_code == 201, response.content
    mosaic = Mosaic.objects.get(pk=response.json()["id"])
    assert mosaic.status == MosaicStatus.UPLOADED and mosaic.original_filename == "lesion.png"
    mosaic = mosaic_ingest(mosaic_id=mosaic.pk)
    assert (mosaic.status, mosaic.progress, mosaic.width, mosaic.height) == (MosaicStatus.READY, 100, 900, 700)
    assert media_path(mosaic.pyramid_path).is_file() and media_path(mosaic.thumbnail_path).is_file()
    assert mosaic.checksum == hashlib.sha256(png_bytes(tmp_path)).hexdigest()
    assert media_path(mosaic.original_path).is_file(), "the project keeps originals"


def test_original_is_discarded_when_the_project_says_so(study, api_client_for, tmp_path) -> None:
    study.case.project.keep_originals = False
    study.case.project.save()
    response = post_file(api_client_for(study.lead), study.case.pk, "lesion.png", png_bytes(tmp_path))
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.status == MosaicStatus.READY and mosaic.original_path == ""
    # Besides the pre-rendered Deep Zoom tiles (annotations.ingest.prerender), only the pyramid and thumbnail.
    assert [p.name for p in media_files() if DZI_DIR_NAME not in p.parts] == ["pyramid.tiff", "thumbnail.png"]


@pytest.mark.parametrize("who", ["reader", "other_center_contributor"])
def test_members_who_see_the_case_without_the_right_get_403(study, api_client_for, tmp_path, who) -> None:
    from tests.factories import MosaicFactory, ReadFactory

    ReadFactory(mosaic=MosaicFactory(case=study.case), reader=study.reader)  # the reader sees the case
    response = post_file(api_client_for(getattr(study, who)), study.case.pk, "x.png", png_bytes(tmp_path))
    assert response.status_code == (403 if who == "reader" else 404)
    assert Mosaic.objects.filter(original_filename="x.png").count() == 0


def test_users_who_cannot_see_the_case_get_404(study, api_client_for, tmp_path) -> None:
    response = post_file(api_client_for(study.outsider), study.case.pk, "x.png", png_bytes(tmp_path))
    assert response.status_code == 404
    assert api_client_for(None).post(f"/api/cases/{study.case.pk}/uploads/", {}).status_code in (401, 403)


HOSTILE = {
    "zero-bytes": ("empty.tif", lambda tmp: b"", "empty"),
    "non-image": ("mosaic.tif", lambda tmp: b"%PDF-1.7 this is not an image" * 10, "not an image"),
    "png-bomb": ("bomb.png", lambda tmp: images.png_bomb(tmp / "b.png").read_bytes(), "before decoding"),
    "tiff-bomb": ("bomb.tif", lambda tmp: images.tiff_bomb(tmp / "b.tif").read_bytes(), "before decoding"),
    "five-channels": ("five.tif", lambda tmp: images.five_channel_tiff(tmp / "f.tif").read_bytes(), "channels"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_whole_uploads_get_400_and_leave_nothing(study, api_client_for, tmp_path, kind) -> None:
    name, make, reason = HOSTILE[kind]
    response = post_file(api_client_for(study.contributor), study.case.pk, name, make(tmp_path))
    assert response.status_code == 400, response.content
    assert reason in str(response.json()["file"])
    assert Mosaic.objects.count() == 0
    assert media_files() == []


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_chunked_uploads_get_400_at_completion_and_leave_nothing(study, api_client_for, tmp_path, kind) -> None:
    name, make, reason = HOSTILE[kind]
    data = make(tmp_path)
    client = api_client_for(study.contributor)
    created = client.post(f"/api/cases/{study.case.pk}/uploads/", {"filename": name, "size": len(data)}, format="json")
    if not data:
        assert created.status_code == 400 and "empty" in str(created.json()["size"])
        return
    upload_id = created.json()["id"]
    put = client.generic("PUT", f"/api/uploads/{upload_id}/", data, content_type="application/octet-stream",
                         HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data)}")  # fmt: skip
    assert put.status_code == 200 and put.json()["received"] == len(data)
    done = client.post(f"/api/uploads/{upload_id}/complete/", {}, format="json")
    assert done.status_code == 400 and reason in str(done.json()["file"])
    assert UploadSession.objects.get(pk=upload_id).status == UploadStatus.ABORTED
    assert Mosaic.objects.count() == 0 and media_files() == []


@pytest.mark.parametrize("name", ["../../etc/passwd.tif", "..\\win.tif", "a/b.png", "..", "nul\x00.png"])
def test_path_traversal_names_are_refused(study, api_client_for, name) -> None:
    client = api_client_for(study.contributor)
    response = client.post(f"/api/cases/{study.case.pk}/uploads/", {"filename": name, "size": 10}, format="json")
    assert response.status_code == 400 and "filename" in response.json()
    assert UploadSession.objects.count() == 0


def test_multipart_names_with_paths_never_escape_the_mosaic_folder(study, api_client_for, tmp_path) -> None:
    response = post_file(api_client_for(study.contributor), study.case.pk, "../../../evil.png", png_bytes(tmp_path))
    # Django strips the directories from multipart names: the upload is accepted under its bare
    # name, and the one file stored is the original inside that mosaic's folder.
    assert response.status_code == 201, response.content
    mosaic = Mosaic.objects.get(pk=response.json()["id"])
    assert mosaic.original_filename == "evil.png"
    stored = media_files()
    assert stored == [media_path(mosaic.original_path)]
    assert stored[0].resolve().is_relative_to(mosaic_dir(mosaic.pk).resolve())


def test_uploads_above_the_size_limit_are_refused_with_413(study, api_client_for, settings, tmp_path) -> None:
    settings.RCM_MAX_UPLOAD_BYTES = 1000
    client = api_client_for(study.contributor)
    big = client.post(f"/api/cases/{study.case.pk}/uploads/", {"filename": "big.tif", "size": 5000}, format="json")
    assert big.status_code == 413 and "limit" in big.json()["detail"]
    whole = post_file(client, study.case.pk, "big.png", png_bytes(tmp_path))
    assert whole.status_code == 413
    assert Mosaic.objects.count() == 0 and UploadSession.objects.count() == 0


def test_chunked_upload_resumes_after_a_dropped_connection(study, api_client_for, tmp_path) -> None:
    data = png_bytes(tmp_path, 1400, 1100)
    size, chunk = len(data), 64 * 1024
    client = api_client_for(study.contributor)
    upload_id = client.post(
        f"/api/cases/{study.case.pk}/uploads/", {"filename": "big.png", "size": size}, format="json"
    ).json()["id"]

    def put(start: int, end: int):
        return client.generic("PUT", f"/api/uploads/{upload_id}/", data[start:end],
                              content_type="application/octet-stream",
                              HTTP_CONTENT_RANGE=f"bytes {start}-{end - 1}/{size}")  # fmt: skip

    assert put(0, chunk).json()["received"] == chunk
    assert put(chunk, 2 * chunk).json()["received"] == 2 * chunk
    # The connection drops: the third chunk never arrives. A gap is refused…
    gap = put(3 * chunk, 4 * chunk)
    assert gap.status_code == 400 and "offset" in gap.json()
    # …the client asks where to resume, re-sends the chunk whose answer it lost, and goes on.
    offset = client.get(f"/api/uploads/{upload_id}/").json()["received"]
    assert offset == 2 * chunk
    assert put(chunk, 2 * chunk).json()["received"] == 2 * chunk  # idempotent re-send
    while offset < size:
        offset = put(offset, min(offset + chunk, size)).json()["received"]
    done = client.post(
        f"/api/uploads/{upload_id}/complete/", {"sha256": hashlib.sha256(data).hexdigest()}, format="json"
    )
    assert done.status_code == 201, done.content
    mosaic = Mosaic.objects.get(pk=done.json()["id"])
    assert media_path(mosaic.original_path).read_bytes() == data
    assert not upload_part_path(UploadSession.objects.get(pk=upload_id)).exists()
    assert mosaic_ingest(mosaic_id=mosaic.pk).checksum == hashlib.sha256(data).hexdigest()


def test_completion_with_a_wrong_checksum_is_refused(study, api_client_for, tmp_path) -> None:
    data = png_bytes(tmp_path)
    client = api_client_for(study.contributor)
    upload_id = client.post(
        f"/api/cases/{study.case.pk}/uploads/", {"filename": "m.png", "size": len(data)}, format="json"
    ).json()["id"]
    client.put(f"/api/uploads/{upload_id}/?offset=0", data, content_type="application/octet-stream")
    done = client.post(f"/api/uploads/{upload_id}/complete/", {"sha256": "0" * 64}, format="json")
    assert done.status_code == 400 and "sha256" in done.json()
    assert Mosaic.objects.count() == 0


def test_incomplete_upload_cannot_complete_and_abort_deletes_its_bytes(study, api_client_for, tmp_path) -> None:
    data = png_bytes(tmp_path)
    client = api_client_for(study.contributor)
    upload_id = client.post(
        f"/api/cases/{study.case.pk}/uploads/", {"filename": "m.png", "size": len(data)}, format="json"
    ).json()["id"]
    client.put(f"/api/uploads/{upload_id}/?offset=0", data[:100], content_type="application/octet-stream")
    assert client.post(f"/api/uploads/{upload_id}/complete/", {}, format="json").status_code == 400
    assert client.delete(f"/api/uploads/{upload_id}/").json()["status"] == "aborted"
    assert media_files() == []


def test_other_users_cannot_see_someone_elses_upload(study, api_client_for) -> None:
    client = api_client_for(study.contributor)
    upload_id = client.post(
        f"/api/cases/{study.case.pk}/uploads/", {"filename": "m.png", "size": 10}, format="json"
    ).json()["id"]
    assert api_client_for(study.outsider).get(f"/api/uploads/{upload_id}/").status_code == 404
    assert api_client_for(study.lead).get(f"/api/uploads/{upload_id}/").status_code == 200


def test_truncated_upload_ends_failed_with_a_reason_and_no_files(study, api_client_for, tmp_path) -> None:
    data = png_bytes(tmp_path, 1200, 1000)
    response = post_file(api_client_for(study.contributor), study.case.pk, "cut.png", data[: len(data) // 2])
    assert response.status_code == 201  # the header is fine; the damage shows when decoding
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.status == MosaicStatus.FAILED and "truncated" in mosaic.failure_reason
    assert (mosaic.pyramid_path, mosaic.thumbnail_path, mosaic.original_path) == ("", "", "")
    assert media_files() == []
    detail = api_client_for(study.contributor).get(f"/api/mosaics/{mosaic.pk}/").json()
    assert detail["status"] == "failed" and detail["failure_reason"]


def test_pyramid_compression_follows_the_setting(study, api_client_for, settings, tmp_path) -> None:
    settings.RCM_PYRAMID_COMPRESSION = "deflate:6:horizontal"
    response = post_file(api_client_for(study.contributor), study.case.pk, "lesion.png", png_bytes(tmp_path))
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.source_info["pyramid"]["compression"] == "deflate level 6, predictor horizontal"
    from PIL import Image

    with Image.open(media_path(mosaic.pyramid_path)) as pyramid:
        assert pyramid.info.get("compression") == "tiff_adobe_deflate"


def test_a_lossy_pyramid_compression_setting_fails_the_ingest_visibly(
    study, api_client_for, settings, tmp_path
) -> None:
    settings.RCM_PYRAMID_COMPRESSION = "jpeg"
    response = post_file(api_client_for(study.contributor), study.case.pk, "lesion.png", png_bytes(tmp_path))
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.status == MosaicStatus.FAILED and "must be lossless" in mosaic.failure_reason
    assert media_path(mosaic.original_path).is_file(), "kept for a re-run once the setting is fixed"


def test_a_mosaic_whose_worker_keeps_dying_is_failed_after_three_attempts(study, api_client_for, tmp_path) -> None:
    response = post_file(api_client_for(study.contributor), study.case.pk, "lesion.png", png_bytes(tmp_path))
    # Three deliveries that started and never finished (the worker was killed each time).
    Mosaic.objects.filter(pk=response.json()["id"]).update(
        status=MosaicStatus.PROCESSING, source_info={"ingest_attempts": 3}
    )
    mosaic = mosaic_ingest(mosaic_id=response.json()["id"])
    assert mosaic.status == MosaicStatus.FAILED and "interrupted 3 times" in mosaic.failure_reason
    assert mosaic_ingest(mosaic_id=mosaic.pk).status == MosaicStatus.READY, "an explicit re-run starts afresh"


def test_completing_an_upload_whose_bytes_are_gone_is_a_400_not_a_500(study, api_client_for, tmp_path) -> None:
    """Found by schemathesis (tests/test_api_fuzz.py): the part file gone (a cleanup, a lost disk) made a 500."""
    data = png_bytes(tmp_path)
    client = api_client_for(study.contributor)
    upload_id = client.post(
        f"/api/cases/{study.case.pk}/uploads/", {"filename": "m.png", "size": len(data)}, format="json"
    ).json()["id"]
    client.put(f"/api/uploads/{upload_id}/?offset=0", data, content_type="application/octet-stream")
    upload_part_path(UploadSession.objects.get(pk=upload_id)).unlink()
    response = client.post(f"/api/uploads/{upload_id}/complete/", {}, format="json")
    assert response.status_code == 400 and "start a new upload" in response.json()["received"][0]
    assert UploadSession.objects.get(pk=upload_id).status == UploadStatus.ABORTED
    assert not Mosaic.objects.filter(case=study.case).exists()
