"""PostgreSQL away for 5 s while a reader draws in Chromium: nothing the reader drew is lost.

The platform runs as its own gunicorn process whose database connection goes through
a proxy the test cuts (the shared PostgreSQL itself is never touched); the page talks
to that process. While the database is away the server answers 503 to every save; the
workspace keeps each edit in IndexedDB, shows "Offline — n changes pending" and tries
again with backoff. When the database is back the edits drain, in order, on the
read_version chain; after a reload every region and the note are there, in the API and
on screen (pixels). A second test reloads the page during the outage (the page itself
cannot load then) and finds the edits replayed from IndexedDB once the database is back.
"""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from shapely.geometry import Point, shape

from annotations.models import Read, Region, Role
from annotations.services.assignment import read_assign
from annotations.vocabulary import FEATURE_LABEL_COLOURS, FeatureLabel
from tests.browser.conftest import assert_painted, assert_unpainted, click_polygon, open_workspace, stroke, wait_saved
from tests.conftest import log_in
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member
from tests.faults.services import PlatformProcess, TcpProxy, platform_env, wait_for_http, web_server
from tests.mosaic_builders import ready_mosaic

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 5
HONEYCOMB = FEATURE_LABEL_COLOURS[FeatureLabel.ATYPICAL_HONEYCOMB]
DENDRITIC = FEATURE_LABEL_COLOURS[FeatureLabel.DENDRITIC_CELLS]
NOTE = "pagetoid cells near the lower edge, typed while the database was away"


@pytest.fixture
def read() -> Read:
    """A reader's read of a real (pyramid-backed) 1500 x 1200 px mosaic."""
    project = ProjectFactory()
    mosaic = ready_mosaic(case=CaseFactory(project=project, center=CenterFactory()), um_per_px=0.5)
    lead = member(project, Role.LEAD, username="outage-lead")
    reader = member(project, Role.READER, username="outage-reader")
    [read] = read_assign(mosaic=mosaic, readers=[reader], by=lead)
    return read


@pytest.fixture
def platform(platform_processes: list[PlatformProcess], proxies: list[TcpProxy]) -> Iterator[tuple[str, TcpProxy]]:
    """The platform's web process on this run's database through a proxy to cut; its URL and the proxy."""
    database = connection.settings_dict
    proxy = TcpProxy(int(database["PORT"] or 5432))
    proxies.append(proxy)
    env = platform_env(
        RCM_TEST_WORKER="1",
        DATABASE_URL=f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/postgres",
        RCM_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        # gunicorn has no static finder (DEBUG is off): WhiteNoise serves the Vite build as the static root.
        RCM_STATIC_ROOT=str(settings.FRONTEND_DIST_DIR),
    )
    server = web_server("workspace-outage-web", env, workers=2)
    platform_processes.append(server.start())
    wait_for_http(server.port)  # type: ignore[attr-defined]
    yield f"http://127.0.0.1:{server.port}", proxy  # type: ignore[attr-defined]


def _draw_and_type_while_offline(page: Any) -> None:
    """A polygon (atypical honeycomb), a brush stroke (dendritic cells) and the note, each saved while it can't be."""
    page.keyboard.press("Shift+Digit1")
    page.keyboard.press("p")
    click_polygon(page, [(200, 700), (500, 700), (500, 1000), (200, 1000)])
    page.keyboard.press("Shift+Digit3")
    page.keyboard.press("b")
    stroke(page, [(900, 300), (1000, 350), (1100, 400)])
    page.fill("#note", NOTE)
    page.locator("#diagnosis").focus()  # leaving the note saves it at once (no typing pause needed)


def _wait_offline_with(page: Any, pending: int) -> None:
    page.wait_for_selector(f"#workspace[data-save-state='offline'][data-pending='{pending}']", timeout=30_000)
    status = page.locator("#save-status")
    assert status.is_visible()
    assert status.inner_text() == f"Offline — {pending} changes pending"


def _stored_edits(page: Any) -> list[str]:
    """The kinds of the edits the page holds in IndexedDB for this read, in order."""
    return page.evaluate("window.rcmWorkspace.queue.stored().then((s) => s.edits.map((e) => e.edit.kind))")


def _assert_all_there(page: Any, read: Read, regions: int) -> None:
    """In the database, through the API, and on screen: every region drawn and the note."""
    saved = [(region.label, shape(region.geometry)) for region in Region.objects.filter(read=read)]
    assert len(saved) == regions
    assert any(label == "atypical_honeycomb" and area.contains(Point(350, 850)) for label, area in saved)
    assert any(label == "dendritic_cells" and area.contains(Point(1000, 350)) for label, area in saved)
    read.refresh_from_db()
    assert read.note == NOTE
    api = page.evaluate(f"fetch('/api/reads/{read.pk}/regions/').then((r) => r.json())")
    assert sorted(region["label"] for region in api["results"]) == sorted(label for label, _ in saved)
    assert page.input_value("#note") == NOTE
    assert page.get_attribute("#workspace", "data-region-count") == str(regions)
    assert_painted(page, 350, 850, HONEYCOMB)
    assert_painted(page, 1000, 350, DENDRITIC)
    assert_unpainted(page, 1300, 1000)


def test_drawing_while_postgresql_is_away_for_5_s_loses_nothing(
    platform: tuple[str, TcpProxy], browser_page: Any, read: Read
) -> None:
    base_url, proxy = platform
    page = browser_page
    log_in(page, base_url, "outage-reader")
    open_workspace(page, base_url, read)
    page.keyboard.press("p")
    click_polygon(page, [(200, 200), (500, 200), (500, 450), (200, 450)])  # saved before the outage
    wait_saved(page, regions=1)
    version_before = Read.objects.get(pk=read.pk).version

    proxy.cut()
    cut_at = time.monotonic()
    _draw_and_type_while_offline(page)
    _wait_offline_with(page, 3)
    assert _stored_edits(page) == ["add", "add", "fields"]
    # What the reader drew is on screen while it waits, and the database has none of it.
    assert_painted(page, 350, 850, HONEYCOMB)
    assert_painted(page, 1000, 350, DENDRITIC)
    page.screenshot(path=str(_artifact("workspace_offline_pending.png")))
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
    proxy.restore()

    page.wait_for_selector("#workspace[data-save-state='saved'][data-pending='0']", timeout=30_000)
    assert page.inner_text("#save-status") == "Saved"
    assert _stored_edits(page) == []
    # Saved once each, in order, on the chain: one version per edit, none lost or doubled.
    assert Read.objects.get(pk=read.pk).version == version_before + 3
    page.reload()
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    _assert_all_there(page, read, regions=3)


def test_a_reload_during_the_outage_replays_the_kept_edits_when_the_database_is_back(
    platform: tuple[str, TcpProxy], browser_page: Any, read: Read
) -> None:
    base_url, proxy = platform
    page = browser_page
    log_in(page, base_url, "outage-reader")
    open_workspace(page, base_url, read)

    proxy.cut()
    cut_at = time.monotonic()
    _draw_and_type_while_offline(page)
    _wait_offline_with(page, 3)
    assert _stored_edits(page) == ["add", "add", "fields"]
    dialogs: list[str] = []

    def leave(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    answer = page.reload(wait_until="commit")  # the reader leaves anyway
    assert dialogs == ["beforeunload"]  # the "leave page?" guard asked first
    assert answer is not None and answer.status == 503  # the page itself needs the database
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
    proxy.restore()

    open_workspace(page, base_url, read)  # the page comes back and replays what IndexedDB kept
    page.wait_for_selector("#workspace[data-save-state='saved'][data-pending='0']", timeout=30_000)
    assert _stored_edits(page) == []
    page.reload()
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    _assert_all_there(page, read, regions=2)


def _artifact(name: str) -> Any:
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
