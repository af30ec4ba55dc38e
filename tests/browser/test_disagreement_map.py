"""The disagreement map in the viewer (Chromium): both / only A / only B painted in their colours, with the numbers."""

from typing import Any

import pytest

from annotations.services.agreement import mosaic_agreement_compute
from tests.annotations.agreement.regions import rect
from tests.annotations.studies import submit
from tests.conftest import log_in

from .conftest import ReadingWorld, assert_painted, assert_unpainted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# frontend/src/viewer/disagreement.ts: DISAGREEMENT_COLOURS
COLOURS = {"both": "#f2c500", "only_a": "#e5308f", "only_b": "#14b0e8"}


def rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)))


def open_map(page: Any, base_url: str, world: ReadingWorld, query: str = "?map=disagreement") -> None:
    page.set_viewport_size({"width": 1100, "height": 720})
    page.goto(f"{base_url}/mosaics/{world.mosaic.pk}/{query}")
    page.wait_for_selector("#mosaic-viewer[data-fully-loaded='true']", timeout=30_000)
    page.wait_for_selector("#disagreement-panel[data-loaded='true']", timeout=15_000)
    settle(page)


def settle(page: Any) -> None:
    """Two animation frames: the overlay redraws on the next one."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


@pytest.fixture
def disagreeing(reading_world: ReadingWorld) -> ReadingWorld:
    """A marks x 200-700, B marks x 500-1000 (y 200-600): both 500-700, only A 200-500, only B 700-1000."""
    submit(reading_world.read_a, [("clefting", rect(200, 200, 700, 600))])
    submit(reading_world.read_b, [("dendritic_cells", rect(500, 200, 1000, 600))])
    mosaic_agreement_compute(mosaic_id=reading_world.mosaic.pk)
    return reading_world


def test_lead_sees_both_only_a_and_only_b_in_their_colours_with_the_pair_numbers(
    live_server: Any, browser_page: Any, disagreeing: ReadingWorld
) -> None:
    page = browser_page
    log_in(page, live_server.url, "ws-lead")
    open_map(page, live_server.url, disagreeing)

    assert page.is_checked("#disagreement-toggle")
    assert_painted(page, 600, 400, COLOURS["both"])
    assert_painted(page, 350, 400, COLOURS["only_a"])
    assert_painted(page, 850, 400, COLOURS["only_b"])
    assert_unpainted(page, 1300, 1000)
    assert_unpainted(page, 600, 900)
    # The legend shows the same colours, naming the readers.
    for kind, colour in COLOURS.items():
        swatch = page.locator(f"#disagreement-legend li[data-kind='{kind}'] .dm-swatch")
        assert swatch.evaluate("(el) => getComputedStyle(el).backgroundColor") == rgb(colour)
    assert "ws-reader-a" in page.inner_text("#disagreement-legend li[data-kind='only_a']")
    assert "ws-reader-b" in page.inner_text("#disagreement-legend li[data-kind='only_b']")
    # The numbers beside the map are the API's: Dice = 2·200·400 / (500·400 + 500·400) = 0.4.
    api = page.evaluate(f"fetch('/api/mosaics/{disagreeing.mosaic.pk}/agreement/').then((r) => r.json())")
    row = api["pairs"][0]["row"]
    assert page.inner_text("#disagreement-numbers dd[data-key='dice']") == f"{row['dice']:.3f}" == "0.400"
    assert page.inner_text("#disagreement-numbers dd[data-key='iou']") == f"{row['iou']:.3f}" == "0.250"
    assert page.inner_text("#disagreement-numbers dd[data-key='hausdorff95_um']") == f"{row['hausdorff95_um']:.1f} µm"

    page.uncheck("#disagreement-toggle")
    settle(page)
    assert_unpainted(page, 600, 400)
    assert_unpainted(page, 350, 400)


def test_the_map_starts_hidden_and_m_toggles_it(live_server: Any, browser_page: Any, disagreeing: ReadingWorld) -> None:
    page = browser_page
    log_in(page, live_server.url, "ws-lead")
    open_map(page, live_server.url, disagreeing, query="")
    assert_unpainted(page, 600, 400)
    page.keyboard.press("m")
    settle(page)
    assert_painted(page, 600, 400, COLOURS["both"])


def test_a_dashboard_link_opens_the_named_pair_of_three_readers(
    live_server: Any, browser_page: Any, disagreeing: ReadingWorld
) -> None:
    from annotations.models import Role
    from annotations.services.adjudication import mosaic_send_to_third_reader
    from tests.factories import member

    third = member(disagreeing.mosaic.case.project, Role.READER, username="ws-reader-c")
    read_c = mosaic_send_to_third_reader(mosaic=disagreeing.mosaic, reader=third, by=disagreeing.lead)
    submit(read_c, [("clefting", rect(200, 200, 1000, 600))])  # C marks all of A's and B's area
    mosaic_agreement_compute(mosaic_id=disagreeing.mosaic.pk)
    page = browser_page
    log_in(page, live_server.url, "ws-lead")
    open_map(page, live_server.url, disagreeing, query="?map=disagreement&pair=ws-reader-a,ws-reader-c")

    assert "ws-reader-c" in page.inner_text("#disagreement-legend li[data-kind='only_b']")
    assert page.locator("#disagreement-pair option").count() == 3  # a-b, a-c, b-c
    # A (x 200-700) inside C (x 200-1000): both over A's part, only C beyond it, nothing only A's.
    assert_painted(page, 350, 400, COLOURS["both"])
    assert_painted(page, 850, 400, COLOURS["only_b"])
    assert page.inner_text("#disagreement-numbers dd[data-key='dice']") == f"{2 * 500 / (500 + 800):.3f}"


def test_a_reader_gets_no_map_panel_and_no_map_data(
    live_server: Any, browser_page: Any, disagreeing: ReadingWorld
) -> None:
    page = browser_page
    log_in(page, live_server.url, "ws-reader-a")
    page.goto(f"{live_server.url}/mosaics/{disagreeing.mosaic.pk}/?map=disagreement")
    page.wait_for_selector("#mosaic-viewer[data-fully-loaded='true']", timeout=30_000)
    assert page.locator("#disagreement-panel").count() == 0
    answer = page.evaluate(
        f"fetch('/api/mosaics/{disagreeing.mosaic.pk}/agreement/').then(async (r) => [r.status, await r.text()])"
    )
    assert answer[0] == 404 and "only_a" not in answer[1] and "ws-reader-b" not in answer[1]
