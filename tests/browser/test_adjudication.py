"""Adjudication from the lead's pages (Chromium): start a consensus from the viewer, decide each component in the
workspace with a reason, submit: a new consensus version holding what was decided, on screen and in the database."""

from typing import Any

import pytest
import shapely

from annotations.geometry.shapes import shape_from_stored
from annotations.models import AdjudicationDecision, Read, ReadKind, ReadRevision, Region
from annotations.vocabulary import FEATURE_LABEL_COLOURS, FeatureLabel
from tests.annotations.agreement.regions import rect
from tests.annotations.studies import submit
from tests.conftest import log_in

from .conftest import ReadingWorld, assert_painted, assert_unpainted, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLEFTING = FEATURE_LABEL_COLOURS[FeatureLabel.CLEFTING]


@pytest.fixture
def submitted(reading_world: ReadingWorld) -> ReadingWorld:
    """A marks x 200-700, B x 500-1000 (y 200-600), both as clefting: they agree on 500-700."""
    submit(reading_world.read_a, [("clefting", rect(200, 200, 700, 600))])
    submit(reading_world.read_b, [("clefting", rect(500, 200, 1000, 600))])
    return reading_world


def consensus_area(read: Read) -> shapely.Geometry:
    return shapely.union_all(
        [shape_from_stored(g) for g in Region.objects.filter(read=read).values_list("geometry", flat=True)]
    )


def test_lead_starts_resolves_and_submits_a_consensus(
    live_server: Any, browser_page: Any, submitted: ReadingWorld
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 720})
    log_in(page, live_server.url, "ws-lead")
    page.goto(f"{live_server.url}/mosaics/{submitted.mosaic.pk}/")
    page.wait_for_selector("#adjudication-launch[data-state='ready']", timeout=30_000)
    page.select_option("#consensus-start", "intersection")
    page.click("#start-consensus")
    page.wait_for_url("**/reads/*/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#workspace[data-adjudication='ready']", timeout=15_000)
    consensus = Read.objects.get(mosaic=submitted.mosaic, kind=ReadKind.CONSENSUS)
    assert page.url.endswith(f"/reads/{consensus.pk}/")
    started_version = consensus.version

    # The proposal: the agreed area filled, the two one-reader parts open and not (yet) in the consensus.
    assert page.get_attribute("#adjudication", "data-open") == "2"
    assert_painted(page, 600, 400, CLEFTING)
    assert_unpainted(page, 350, 400)
    assert_unpainted(page, 850, 400)

    only_a = page.locator("#adjudication-components li", has_text="B: nothing")
    only_b = page.locator("#adjudication-components li", has_text="A: nothing")
    only_a.locator(".adj-reason").fill("honeycomb atypical there: A is right")
    only_a.locator("button[data-choice='accept_a']").click()
    page.wait_for_selector("#adjudication[data-open='1']")
    wait_saved(page)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.mouse.move(5, 5)
    assert_painted(page, 350, 400, CLEFTING)  # A's part is now in the consensus, on screen

    page.locator("#adjudication-components li", has_text="A: nothing").locator("button[data-choice='reject']").click()
    assert page.get_attribute("#adjudication", "data-open") == "1"  # no reason: refused on the page
    only_b.locator(".adj-reason").fill("benign shadow, not clefting")
    only_b.locator("button[data-choice='reject']").click()
    page.wait_for_selector("#adjudication[data-open='0']")
    wait_saved(page)
    assert "left out" in page.inner_text("#adjudication-components li[data-status='reject']")
    assert_unpainted(page, 850, 400)

    page.select_option("#diagnosis", "actinic_keratosis")
    wait_saved(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-read")
    page.wait_for_selector("#workspace[data-readonly='true']")

    consensus.refresh_from_db()
    assert consensus.status == "submitted" and consensus.version > started_version
    assert consensus_area(consensus).equals(shapely.box(200, 200, 700, 600))
    decisions = {
        d.choice: d.reason for d in AdjudicationDecision.objects.filter(component__adjudication__consensus=consensus)
    }
    assert decisions == {"accept_a": "honeycomb atypical there: A is right", "reject": "benign shadow, not clefting"}
    actions = list(ReadRevision.objects.filter(read=consensus).values_list("action", flat=True))
    assert any(action.endswith("accept_a") for action in actions) and any(
        action.endswith("reject") for action in actions
    )


def test_viewer_offers_the_existing_consensus_and_a_third_reader_before_one(
    live_server: Any, browser_page: Any, submitted: ReadingWorld
) -> None:
    from annotations.models import Role
    from tests.factories import member

    member(submitted.mosaic.case.project, Role.READER, username="ws-reader-c")
    page = browser_page
    log_in(page, live_server.url, "ws-lead")
    page.goto(f"{live_server.url}/mosaics/{submitted.mosaic.pk}/")
    page.wait_for_selector("#adjudication-launch[data-state='ready']", timeout=30_000)
    page.select_option("#third-reader", "ws-reader-c")
    page.click("#send-third-reader")
    page.wait_for_selector("#adjudication-launch[data-state='waiting']")  # the third read is not submitted yet
    assert Read.objects.filter(mosaic=submitted.mosaic, reader__username="ws-reader-c", kind=ReadKind.READER).exists()
    assert "2 of 3" in page.inner_text("#adjudication-launch")
