"""The workspace's AI layer in Chromium: a known-answer model run on a small patterned mosaic, its heatmap and
suggestions checked as pixels on screen, decisions made with the keyboard checked through the API, and the
unaided-then-aided protocol: no layer (no heatmap pixels, no suggestions in the page) before the unaided read is
submitted, the layer in the aided read it offers."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from annotations.models import AIProtocol, Read, ReadKind
from annotations.services.assignment import read_assign
from inference.models import PredictionRun, Suggestion, SuggestionDecision
from inference.services.preannotation import prediction_run_execute, prediction_run_queue
from tests.conftest import log_in
from tests.inference.preannotation.conftest import COLS, ROWS, TILE, Lab, make_lab
from tests.mosaic_builders import ready_mosaic

from .conftest import assert_painted, assert_unpainted, tint_at, to_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AI_COLOUR = "#00f0a0"  # frontend/src/workspace/ai/overlay.ts
INFERNO_TOP = "#fcffa4"  # the heatmap's colour map (inference/ml/predict/outputs.py) at probability 1
# Two bright 2 × 2-tile squares, one dim tile column apart: two suggestions.
LEFT, RIGHT = {(1, 0), (1, 1), (2, 0), (2, 1)}, {(1, 3), (1, 4), (2, 3), (2, 4)}
LEFT_CENTRE, RIGHT_CENTRE = (TILE, 2 * TILE), (4 * TILE, 2 * TILE)
DIM = (2.5 * TILE, 0.5 * TILE)  # tile (0, 2): grey 50, probability ≈ 0.07


def pixels() -> np.ndarray:
    image = np.zeros((ROWS * TILE, (COLS + 1) * TILE), dtype=np.uint8)
    for row in range(ROWS):
        for col in range(COLS + 1):
            level = 0 if col == COLS else 245 if (row, col) in LEFT | RIGHT else 50
            image[row * TILE : (row + 1) * TILE, col * TILE : (col + 1) * TILE] = level
    return image


def set_up(tmp_path: Path, protocol: str) -> tuple[Lab, Read]:
    lab = make_lab(tmp_path, ai_protocol=protocol)
    mosaic = ready_mosaic(pixels(), case=lab.case, width=(COLS + 1) * TILE, height=ROWS * TILE, um_per_px=0.5)
    run = prediction_run_execute(run_id=prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False).pk)
    assert run.status == "done" and run.suggestions.count() == 2
    (read,) = read_assign(mosaic=mosaic, readers=[lab.reader], by=lab.lead)
    return lab, read


def open_read(page: Any, base_url: str, read_id: int) -> None:
    page.set_viewport_size({"width": 1100, "height": 720})
    page.goto(f"{base_url}/reads/{read_id}/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)


def settle(page: Any) -> None:
    """Two animation frames: what was asked to be drawn is on screen; the mouse off the mosaic, the keyboard's focus
    off the panel's checkboxes (the workspace's keys are not taken from a form field)."""
    page.mouse.move(2, 2)
    page.evaluate("() => document.activeElement instanceof HTMLElement && document.activeElement.blur()")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def brightness_at(page: Any, x: float, y: float, radius: int = 4) -> float:
    import io

    from PIL import Image

    cx, cy = to_client(page, x, y)
    clip = {"x": cx - radius, "y": cy - radius, "width": 2 * radius + 1, "height": 2 * radius + 1}
    return float(np.asarray(Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("L"), dtype=np.float64).mean())


def suggestion_at(read: Read, x: float, y: float) -> Suggestion:
    return next(s for s in Suggestion.objects.filter(run__mosaic=read.mosaic) if s.min_x <= x <= s.max_x and s.min_y <= y <= s.max_y)


def test_the_ai_layer_appears_in_the_aided_read_with_its_heatmap_and_suggestions_and_takes_decisions(
    live_server: Any, browser_page: Any, tmp_path: Path
) -> None:
    lab, unaided = set_up(tmp_path, AIProtocol.UNAIDED_THEN_AIDED)
    page = browser_page
    log_in(page, live_server.url, lab.reader.username)
    open_read(page, live_server.url, unaided.pk)

    # Before the unaided read is submitted: a note, no suggestion in the page, no heatmap on screen.
    page.wait_for_selector("#ai-layer[data-state='hidden']")
    assert "unaided first" in page.inner_text("#ai-note")
    assert page.locator("[data-suggestion]").count() == 0 and page.locator(".ai-overlay").count() == 0
    settle(page)
    for point in (LEFT_CENTRE, RIGHT_CENTRE, DIM):
        assert_unpainted(page, *point)

    # Submit it on the page: the layer offers the aided read, which opens with the layer.
    page.select_option("#diagnosis", "solar_lentigo")
    page.check("#no-suspicious-area")
    page.wait_for_selector("#workspace[data-save-state='saved']")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-read")
    page.wait_for_selector("#ai-layer[data-state='offer-aided']", timeout=15_000)
    assert page.locator("[data-suggestion]").count() == 0
    page.click("#start-aided")
    page.wait_for_url(lambda url: not url.endswith(f"/reads/{unaided.pk}/"))
    aided = Read.objects.get(mosaic=unaided.mosaic, reader=lab.reader, kind=ReadKind.AIDED)
    assert page.url.endswith(f"/reads/{aided.pk}/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#ai-layer[data-state='ready']", timeout=15_000)
    assert "bright: done" in page.inner_text("#ai-run") and "mosaic score" in page.inner_text("#ai-run")
    assert page.locator("[data-suggestion]").count() == 2

    # The heatmap alone: the colour map's top where the mosaic is bright, not where it is dim.
    page.uncheck("#ai-suggestions")
    settle(page)
    assert_painted(page, *LEFT_CENTRE, INFERNO_TOP)
    assert_painted(page, *RIGHT_CENTRE, INFERNO_TOP)
    dim = np.array(tint_at(page, *DIM))
    top = np.array([0xFC, 0xFF, 0xA4], dtype=np.float64) - np.mean([0xFC, 0xFF, 0xA4])
    assert float(dim @ top) < 0, f"the dim tile is tinted {dim}, towards the heatmap's top"
    # Its opacity control: at zero the heatmap is gone.
    page.fill("#ai-opacity", "0")
    page.dispatch_event("#ai-opacity", "input")
    settle(page)
    assert_unpainted(page, *LEFT_CENTRE)

    # The suggestions alone, in the AI colour where the model found the bright squares, nothing elsewhere.
    page.uncheck("#ai-heatmap")
    page.check("#ai-suggestions")
    settle(page)
    assert_painted(page, *LEFT_CENTRE, AI_COLOUR)
    assert_painted(page, *RIGHT_CENTRE, AI_COLOUR)
    assert_unpainted(page, *DIM)

    # Accept the current suggestion with the keyboard: a region of the aided read, ai_accepted, on screen.
    first = Suggestion.objects.get(pk=int(page.get_attribute("#ai-layer", "data-current") or 0))
    first_centre = ((first.min_x + first.max_x) / 2, (first.min_y + first.max_y) / 2)
    page.keyboard.press("i")  # the AI layer off: only the reader's regions are drawn
    settle(page)
    before = brightness_at(page, *first_centre)
    page.keyboard.press("i")
    page.keyboard.press("a")
    page.wait_for_selector("#workspace[data-region-count='1']", timeout=15_000)
    page.wait_for_selector("#ai-layer[data-suggestions='1']", timeout=15_000)
    response = page.request.get(f"{live_server.url}/api/reads/{aided.pk}/regions/")
    (region,) = response.json()["results"]
    assert (region["provenance"], region["ai_suggestion_id"], region["ai_model"]) == ("ai_accepted", first.pk, lab.model.pk)
    assert region["bbox"] == [first.min_x, first.min_y, first.max_x, first.max_y]
    page.keyboard.press("i")
    settle(page)
    after = brightness_at(page, *first_centre)  # the region's grey fill (other_suspicious) over the bright square
    assert after < before - 10, f"no region drawn over the accepted suggestion ({before} -> {after})"
    page.keyboard.press("i")
    settle(page)
    # The accepted suggestion left the AI layer; the other one is now current.
    other = Suggestion.objects.exclude(pk=first.pk).get(run__mosaic=aided.mosaic)
    other_centre = ((other.min_x + other.max_x) / 2, (other.min_y + other.max_y) / 2)
    assert page.get_attribute("#ai-layer", "data-current") == str(other.pk)
    assert_painted(page, *other_centre, AI_COLOUR)

    # Reject it with the keyboard: recorded, gone from the screen, no region made.
    page.keyboard.press("x")
    page.wait_for_selector("#ai-layer[data-suggestions='0']", timeout=15_000)
    settle(page)
    assert_unpainted(page, *other_centre)
    decisions = sorted(SuggestionDecision.objects.filter(read=aided).values_list("suggestion_ref", "decision"))
    assert decisions == sorted([(first.pk, "accepted"), (other.pk, "rejected")])
    assert page.locator(f"[data-suggestion='{other.pk}'][data-decision='rejected']").count() == 1
    assert Read.objects.get(pk=aided.pk).regions.count() == 1
    assert Read.objects.get(pk=unaided.pk).regions.count() == 0  # the unaided read stays as submitted


def test_from_start_shows_the_layer_at_once_and_accepts_every_suggestion_inside_a_dragged_area(
    live_server: Any, browser_page: Any, tmp_path: Path
) -> None:
    lab, read = set_up(tmp_path, AIProtocol.FROM_START)
    page = browser_page
    log_in(page, live_server.url, lab.reader.username)
    open_read(page, live_server.url, read.pk)
    page.wait_for_selector("#ai-layer[data-state='ready']", timeout=15_000)
    assert page.locator("#start-aided").count() == 0

    # Drag a rectangle around the left square only: it becomes a region; the right one stays a suggestion.
    page.click("#ai-area-accept")
    assert page.get_attribute("#ai-layer", "data-area") == "accept"
    start, end = to_client(page, 10, 40), to_client(page, 2.5 * TILE - 10, 3.5 * TILE)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    page.wait_for_selector("#workspace[data-region-count='1']", timeout=15_000)
    page.wait_for_selector("#ai-layer[data-suggestions='1']", timeout=15_000)
    left = suggestion_at(read, *LEFT_CENTRE)
    (region,) = read.regions.all()
    assert (region.provenance, region.ai_suggestion_id) == ("ai_accepted", left.pk)
    assert SuggestionDecision.objects.get(read=read).decision == "accepted"
    page.uncheck("#ai-heatmap")
    settle(page)
    assert_painted(page, *RIGHT_CENTRE, AI_COLOUR)  # still suggested
    page.keyboard.press("i")  # the AI layer off: the region's grey fill darkens the left square only
    settle(page)
    assert brightness_at(page, *LEFT_CENTRE) < brightness_at(page, *RIGHT_CENTRE) - 10

    # Edit the right one: drag its lower right corner out, save: a region ai_edited with the changed outline.
    page.keyboard.press("i")
    right = suggestion_at(read, *RIGHT_CENTRE)
    assert page.get_attribute("#ai-layer", "data-current") == str(right.pk)
    page.click("#ai-edit")
    page.wait_for_selector(f"#ai-layer[data-editing='{right.pk}']")
    page.mouse.move(*to_client(page, right.max_x, right.max_y))
    page.mouse.down()
    page.mouse.move(*to_client(page, right.max_x + 20, right.max_y + 30), steps=8)
    page.mouse.up()
    page.click("#ai-edit")  # "Save edit"
    page.wait_for_selector("#workspace[data-region-count='2']", timeout=15_000)
    page.wait_for_selector("#ai-layer[data-suggestions='0']", timeout=15_000)
    edited = read.regions.get(ai_suggestion_id=right.pk)
    assert edited.provenance == "ai_edited"
    assert abs(edited.max_x - (right.max_x + 20)) <= 2 and abs(edited.max_y - (right.max_y + 30)) <= 2
    assert (edited.min_x, edited.min_y) == (right.min_x, right.min_y)
    assert SuggestionDecision.objects.get(read=read, suggestion_ref=right.pk).decision == "edited"


def test_never_shows_no_layer_and_a_failed_run_says_why(live_server: Any, browser_page: Any, tmp_path: Path) -> None:
    lab, read = set_up(tmp_path / "never", AIProtocol.NEVER)
    page = browser_page
    log_in(page, live_server.url, lab.reader.username)
    open_read(page, live_server.url, read.pk)
    page.wait_for_selector("#ai-layer[data-state='hidden']")
    assert "never shows AI suggestions" in page.inner_text("#ai-note")
    assert page.locator("[data-suggestion]").count() == 0 and page.locator(".ai-overlay").count() == 0
    settle(page)
    assert_unpainted(page, *LEFT_CENTRE)

    # Under from_start, a run that failed shows its reason instead of a layer.
    lab, read = set_up(tmp_path / "failed", AIProtocol.FROM_START)
    reason = "the model's weights do not match its config: register it again"
    PredictionRun.objects.filter(mosaic=read.mosaic).update(status="failed", error=reason)
    page.context.clear_cookies()
    log_in(page, live_server.url, lab.reader.username)
    open_read(page, live_server.url, read.pk)
    page.wait_for_selector("#ai-layer[data-state='failed']", timeout=15_000)
    assert reason in page.inner_text("#ai-run")
    assert page.locator("[data-suggestion]").count() == 0
