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
