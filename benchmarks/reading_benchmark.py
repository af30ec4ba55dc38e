"""Reading API benchmark: viewport queries and autosave on a read of 5,000 regions of 200 vertices.

Goals (issue 4): the regions in a viewport come back in < 100 ms; an autosave
(PATCH of one region) round trip < 50 ms at the median. A drawing stroke (POST
with merge) is measured too: it is the other write a reader makes constantly. Requests go through
Django's test client (full middleware, session auth, DRF, real PostgreSQL), so
the numbers are server time without the network. Each measurement is shown next
to a reference measured the same way in the same run: an authenticated GET of
/api/vocabulary/ (the API stack without data) and the same request on an empty read.

Run (needs the PostgreSQL of config.settings.test; makes and drops its own database):

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python benchmarks/reading_benchmark.py [--regions 5000] [--smoke]
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks import smoke  # noqa: E402
from benchmarks.harness import throwaway_database  # noqa: E402
from benchmarks.synthetic_regions import wobbly_ring  # noqa: E402


def timed(call: Callable[[], Any], runs: int) -> list[float]:
    call()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code < 300, (response.status_code, response.content[:300])
    return samples


def summary(name: str, samples: list[float], reference: float | None = None, extra: str = "") -> str:
    median = statistics.median(samples)
    p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
    ratio = f"{median / reference:6.1f}x ref" if reference else " " * 10
    return f"{name:<62} median {median:8.2f} ms  p95 {p95:8.2f} ms  max {max(samples):8.2f} ms  {ratio} {extra}"


def build(regions: int, vertices: int) -> dict[str, Any]:
    from annotations.geometry.shapes import parse_region_geometry
    from annotations.models import Region, Role
    from annotations.services.assignment import read_assign
    from annotations.services.reads import new_region
    from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, member

    project = ProjectFactory.create()
    mosaic = MosaicFactory.create(case=CaseFactory.create(project=project), width=12000, height=12000)
    empty_mosaic = MosaicFactory.create(case=CaseFactory.create(project=project), width=12000, height=12000)
    lead = member(project, Role.LEAD)
    reader = member(project, Role.READER)
    [read] = read_assign(mosaic=mosaic, readers=[reader], by=lead)
    [empty_read] = read_assign(mosaic=empty_mosaic, readers=[reader], by=lead)
    rng = np.random.default_rng(0)
    batch = []
    for _ in range(regions):
        cx, cy = rng.uniform(100, 11900, size=2)
        ring = wobbly_ring(rng, cx, cy, rng.uniform(15, 80), vertices)
        shape = parse_region_geometry({"type": "Polygon", "coordinates": [ring]}, width=12000, height=12000)
        batch.append(new_region(read=read, shape=shape, label="atypical_honeycomb", provenance="manual", by=reader))
    Region.objects.bulk_create(batch, batch_size=500)
    single = new_region(read=empty_read, shape=batch[0] and parse_region_geometry(
        {"type": "Polygon", "coordinates": [wobbly_ring(rng, 500, 500, 50, vertices)]}, width=12000, height=12000),
        label="atypical_honeycomb", provenance="manual", by=reader)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotations_region")
    return {"read": read, "empty_read": empty_read, "reader": reader, "single": single}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=5000)
    parser.add_argument("--vertices", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = smoke.parse_args(parser, {"regions": 20, "vertices": 16, "runs": 2})

    # Also drops this run's cache entries and queued checkpoint tasks (no worker runs here).
    with throwaway_database():
        run(args)


def run(args: argparse.Namespace) -> None:
    from annotations.models import Read, Region
    from annotations.selectors.reads import BBox

    start = time.perf_counter()
    world = build(args.regions, args.vertices)
    print(f"built {args.regions} regions of {args.vertices} vertices in {time.perf_counter() - start:.1f} s")
    read, empty_read = world["read"], world["empty_read"]
    client = Client()
    client.force_login(world["reader"])
    lines = []

    reference = timed(lambda: client.get("/api/vocabulary/"), args.runs)
    ref = statistics.median(reference)
    lines.append(summary("reference: GET /api/vocabulary/", reference))
    lines.append(summary("reference: GET regions of an empty read", timed(
        lambda: client.get(f"/api/reads/{empty_read.pk}/regions/?bbox=0,0,1920,1080"), args.runs), ref))  # fmt: skip

    viewports = {
        "1:1 viewport 1920x1080": ("0,0,1920,1080", ""),
        "1:2 viewport 3840x2160": ("4000,4000,7840,6160", ""),
        "whole mosaic (all regions), full geometry": ("0,0,12000,12000", ""),
        "whole mosaic, simplify=6 (1 screen px), warm cache": ("0,0,12000,12000", "&simplify=6"),
        # The stored low-resolution outlines (issue 13): what the workspace opens a large read with.
        "whole mosaic, outline=true (stored outlines)": ("0,0,12000,12000", "&outline=true"),
    }
    for name, (bbox, extra) in viewports.items():
        url = f"/api/reads/{read.pk}/regions/?bbox={bbox}{extra}"
        start = time.perf_counter()
        response = client.get(url)
        if "simplify" in extra:  # the first overview computes and caches the thinned outlines
            cold = (time.perf_counter() - start) * 1000
            lines.append(f"GET regions, {name}: first (cold cache) request {cold:.0f} ms")
        count = len(response.json()["results"])
        size = len(response.content) / 1e6
        runs = args.runs if count < 1000 else max(5, args.runs // 5)
        lines.append(summary(f"GET regions, {name}", timed(partial(client.get, url), runs), ref,
                             f"({count} regions, {size:.1f} MB)"))  # fmt: skip
        if not extra:
            box = BBox(*map(float, bbox.split(",")))
            query = timed(partial(_selector_call, read, box), runs)
            lines.append(summary(f"  selector only (SQL builds the JSON), {name}", query, ref))

    # Autosave: PATCH one region's geometry with its version, as the page does after a vertex drag.
    region = Region.objects.filter(read=read).order_by("id").first()
    assert region is not None
    rng = np.random.default_rng(1)

    def patch(target: Region) -> Any:
        # The region's and its read's versions, as the page holds them (every write names both).
        version, read_version = Region.objects.filter(pk=target.pk).values_list("version", "read__version").get()
        ring = wobbly_ring(rng, (target.min_x + target.max_x) / 2, (target.min_y + target.max_y) / 2, 40, args.vertices)
        return client.patch(f"/api/regions/{target.pk}/", {"version": version, "read_version": read_version,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}, content_type="application/json")  # fmt: skip

    world["single"].save()
    patch_runs = max(args.runs, 100)  # covers the periodic full revision (every 50th)
    lines.append(summary("reference: PATCH a region of a read with 1 region", timed(
        lambda: patch(world["single"]), patch_runs), ref))  # fmt: skip
    lines.append(summary(f"PATCH a region (autosave) of the {args.regions}-region read",
                         timed(lambda: patch(region), patch_runs), ref))  # fmt: skip

    # A brush/polygon stroke (POST with merge=true, the default) inside an existing region:
    # found by the bbox prefilter, unioned with it, the region updated and a revision kept.
    stroke_target = Region.objects.filter(read=read).order_by("-area_px").first()
    assert stroke_target is not None
    centre = ((stroke_target.min_x + stroke_target.max_x) / 2, (stroke_target.min_y + stroke_target.max_y) / 2)

    held = {"read_version": Read.objects.values_list("version", flat=True).get(pk=read.pk)}

    def stroke() -> Any:
        ring = wobbly_ring(rng, centre[0], centre[1], 10, 60)
        response = client.post(f"/api/reads/{read.pk}/regions/", {"label": "atypical_honeycomb", "geometry": {
            "type": "Polygon", "coordinates": [ring]}, "read_version": held["read_version"]},
            content_type="application/json")  # fmt: skip
        held["read_version"] = response.json()["read_version"]  # the page keeps the version each answer names
        return response

    lines.append(summary(f"POST a stroke merged into a region of the {args.regions}-region read",
                         timed(stroke, patch_runs), ref))  # fmt: skip
    print("\n".join(lines))


def _selector_call(read: Any, box: Any) -> "_Ok":
    from annotations.selectors.reads import region_json_in_viewport

    return _Ok(region_json_in_viewport(read=read, bbox=box, mm2_per_px=2.5e-7))


class _Ok:
    status_code = 200

    def __init__(self, value: Any) -> None:
        self.value = value


if __name__ == "__main__":
    main()
