"""In a real browser: a contributor uploads a mosaic on the case page and watches it become ready."""

from pathlib import Path
from typing import Any

import pytest

from annotations.models import Mosaic
from config.settings import test as test_settings
from tests.conftest import log_in

from . import images


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_contributor_uploads_on_the_case_page_and_sees_it_ready(
    celery_worker_process: Any, live_server: Any, browser_page: Any, study: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT  # shared with the worker process
    source = images.write(tmp_path / "lesion-7.png", images.gray8(1200, 900))
    log_in(browser_page, live_server.url, study.contributor.username)
    browser_page.goto(f"{live_server.url}/cases/{study.case.pk}/")
    browser_page.set_input_files("#upload-file", str(source))
    browser_page.click("#upload-start")
    # The page reloads after the upload, then polls until the ingest is done.
    browser_page.wait_for_selector("#mosaic-table tr[data-status=ready]", timeout=90_000)
    mosaic = Mosaic.objects.get(case=study.case)
    assert (mosaic.original_filename, mosaic.width, mosaic.height) == ("lesion-7.png", 1200, 900)
    link = browser_page.get_attribute("#mosaic-table tr[data-status=ready] a", "href")
    assert link == f"/mosaics/{mosaic.pk}/"


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_multi_chunk_upload_interrupted_by_a_reload_resumes_where_it_stopped(
    celery_worker_process: Any, live_server: Any, browser_page: Any, study: Any, settings: Any, tmp_path: Path
) -> None:
    import hashlib

    from annotations.models import UploadSession

    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT  # shared with the worker process
    # An uncompressed TIFF of ~21 MB: three chunks of the page's 8 MiB (src/upload/chunked.ts).
    source = images.write(tmp_path / "big-lesion.tif", images.gray8(5000, 4200), compression="none")
    data = source.read_bytes()
    assert len(data) > 2 * 8 * 1024 * 1024
    page = browser_page
    log_in(page, live_server.url, study.contributor.username)
    page.goto(f"{live_server.url}/cases/{study.case.pk}/")
    ranges: list[str] = []
    page.on("request", lambda r: ranges.append(r.headers.get("content-range", "")) if r.method == "PUT" else None)

    # The first chunk arrives, the connection drops for the next ones, and the tab reloads.
    puts = []

    def first_chunk_only(route: Any) -> None:
        puts.append(route.request)
        route.continue_() if len(puts) == 1 else route.abort("connectionreset")

    page.route("**/api/uploads/*/", lambda route: first_chunk_only(route) if route.request.method == "PUT" else route.continue_())
    page.set_input_files("#upload-file", str(source))
    with page.expect_response(lambda r: r.request.method == "PUT" and r.status == 200):
        page.click("#upload-start")
    page.wait_for_function("() => document.getElementById('upload-message').textContent.includes('Uploading')")
    # Reload while the connection is still cut, so no retry of the old page gets through first.
    page.reload()
    page.unroute("**/api/uploads/*/")
    session = UploadSession.objects.get(case=study.case)
    assert session.status == "receiving" and 0 < session.received < len(data)
    stopped_at = session.received

    # Choosing the same file again resumes from what the server holds, not from byte 0.
    ranges.clear()
    page.set_input_files("#upload-file", str(source))
    page.click("#upload-start")
    page.wait_for_selector("#mosaic-table tr[data-status=ready]", timeout=120_000)
    assert ranges and ranges[0].startswith(f"bytes {stopped_at}-"), ranges
    assert all(not r.startswith("bytes 0-") for r in ranges)
    mosaic = Mosaic.objects.get(case=study.case)
    assert UploadSession.objects.filter(case=study.case).count() == 1  # the same upload, finished
    assert mosaic.checksum == hashlib.sha256(data).hexdigest()
    assert (mosaic.width, mosaic.height) == (5000, 4200)
