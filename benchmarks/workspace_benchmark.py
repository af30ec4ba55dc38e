"""Workspace benchmark: a read of 5,000 regions of 200 vertices in Chromium.

Goal (issue 4): such a read loads, draws and pans smoothly. Measured in Debian's
Chromium (Playwright, headless, software rendering) against a live Django server
on this machine, on a 12,000 x 12,000 px mosaic with a real pyramid:

- time to first draw: navigation start -> the "workspace:first-draw" mark (page,
  API calls for the read and all its regions, OpenSeadragon open, first overlay draw);
- frame times while panning: requestAnimationFrame deltas while the view pans a
  little every frame, at "fit" (all regions in view) and zoomed in x8; plus the
  overlay's own draw time per frame (the part the regions cost).

The reference is the same page, same mosaic, same run, for a read with 0 regions;
the two are measured alternately (``--rounds``) so machine load hits both alike.

Run (needs the PostgreSQL and Redis of config.settings.test; makes and drops its own database):

    .venv/bin/python benchmarks/workspace_benchmark.py [--regions 5000] [--vertices 200] [--rounds 3]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402

from benchmarks.harness import throwaway_database  # noqa: E402
from benchmarks.synthetic_regions import wobbly_ring  # noqa: E402
from tests.run_resources import CHROMIUM_ARGS  # noqa: E402

SIZE = 12_000
PASSWORD = "bench-pw"  # noqa: S105 - a throwaway user in a throwaway database

# Waits (at most 20 s) until the tiles of the current view are in, so that tile
# decoding does not land in the frames measured.
TILES_LOADED = """window.tilesLoaded = (viewer) => new Promise((resolve) => {
  const item = viewer.world.getItemAt(0);
  setTimeout(resolve, 20000);
  const check = () => (item.getFullyLoaded() ? resolve() : setTimeout(check, 50));
  setTimeout(check, 100);
});"""

# Pans the view a little every animation frame and records the frame deltas and
# the overlay's draw time of each frame.
PAN_SCRIPT = """async ([frames, zoom]) => {
  const ws = window.rcmWorkspace;
  const viewport = ws.viewer.viewport;
  viewport.goHome(true);
  if (zoom > 1) viewport.zoomBy(zoom, undefined, true);
  viewport.applyConstraints(true);
  await window.tilesLoaded(ws.viewer);
  const deltas = [], draws = [], drawn = [];
  let last = performance.now();
  const step = 0.004 / zoom;
  for (let i = 0; i < frames; i++) {
    const direction = Math.floor(i / 60) % 2 === 0 ? 1 : -1;
    const center = viewport.getCenter();
    center.x += step * direction;
    center.y += (step * direction) / 2;
    viewport.panTo(center, true);
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = performance.now();
    deltas.push(now - last);
    last = now;
    draws.push(ws.renderer.lastStats.milliseconds);
    drawn.push(ws.renderer.lastStats.regions);
  }
  return {deltas, draws, drawn};
}"""


# Frame deltas with nothing moving: the floor this browser and machine give.
IDLE_SCRIPT = """async (frames) => {
  await window.tilesLoaded(window.rcmWorkspace.viewer);
  const deltas = [];
  let last = performance.now();
  for (let i = 0; i < frames; i++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = performance.now();
    deltas.push(now - last);
    last = now;
  }
  return deltas;
}"""


def build(regions: int, vertices: int) -> dict[str, Any]:
    import pyvips

    from annotations.models import Region, Role
    from annotations.reading.geometry import parse_region_geometry
    from annotations.services.assignment import read_assign
    from annotations.services.reads import new_region
    from annotations.vocabulary import FeatureLabel
    from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, member
    from tests.mosaic_builders import write_pyramid

    project = ProjectFactory()
    mosaic = MosaicFactory(case=CaseFactory(project=project), um_per_px=0.5)
    # Smooth grey texture (noise upsampled): a real 12k pyramid that compresses like a mosaic.
    texture = pyvips.Image.gaussnoise(SIZE // 8, SIZE // 8, mean=128, sigma=30).resize(8).cast("uchar")
    write_pyramid(mosaic, texture.numpy())
    lead = member(project, Role.LEAD)
    reader = member(project, Role.READER, username="bench-reader", password=PASSWORD)
    reference_reader = member(project, Role.READER, username="bench-reference", password=PASSWORD)
    [read, empty_read] = read_assign(mosaic=mosaic, readers=[reader, reference_reader], by=lead)
    rng = np.random.default_rng(0)
    labels = list(FeatureLabel)
    batch = []
    for index in range(regions):
        cx, cy = rng.uniform(100, SIZE - 100, size=2)
        ring = wobbly_ring(rng, cx, cy, rng.uniform(15, 80), vertices)
        shape = parse_region_geometry({"type": "Polygon", "coordinates": [ring]}, width=SIZE, height=SIZE)
        label = labels[index % len(labels)]
        batch.append(new_region(read=read, shape=shape, label=label, provenance="manual", by=reader))
    Region.objects.bulk_create(batch, batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotations_region")
    return {"read": read, "empty_read": empty_read}


def start_server() -> Any:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server


def measure(browser: Any, base: str, username: str, read_id: int, frames: int) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{base}/reads/{read_id}/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=120_000)
    marks = page.evaluate(
        "Object.fromEntries(['workspace:data-fetched', 'workspace:regions-indexed', 'workspace:first-draw']"
        ".map((name) => [name.split(':')[1], performance.getEntriesByName(name)[0].startTime]))"
    )
    first_draw = marks["first-draw"]
    regions = int(page.get_attribute("#workspace", "data-region-count") or 0)
    page.evaluate(f"() => {{ {TILES_LOADED} }}")
    drawer = page.evaluate("window.rcmWorkspace.viewer.drawer.getType()")
    result: dict[str, Any] = {"first_draw": first_draw, "marks": marks, "regions": regions, "drawer": drawer}
    result["idle"] = page.evaluate(IDLE_SCRIPT, frames // 2)
    for name, zoom in (("fit", 1), ("zoom x8", 8)):
        result[name] = page.evaluate(PAN_SCRIPT, [frames, zoom])
    context.close()
    return result


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]


def report(results: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> str:
    reference, bench = results["reference"], results["regions"]
    heading = f"{bench[0]['regions']} regions"
    lines = [f"{'measure':<52}{'reference (0 regions)':>24}{heading:>18}{'ratio':>9}"]

    def row(name: str, ref: float, value: float, unit: str = "ms") -> None:
        ratio = value / ref if ref else float("nan")
        lines.append(f"{name:<52}{ref:>21.1f} {unit}{value:>15.1f} {unit}{ratio:>8.2f}x")

    lines.append(f"OpenSeadragon drawer: {bench[0]['drawer']}")
    row("idle (no panning): frame time median", statistics.median(d for r in reference for d in r["idle"][5:]),
        statistics.median(d for r in bench for d in r["idle"][5:]))  # fmt: skip
    row("time to first draw (median of rounds)", statistics.median(r["first_draw"] for r in reference),
        statistics.median(r["first_draw"] for r in bench))  # fmt: skip
    for mark in ("data-fetched", "regions-indexed"):
        row(f"  of which: navigation start -> {mark}", statistics.median(r["marks"][mark] for r in reference),
            statistics.median(r["marks"][mark] for r in bench))  # fmt: skip
    for view in ("fit", "zoom x8"):
        ref_deltas = [d for r in reference for d in r[view]["deltas"][5:]]
        deltas = [d for r in bench for d in r[view]["deltas"][5:]]
        row(f"pan at {view}: frame time median", statistics.median(ref_deltas), statistics.median(deltas))
        row(f"pan at {view}: frame time p95", percentile(ref_deltas, 0.95), percentile(deltas, 0.95))
        row(
            f"pan at {view}: frames over 50 ms (count)",
            sum(d > 50 for d in ref_deltas),
            sum(d > 50 for d in deltas),
            "  ",
        )
        draws = [d for r in bench for d in r[view]["draws"][5:]]
        drawn = [d for r in bench for d in r[view]["drawn"][5:]]
        lines.append(f"  overlay draw per frame at {view}: median {statistics.median(draws):.1f} ms, "
                     f"p95 {percentile(draws, 0.95):.1f} ms, regions drawn median {statistics.median(drawn):.0f}")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=5000)
    parser.add_argument("--vertices", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=240)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with throwaway_database():
        server = None
        try:
            start = time.perf_counter()
            world = build(args.regions, args.vertices)
            print(f"built a {SIZE}x{SIZE} pyramid and {args.regions} regions of {args.vertices} vertices "
                  f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
            server = start_server()
            base = f"http://127.0.0.1:{server.port}"
            results: dict[str, list[dict[str, Any]]] = {"reference": [], "regions": []}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for round_number in range(args.rounds):
                    for key, username, read in (("reference", "bench-reference", world["empty_read"]),
                                                ("regions", "bench-reader", world["read"])):  # fmt: skip
                        results[key].append(measure(browser, base, username, read.pk, args.frames))
                        print(f"round {round_number + 1}: {key} first draw {results[key][-1]['first_draw']:.0f} ms")
                browser.close()
            print(report(results, args))
        finally:
            if server is not None:
                server.terminate()

if __name__ == "__main__":
    main()
