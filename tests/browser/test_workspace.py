"""The reader's workspace in Debian's Chromium: drawing, autosave, undo/redo, conflicts, blindness."""

from typing import Any

import pytest
from shapely.geometry import shape

from annotations.models import Region
from annotations.vocabulary import FEATURE_LABEL_COLOURS, FeatureLabel
from tests.conftest import log_in
from tests.live_requests import IN_FLIGHT

from .conftest import (
    ReadingWorld,
    assert_painted,
    assert_unpainted,
    click_polygon,
    open_workspace,
    stroke,
    to_client,
    wait_saved,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_draws_a_polygon_and_a_brush_stroke_that_survive_a_reload(
    live_server: Any, browser_page: Any, reading_world: ReadingWorld
) -> None:
    page, read = browser_page, reading_world.read_a
    log_in(page, live_server.url, "ws-reader-a")
    open_workspace(page, live_server.url, read)

    page.keyboard.press("p")
    click_polygon(page, [(200, 200), (600, 200), (600, 500), (200, 500)])
    wait_saved(page, regions=1)
    page.keyboard.press("Shift+Digit3")  # dendritic cells
    page.keyboard.press("b")
    stroke(page, [(900, 300), (1000, 350), (1100, 400), (1200, 450)])
    wait_saved(page, regions=2)

    page.reload()
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    assert page.get_attribute("#workspace", "data-region-count") == "2"
    # The page's opening API calls were started by the HTML's preloads and the page used those answers:
    # each URL was requested once, by the preload link (a page fetch that missed it would be a second entry).
    requested = page.evaluate(
        "() => performance.getEntriesByType('resource').map((e) => { const u = new URL(e.name);"
        " return [u.pathname + u.search, e.initiatorType]; })"
    )
    opening = ["/api/vocabulary/", f"/api/reads/{read.pk}/", f"/api/reads/{read.pk}/regions/?outline=true"]
    # (Resource timing lists entries as they finish: the three may finish in any order.)
    assert sorted([url, kind] for url, kind in requested if url in opening) == sorted(
        [url, "link"] for url in opening
    ), requested
    regions = {region.label: region for region in Region.objects.filter(read=read)}
    assert set(regions) == {"atypical_honeycomb", "dendritic_cells"}
    polygon = shape(regions["atypical_honeycomb"].geometry)
    assert polygon.area == pytest.approx(400 * 300, rel=0.03)  # clicks land within a screen pixel
    brush = shape(regions["dendritic_cells"].geometry)
    assert brush.contains(shape({"type": "Point", "coordinates": [1000, 350]}))
    # 20 µm radius at 0.5 µm/px: the stroke is about 80 px wide.
    assert 60 < brush.bounds[3] - brush.bounds[1] - (450 - 300) < 100
    api = page.evaluate(f"fetch('/api/reads/{read.pk}/regions/').then(r => r.json())")
    assert len(api["results"]) == 2
    # What the reader sees after the reload: each region in its label's colour, nothing elsewhere.
    assert_painted(page, 400, 350, FEATURE_LABEL_COLOURS[FeatureLabel.ATYPICAL_HONEYCOMB])
    assert_painted(page, 1000, 350, FEATURE_LABEL_COLOURS[FeatureLabel.DENDRITIC_CELLS])
    assert_unpainted(page, 400, 800)
    assert_unpainted(page, 1300, 1000)


def test_next_case_from_the_worklist_then_case_fields_autosave_and_submit_locks_the_page(
    live_server: Any, browser_page: Any, reading_world: ReadingWorld
) -> None:
    page, read = browser_page, reading_world.read_a
    log_in(page, live_server.url, "ws-reader-a")
    page.goto(f"{live_server.url}/worklist/")
    page.keyboard.press("n")  # the oldest open read: the only one here
    page.wait_for_url(f"**/reads/{read.pk}/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    page.select_option("#diagnosis", "actinic_keratosis")
    page.select_option("#confidence", "4")
    page.fill("#note", "honeycomb irregular at the top left")
    page.check("#no-suspicious-area")
    wait_saved(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-read")
    page.wait_for_selector("#workspace[data-readonly='true']")
    read.refresh_from_db()
    assert (read.status, read.diagnosis, read.confidence) == ("submitted", "actinic_keratosis", 4)
    assert read.note == "honeycomb irregular at the top left" and read.no_suspicious_area
    assert page.is_disabled("#diagnosis") and page.is_disabled("[data-tool='brush']")


def test_undo_and_redo_replay_a_merge_and_a_delete_through_the_server(
    live_server: Any, browser_page: Any, reading_world: ReadingWorld
) -> None:
    page, read = browser_page, reading_world.read_a
    log_in(page, live_server.url, "ws-reader-a")
    open_workspace(page, live_server.url, read)
    page.keyboard.press("b")
    stroke(page, [(300, 300), (500, 300)])
    wait_saved(page, regions=1)
    first_area = Region.objects.get(read=read).area_px
    stroke(page, [(500, 300), (500, 600)])  # same label, touching: merges into one region
    wait_saved(page, regions=1)
    assert Region.objects.get(read=read).area_px > first_area * 1.5

    page.keyboard.press("Control+z")
    page.wait_for_selector("#workspace[data-redo-depth='1']")
    wait_saved(page, regions=1)
    assert Region.objects.get(read=read).area_px == pytest.approx(first_area, rel=0.01)

    page.keyboard.press("Control+Shift+z")
    page.wait_for_selector("#workspace[data-redo-depth='0']")
    wait_saved(page, regions=1)
    merged = Region.objects.get(read=read)
    assert merged.area_px > first_area * 1.5

    # Select the region with a click, drag one of its vertex handles outwards: a PATCH with its version.
    page.keyboard.press("v")
    page.mouse.click(*to_client(page, 500, 450))
    page.wait_for_selector(f"#workspace[data-selected='{merged.pk}']")
    hx, hy = page.evaluate(
        "window.rcmWorkspace.renderer.handlePositions().reduce((a, b) => (b[1] > a[1] ? b : a))"
    )  # the lowest vertex
    stroke(page, [(hx, hy), (hx, hy + 60), (hx, hy + 120)])
    wait_saved(page, regions=1)
    page.wait_for_selector("#workspace[data-undo-depth='3']")
    dragged = Region.objects.get(read=read)
    assert dragged.version == merged.version + 1
    assert dragged.max_y == pytest.approx(hy + 120, abs=2)
    merged = dragged

    # Delete it, undo: it comes back.
    page.keyboard.press("Delete")
    wait_saved(page, regions=0)
    assert not Region.objects.filter(read=read).exists()
    page.keyboard.press("Control+z")
    wait_saved(page, regions=1)
    page.wait_for_selector("#workspace[data-redo-depth='1']")
    assert Region.objects.get(read=read).area_px == pytest.approx(merged.area_px, rel=0.001)


def test_a_stale_tab_gets_the_banner_stops_saving_and_offers_its_kept_edits_again(
    live_server: Any, browser_page: Any, reading_world: ReadingWorld
) -> None:
    first, read = browser_page, reading_world.read_a
    log_in(first, live_server.url, "ws-reader-a")
    open_workspace(first, live_server.url, read)
    second = first.context.new_page()  # same session, second tab
    open_workspace(second, live_server.url, read)

    second.select_option("#diagnosis", "basal_cell_carcinoma")
    wait_saved(second)
    first.keyboard.press("p")
    click_polygon(first, [(200, 200), (500, 200), (350, 450)])
    first.wait_for_selector("#workspace[data-save-state='conflict']")
    assert first.is_visible("#conflict-banner")
    assert "changed in another tab or window" in first.inner_text("#conflict-banner")
    first.wait_for_selector("#workspace[data-region-count='0']")  # the unsaved shape is taken back
    assert not Region.objects.filter(read=read).exists()
    read.refresh_from_db()
    assert read.diagnosis == "basal_cell_carcinoma"
    # Not dropped: the shape is kept in this browser (IndexedDB) and offered back.
    first.wait_for_selector("#kept-edits")
    assert first.inner_text("#kept-count") == "1 change"
    first.screenshot(path=str(_artifact("stale_tab_banner.png")))
    first.click("#kept-apply")  # applied again on top of what the other tab saved
    wait_saved(first, regions=1)
    assert first.is_hidden("#conflict-banner")
    assert Region.objects.filter(read=read).count() == 1
    read.refresh_from_db()
    assert read.diagnosis == "basal_cell_carcinoma"
    assert first.input_value("#diagnosis") == "basal_cell_carcinoma"  # the reloaded read, not the stale one
    second.close()


def test_blindness_holds_from_both_readers_sides_and_a_lead_sees_both(
    live_server: Any, chromium: Any, reading_world: ReadingWorld
) -> None:
    world = reading_world

    def square(x: int) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [[[x, 100], [x + 200, 100], [x + 200, 300], [x, 300], [x, 100]]]}

    pages = {}
    for username in ("ws-reader-a", "ws-reader-b", "ws-lead"):
        context = chromium.new_context(viewport={"width": 1400, "height": 900})
        pages[username] = context.new_page()
        log_in(pages[username], live_server.url, username)
    own = {"ws-reader-a": world.read_a, "ws-reader-b": world.read_b}
    corner = {"ws-reader-a": 100, "ws-reader-b": 600}  # each reader marks a different place
    for username, read in own.items():
        created = _api(
            pages[username], "POST", f"/api/reads/{read.pk}/regions/",
            {"label": "clefting", "geometry": square(corner[username]), "read_version": read.version},
        )  # fmt: skip
        assert created["status"] == 201
    clefting = FEATURE_LABEL_COLOURS[FeatureLabel.CLEFTING]
    # On screen, reader A sees its own region and nothing where reader B drew.
    reader_a = pages["ws-reader-a"]
    open_workspace(reader_a, live_server.url, world.read_a)
    assert_painted(reader_a, 200, 200, clefting)
    assert_unpainted(reader_a, 700, 200)
    assert_unpainted(reader_a, 600, 200)
    for username, other in (("ws-reader-a", world.read_b), ("ws-reader-b", world.read_a)):
        page = pages[username]
        listed = _api(page, "GET", f"/api/mosaics/{world.mosaic.pk}/reads/")["body"]
        assert [read["id"] for read in listed] == [own[username].pk]
        assert _api(page, "GET", f"/api/reads/{other.pk}/regions/")["status"] == 404
        assert _api(page, "GET", f"/api/reads/{other.pk}/")["status"] == 404
        assert other.reader.username not in str(listed)

    lead = pages["ws-lead"]
    listed = _api(lead, "GET", f"/api/mosaics/{world.mosaic.pk}/reads/")["body"]
    assert sorted(read["reader"] for read in listed) == ["ws-reader-a", "ws-reader-b"]
    # In the workspace the lead can show the other reader's regions as a layer, read-only.
    open_workspace(lead, live_server.url, world.read_a)
    assert lead.get_attribute("#workspace", "data-readonly") == "true"
    assert_painted(lead, 200, 200, clefting)
    assert_unpainted(lead, 600, 120, radius=1, to_y=280)
    lead.check(f"#reader-layers input[data-read-id='{world.read_b.pk}']")
    lead.wait_for_function("() => Number(document.getElementById('workspace').dataset.drawnRegions) === 2")
    # The other read is drawn as a dashed outline (no fill): its left edge is on screen now.
    assert_painted(lead, 600, 120, clefting, radius=1, to_y=280)
    lead.screenshot(path=str(_artifact("lead_sees_both_reads.png")))
    for page in pages.values():
        page.context.close()
    IN_FLIGHT.wait_idle(timeout=30)  # as browser_page does: nothing still answered when the database goes


def _api(page: Any, method: str, url: str, body: Any = None) -> dict[str, Any]:
    """A call from inside the page, with the page's session and CSRF token (as the app makes it)."""
    return page.evaluate(
        """async ([method, url, body]) => {
            const token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
            const response = await fetch(url, {method, headers: {"Content-Type": "application/json", "X-CSRFToken": token},
                                               body: body === null ? undefined : JSON.stringify(body)});
            const text = await response.text();
            return {status: response.status, body: text ? JSON.parse(text) : null};
        }""",
        [method, url, body],
    )


def _artifact(name: str) -> Any:
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
