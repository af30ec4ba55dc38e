"""Workspace benchmark: a read of 5,000 regions of 200 vertices in Chromium.

Goals (issues 4 and 13): such a read loads, draws and pans smoothly — first paint
under 1 s, the full read usable under 2 s, panning frame time within 1.3x of the
same page with no regions. Measured in Debian's Chromium (Playwright, headless,
software rendering) against a live Django server on this machine, on a
12,000 x 12,000 px mosaic with a real pyramid:

- first paint: navigation start -> the "workspace:first-draw" mark (page, API calls
  for the read and its regions' stored outlines, OpenSeadragon open, first overlay
  draw of the regions on screen);
- full read usable: navigation start -> the "workspace:full-detail" mark (every
  region's full geometry streamed in, on-screen first: ``src/workspace/detailStream.ts``);
  before issue 13 the page loaded everything at full detail before its first draw,
  so the two were one number;
- bytes of region JSON the page fetched (outlines + full detail, duplicates included);
- frame times while panning: requestAnimationFrame deltas while the view pans a
  little every frame, at "fit" (all regions in view) and zoomed in x8; plus the
  overlay's own draw time per frame (the part the regions cost).

The reference is the same page, same mosaic, same run, for a read with 0 regions;
the two are measured alternately (``--rounds``) so machine load hits both alike.

Run (needs the PostgreSQL and Redis of config.settings.test; makes and drops its own database):

    .venv/bin/python benchmarks/workspace_benchmark.py [--size 12000] [--regions 5000] [--vertices 200] [--rounds 3] [--smoke]
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import ExitStack
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

from benchmarks import smoke  # noqa: E402
from benchmarks.harness import throwaway_database  # noqa: E402
from benchmarks.synthetic_regions import wobbly_ring  # noqa: E402
from tests.run_resources import CHROMIUM_ARGS  # noqa: E402

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


def build(size: int, regions: int, vertices: int) -> dict[str, Any]:
    import pyvips

    from annotations.geometry.shapes import parse_region_geometry
    from annotations.models import Region, Role
    from annotations.services.assignment import read_assign
    from annotations.services.reads import new_region
    from annotations.vocabulary import FeatureLabel
    from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, member
    from tests.mosaic_builders import write_pyramid

    project = ProjectFactory.create()
    mosaic = MosaicFactory.create(case=CaseFactory.create(project=project), um_per_px=0.5)
    # Smooth grey texture (noise upsampled): a real 12k pyramid that compresses like a mosaic.
    texture = pyvips.Image.gaussnoise(size // 8, size // 8, mean=128, sigma=30).resize(8).cast("uchar")
    write_pyramid(mosaic, texture.numpy())
    lead = member(project, Role.LEAD)
    reader = member(project, Role.READER, username="bench-reader", password=PASSWORD)
    reference_reader = member(project, Role.READER, username="bench-reference", password=PASSWORD)
    [read, empty_read] = read_assign(mosaic=mosaic, readers=[reader, reference_reader], by=lead)
    rng = np.random.default_rng(0)
    labels = list(FeatureLabel)
    batch = []
    for index in range(regions):
        cx, cy = rng.uniform(100, size - 100, size=2)
        ring = wobbly_ring(rng, cx, cy, rng.uniform(15, 80), vertices)
        shape = parse_region_geometry({"type": "Polygon", "coordinates": [ring]}, width=size, height=size)
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


def measure(browser: Any, base: str, username: str, read_id: int, args: argparse.Namespace) -> dict[str, Any]:
    frames = args.frames
    width, height = (int(side) for side in args.viewport.split("x"))
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{base}/reads/{read_id}/")
    page.wait_for_selector("#workspace[data-ready='true']", timeout=120_000)
    drawn_at_first_paint = int(page.get_attribute("#workspace", "data-drawn-regions") or 0)
    page.wait_for_selector("#workspace[data-detail='full']", timeout=120_000)
    marks = page.evaluate(
        "Object.fromEntries(['workspace:data-fetched', 'workspace:regions-indexed', 'workspace:first-draw',"
        " 'workspace:full-detail'].map((name) => [name.split(':')[1], performance.getEntriesByName(name)[0].startTime]))"
    )
    first_draw = marks["first-draw"]
    regions = int(page.get_attribute("#workspace", "data-region-count") or 0)
    region_bytes = page.evaluate(
        "performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/regions/'))"
        ".map((entry) => [entry.name.includes('outline=') ? 'outline' : 'full', entry.decodedBodySize])"
    )
    page.evaluate(f"() => {{ {TILES_LOADED} }}")
    drawer = page.evaluate("window.rcmWorkspace.viewer.drawer.getType()")
    # The detail stream's requests: when each was sent, answered, applied (ms since navigation).
    stream = page.evaluate("window.rcmWorkspace.detailStream ? window.rcmWorkspace.detailStream.requested : []")
    # The same requests as the network saw them: where a box's wait went (server, transfer, or the page's
    # main thread, busy, parsing the answer late).
    network = page.evaluate(
        "performance.getEntriesByType('resource').filter((entry) => entry.name.includes('bbox='))"
        ".map((entry) => [entry.startTime, entry.responseStart, entry.responseEnd])"
    )
    for entry, (started, first_byte, ended) in zip(stream, network, strict=False):
        entry.update(first_byte=first_byte - started, transfer=ended - first_byte, parsed_after=entry["answered"] - ended)
    result: dict[str, Any] = {
        "stream": stream,
        "first_draw": first_draw, "full_detail": marks["full-detail"], "marks": marks, "regions": regions,
        "drawer": drawer, "drawn_at_first_paint": drawn_at_first_paint, "region_bytes": region_bytes,
    }  # fmt: skip
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
    pan_ratios: list[float] = []
    row("idle (no panning): frame time median", statistics.median(d for r in reference for d in r["idle"][5:]),
        statistics.median(d for r in bench for d in r["idle"][5:]))  # fmt: skip
    row("first paint: navigation -> regions drawn (median)", statistics.median(r["first_draw"] for r in reference),
        statistics.median(r["first_draw"] for r in bench))  # fmt: skip
    row("full read usable: navigation -> all full detail", statistics.median(r["full_detail"] for r in reference),
        statistics.median(r["full_detail"] for r in bench))  # fmt: skip
    for mark in ("data-fetched", "regions-indexed"):
        row(f"  of which: navigation start -> {mark}", statistics.median(r["marks"][mark] for r in reference),
            statistics.median(r["marks"][mark] for r in bench))  # fmt: skip
    requests = bench[0]["region_bytes"]
    outline_bytes = sum(size for kind, size in requests if kind == "outline")
    full_bytes = sum(size for kind, size in requests if kind == "full")
    lines.append(f"  regions drawn at first paint: {statistics.median(r['drawn_at_first_paint'] for r in bench):.0f}; "
                 f"region JSON fetched: {len(requests)} requests, outlines {outline_bytes / 1e6:.1f} MB, "
                 f"full detail {full_bytes / 1e6:.1f} MB")  # fmt: skip
    stream = bench[-1]["stream"]
    if stream:
        waits = [entry["answered"] - entry["sent"] for entry in stream]
        applies = [entry["applied"] - entry["answered"] for entry in stream]
        if all("first_byte" in entry for entry in stream):
            lines.append("  detail stream per request, medians: first byte {:.0f} ms, transfer {:.0f} ms, "
                         "answer parsed {:.0f} ms after it arrived".format(
                             *(statistics.median(e[key] for e in stream) for key in ("first_byte", "transfer", "parsed_after"))))
        lines.append(f"  detail stream (last round): {len(stream)} box requests, {sum(e['regions'] for e in stream)} regions, "
                     f"first sent {stream[0]['sent']:.0f} ms, last applied {max(e['applied'] for e in stream):.0f} ms; "
                     f"per request: wait median {statistics.median(waits):.0f} ms, apply median "
                     f"{statistics.median(applies):.0f} ms")  # fmt: skip
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
        pan_ratios.append(statistics.median(deltas) / statistics.median(ref_deltas))
        draws = [d for r in bench for d in r[view]["draws"][5:]]
        drawn = [d for r in bench for d in r[view]["drawn"][5:]]
        lines.append(f"  overlay draw per frame at {view}: median {statistics.median(draws):.1f} ms, "
                     f"p95 {percentile(draws, 0.95):.1f} ms, regions drawn median {statistics.median(drawn):.0f}")  # fmt: skip
    first_paint = statistics.median(r["first_draw"] for r in bench)
    full_detail = statistics.median(r["full_detail"] for r in bench)
    lines.append(
        f"goals: first paint {first_paint:.0f} ms (< 1000: {'met' if first_paint < 1000 else 'MISSED'}), "
        f"full read {full_detail:.0f} ms (< 2000: {'met' if full_detail < 2000 else 'MISSED'}), "
        f"pan frame time ratio {max(pan_ratios):.2f}x (<= 1.3: {'met' if max(pan_ratios) <= 1.3 else 'MISSED'})"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=12_000, help="mosaic width and height in pixels")
    parser.add_argument("--regions", type=int, default=5000)
    parser.add_argument("--vertices", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--viewport", default="1400x900", help="browser window, WIDTHxHEIGHT CSS pixels")
    parser.add_argument(
        "--server", choices=["production", "live"], default="production",
        help="production: nginx in front of gunicorn (benchmarks/production_stack.py; needs nginx); "
             "live: Django's one-process live server",
    )  # fmt: skip
    args = smoke.parse_args(
        # 120 x 200 vertices: just past the workspace's STREAM_ABOVE_VERTICES, so the smoke run streams too.
        parser,
        {"size": 1024, "regions": 120, "vertices": 200, "rounds": 1, "frames": 12, "viewport": "640x400",
         "server": "live"},
    )

    from playwright.sync_api import sync_playwright

    with throwaway_database(), ExitStack() as servers:
        start = time.perf_counter()
        world = build(args.size, args.regions, args.vertices)
        print(f"built a {args.size}x{args.size} pyramid and {args.regions} regions of {args.vertices} vertices "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        if args.server == "production":
            from django.contrib.auth.hashers import PBKDF2PasswordHasher

            from benchmarks.production_stack import production_stack
            from users.models import User

            # The test settings' MD5 hashes are not accepted by production's hashers.
            hasher = PBKDF2PasswordHasher()
            User.objects.filter(username__startswith="bench-").update(password=hasher.encode(PASSWORD, hasher.salt()))
            base = servers.enter_context(production_stack(ROOT / "benchmarks" / "out" / "workspace"))
        else:
            server = start_server()
            servers.callback(server.terminate)
            base = f"http://127.0.0.1:{server.port}"
        print(f"server: {args.server} at {base}")
        results: dict[str, list[dict[str, Any]]] = {"reference": [], "regions": []}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for round_number in range(args.rounds):
                for key, username, read in (("reference", "bench-reference", world["empty_read"]),
                                            ("regions", "bench-reader", world["read"])):  # fmt: skip
                    results[key].append(measure(browser, base, username, read.pk, args))
                    latest = results[key][-1]
                    print(f"round {round_number + 1}: {key} first paint {latest['first_draw']:.0f} ms, "
                          f"full read {latest['full_detail']:.0f} ms")  # fmt: skip
            browser.close()
        print(report(results, args))


if __name__ == "__main__":
    main()
