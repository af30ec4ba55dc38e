"""A blind-reading project with one real (pyramid-backed) mosaic assigned to two readers, and workspace helpers."""

from dataclasses import dataclass
from typing import Any

import pytest

from annotations.models import Read, Role
from annotations.services.assignment import read_assign
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member
from tests.mosaic_builders import ready_mosaic


@dataclass
class ReadingWorld:
    mosaic: Any
    lead: Any
    reader_a: Any
    reader_b: Any
    read_a: Read
    read_b: Read


@pytest.fixture
def reading_world() -> ReadingWorld:
    """Built per test (browser tests use transactional databases); the pyramid is 1500 x 1200 px."""
    project = ProjectFactory(blind_reading=True)
    mosaic = ready_mosaic(case=CaseFactory(project=project, center=CenterFactory()), um_per_px=0.5)
    lead = member(project, Role.LEAD, username="ws-lead")
    reader_a = member(project, Role.READER, username="ws-reader-a")
    reader_b = member(project, Role.READER, username="ws-reader-b")
    read_a, read_b = read_assign(mosaic=mosaic, readers=[reader_a, reader_b], by=lead)
    return ReadingWorld(mosaic, lead, reader_a, reader_b, read_a, read_b)


def open_workspace(page: Any, base_url: str, read: Read) -> None:
    """Open the workspace and wait until the image is open and the regions are drawn."""
    # A smaller window than the default: Chromium paints in software here, and every pixel costs.
    page.set_viewport_size({"width": 1100, "height": 720})
    page.goto(f"{base_url}/reads/{read.pk}/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=30_000)


def to_client(page: Any, x: float, y: float) -> tuple[float, float]:
    """Image pixel -> page coordinates, from the viewer's own transform."""
    return to_clients(page, [(x, y)])[0]


def to_clients(page: Any, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    # The workspace exposes rcmWorkspace, the viewer page rcmPage: both have imageToClient.
    converted = page.evaluate(
        "(points) => points.map(([x, y]) => (window.rcmWorkspace || window.rcmPage).imageToClient(x, y))", points
    )
    return [(float(x), float(y)) for x, y in converted]


def wait_saved(page: Any, regions: int | None = None) -> None:
    """Wait for the autosave to settle (and for the page to hold ``regions`` regions)."""
    page.wait_for_selector("#workspace[data-save-state='saved']", timeout=15_000)
    if regions is not None:
        page.wait_for_selector(f"#workspace[data-region-count='{regions}']", timeout=15_000)
    page.wait_for_function("() => window.rcmWorkspace.queue.state === 'saved'", timeout=15_000)


def stroke(page: Any, points: list[tuple[float, float]]) -> None:
    """Press at the first image point, move through the others, release (real mouse events)."""
    first, *rest = to_clients(page, points)
    page.mouse.move(*first)
    page.mouse.down()
    for point in rest:
        page.mouse.move(*point, steps=4)
    page.mouse.up()


def click_polygon(page: Any, vertices: list[tuple[float, float]]) -> None:
    """Click the vertices (far apart, so never read as a double-click) and close with Enter."""
    for vertex in to_clients(page, vertices):
        page.mouse.click(*vertex)
    page.keyboard.press("Enter")


def tint_at(page: Any, x: float, y: float, radius: int = 4, *, to_y: float | None = None) -> tuple[float, float, float]:
    """The mean colour on screen around image point (x, y), minus its own grey level.

    The mosaic is grey (R = G = B); a region's translucent fill tints it towards the
    label's colour. What is left after subtracting the mean channel is that tint: zero
    where nothing is painted. With ``to_y`` the patch is a vertical strip from y to
    ``to_y`` (``radius`` px each side), to catch a thin (dashed) outline.
    """
    import io

    import numpy as np
    from PIL import Image

    cx, cy = to_client(page, x, y)
    bottom = to_client(page, x, to_y)[1] if to_y is not None else cy
    clip = {"x": cx - radius, "y": cy - radius, "width": 2 * radius + 1, "height": bottom - cy + 2 * radius + 1}
    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB"), dtype=np.float64)
    mean = pixels.reshape(-1, 3).mean(axis=0)
    tint = mean - mean.mean()
    return float(tint[0]), float(tint[1]), float(tint[2])


def assert_painted(page: Any, x: float, y: float, colour: str, **patch: Any) -> None:
    """The screen at image point (x, y) is tinted towards ``colour`` ("#rrggbb")."""
    import numpy as np

    label = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    expected = label - label.mean()
    tint = np.array(tint_at(page, x, y, **patch))
    cosine = float(tint @ expected / (np.linalg.norm(tint) * np.linalg.norm(expected) + 1e-9))
    assert np.linalg.norm(tint) > 15 and cosine > 0.9, f"at ({x}, {y}) the screen is tinted {tint}, not {colour}"


def assert_unpainted(page: Any, x: float, y: float, **patch: Any) -> None:
    """Nothing is drawn over the grey mosaic at image point (x, y)."""
    import numpy as np

    tint = np.array(tint_at(page, x, y, **patch))
    assert np.linalg.norm(tint) < 6, f"at ({x}, {y}) the screen is tinted {tint}: something is drawn there"
