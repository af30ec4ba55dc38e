"""A large read opens with outlines, paints what is on screen, and never saves an outline back (issue 13).

The read has 150 regions of 200 vertices (30,000 vertices: past the workspace's
``STREAM_ABOVE_VERTICES``), so the page opens with the stored low-resolution
outlines and streams the full geometry. To look at the page while it still holds
outlines, the test refuses the streaming requests (``bbox=`` listings) at first:
what is painted then is painted from outlines alone, and an edit then must fetch
the region's full geometry itself.
"""

import re
from typing import Any

import numpy as np
import pytest
from shapely.geometry import shape

from annotations.geometry.shapes import parse_region_geometry
from annotations.models import Region
from annotations.services.reads import new_region
from annotations.vocabulary import FEATURE_LABEL_COLOURS, FeatureLabel
from benchmarks.synthetic_regions import wobbly_ring
from tests.conftest import log_in

from .conftest import ReadingWorld, assert_painted, assert_unpainted, stroke, to_client, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMNS, ROWS, VERTICES, RADIUS = 15, 10, 200, 30
STREAMING = re.compile(r"/regions/\?bbox=")  # the full-detail stream's requests


def centre(column: int, row: int) -> tuple[float, float]:
    return 100.0 + 90 * column, 110.0 + 100 * row


def many_regions(world: ReadingWorld) -> dict[tuple[int, int], Region]:
    """A grid of round regions of 200 vertices over the 1500 x 1200 mosaic, all labelled atypical honeycomb."""
    rng = np.random.default_rng(7)
    regions = {}
    for column in range(COLUMNS):
        for row in range(ROWS):
            ring = wobbly_ring(rng, *centre(column, row), RADIUS, VERTICES)
            shape_ = parse_region_geometry({"type": "Polygon", "coordinates": [ring]}, width=1500, height=1200)
            regions[column, row] = new_region(read=world.read_a, shape=shape_, label=FeatureLabel.ATYPICAL_HONEYCOMB,
                                              provenance="manual", by=world.reader_a)  # fmt: skip
    Region.objects.bulk_create(regions.values())
    return regions


def test_a_large_read_paints_its_outlines_first_and_edits_use_the_full_geometry(
    live_server: Any, browser_page: Any, reading_world: ReadingWorld
) -> None:
    page, read = browser_page, reading_world.read_a
    regions = many_regions(reading_world)
    log_in(page, live_server.url, "ws-reader-a")
    # Hold the page at outlines: the full-detail stream's requests fail.
    page.route(STREAMING, lambda route: route.abort())
    page.set_viewport_size({"width": 1100, "height": 720})
    page.goto(f"{live_server.url}/reads/{read.pk}/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#workspace[data-detail='partial']", timeout=30_000)
    assert page.get_attribute("#workspace", "data-region-count") == str(COLUMNS * ROWS)
    assert page.evaluate("window.rcmWorkspace.editor.outlineCount") == COLUMNS * ROWS
    assert page.evaluate("window.rcmWorkspace.detailStream.failures") >= 1

    # On screen, every region is painted from its outline; between them nothing is.
    honeycomb = FEATURE_LABEL_COLOURS[FeatureLabel.ATYPICAL_HONEYCOMB]
    for column, row in ((0, 0), (7, 4), (14, 9), (3, 8)):
        assert_painted(page, *centre(column, row), honeycomb)
    assert_unpainted(page, centre(0, 0)[0] + 45, centre(0, 0)[1] + 50)

    # Select a region still held as an outline and drag one of its vertices: the handles
    # appear only once its full geometry is in, and the saved shape is the full one moved.
    target = regions[7, 4]
    page.keyboard.press("v")
    page.mouse.click(*to_client(page, *centre(7, 4)))
    page.wait_for_selector(f"#workspace[data-selected='{target.pk}']")
    page.wait_for_function("() => window.rcmWorkspace.renderer.handlePositions().length > 0", timeout=15_000)
    assert page.evaluate("window.rcmWorkspace.editor.outlineCount") == COLUMNS * ROWS - 1
    hx, hy = page.evaluate(
        "window.rcmWorkspace.renderer.handlePositions().reduce((a, b) => (b[1] > a[1] ? b : a))"
    )  # the lowest vertex
    stroke(page, [(hx, hy), (hx, hy + 20), (hx, hy + 40)])
    wait_saved(page)
    page.wait_for_selector("#workspace[data-undo-depth='1']")
    dragged = Region.objects.get(pk=target.pk)
    assert dragged.version == 2
    assert dragged.max_y == pytest.approx(hy + 40, abs=2)
    # The full 200-vertex ring with one vertex moved, not the ~20-vertex outline the page first drew.
    assert dragged.vertex_count >= VERTICES - 2
    unchanged = [p for p in dragged.geometry["coordinates"][0] if p in target.geometry["coordinates"][0]]
    assert len(unchanged) >= VERTICES - 2

    # Relabel another outline region, then undo: the undo step's geometry must be the full one.
    other = regions[3, 2]
    page.mouse.click(*to_client(page, *centre(3, 2)))
    page.wait_for_selector(f"#workspace[data-selected='{other.pk}']")
    page.keyboard.press("Shift+Digit3")  # dendritic cells, for the selected region too
    wait_saved(page)
    page.wait_for_selector("#workspace[data-undo-depth='2']")
    assert Region.objects.get(pk=other.pk).label == FeatureLabel.DENDRITIC_CELLS
    page.keyboard.press("Control+z")
    page.wait_for_selector("#workspace[data-redo-depth='1']")
    wait_saved(page)
    restored = Region.objects.get(pk=other.pk)
    assert restored.label == FeatureLabel.ATYPICAL_HONEYCOMB
    assert restored.geometry == other.geometry  # all 200 vertices, as stored before
    assert shape(restored.geometry).equals(shape(other.geometry))

    # Without the block, the page streams every region's full geometry and still paints them.
    page.unroute(STREAMING)
    page.reload()
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#workspace[data-detail='full']", timeout=30_000)
    assert page.evaluate("window.rcmWorkspace.editor.outlineCount") == 0
    vertex_counts = page.evaluate("window.rcmWorkspace.editor.store.all().map((r) => r.geometry.coordinates[0].length)")
    assert min(vertex_counts) >= VERTICES - 2
    for column, row in ((0, 0), (14, 9)):
        assert_painted(page, *centre(column, row), honeycomb)
    assert_painted(page, *centre(7, 4), honeycomb)
