"""Reading coverage in the workspace (Chromium): views at diagnostic zoom are recorded, a low-coverage submit warns."""

from typing import Any

import pytest

from annotations.models import ReadCoverage
from tests.conftest import log_in

from .conftest import ReadingWorld, open_workspace, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_views_at_diagnostic_zoom_count_and_a_low_coverage_submit_asks_first(
    live_server: Any, browser_page: Any, reading_world: ReadingWorld
) -> None:
    project = reading_world.mosaic.case.project
    project.min_viewed_fraction = 0.9
    project.save()
    page, read = browser_page, reading_world.read_a
    log_in(page, live_server.url, "ws-reader-a")
    open_workspace(page, live_server.url, read)
    page.wait_for_selector("#viewed-fraction:has-text('Viewed 0 %')")
    # The whole mosaic fits: too far out to judge cells, so nothing counts.
    page.wait_for_timeout(3000)  # longer than the batching delay: a recorded view would have been sent
    assert not ReadCoverage.objects.filter(read=read, viewed_fraction__gt=0).exists()

    page.keyboard.press("1")  # one image pixel per screen pixel: diagnostic zoom
    page.wait_for_function("() => Number(document.getElementById('workspace').dataset.viewedFraction) > 0", timeout=15_000)
    stored = ReadCoverage.objects.get(read=read).viewed_fraction
    assert 0 < stored < 0.9
    assert page.inner_text("#viewed-fraction") == f"Viewed {round(stored * 100)} %"

    page.check("#no-suspicious-area")
    page.select_option("#diagnosis", "actinic_keratosis")
    wait_saved(page)
    messages: list[str] = []

    def dismiss(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#submit-read")
    page.wait_for_timeout(500)
    assert messages and f"You viewed {round(stored * 100)} %" in messages[0] and "at least 90 %" in messages[0]
    read.refresh_from_db()
    assert read.status != "submitted"

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-read")
    page.wait_for_selector("#workspace[data-readonly='true']")
    read.refresh_from_db()
    assert read.status == "submitted"
