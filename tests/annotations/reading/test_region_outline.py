"""Every region keeps a low-resolution outline, written with its geometry, listed on request.

The outline is what the workspace paints first when it opens a large read
(``annotations.geometry.outline``). These tests check that each write path stores
the outline of the geometry it stores (never a stale one), that ``outline=true``
lists exactly the stored outlines with every other key as in the full listing, that
the PostgreSQL-written JSON equals the Python rendering, and that the migration's
backfill computes what the services do.
"""

import json
import math
from typing import Any

import numpy as np
import pytest
from django.apps import apps

from annotations.db import has_postgresql_fast_paths
from annotations.geometry.outline import outline_of_stored
from annotations.models import Region
from annotations.selectors.reads import BBox, _region_json_portable, region_json_in_viewport
from benchmarks.synthetic_regions import wobbly_ring

from .conftest import Reading, add_region, square

postgresql_only = pytest.mark.skipif(not has_postgresql_fast_paths(), reason="the PostgreSQL side of a twin")


def wobbly(cx: float, cy: float, radius: float, vertices: int = 200, seed: int = 0) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [wobbly_ring(np.random.default_rng(seed), cx, cy, radius, vertices)]}


def ring_lengths(geometry: dict[str, Any]) -> list[int]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [len(ring) for polygon in polygons for ring in polygon]


def assert_outline_matches_geometry(region: Region) -> None:
    """The stored outline is the outline of the stored geometry (not of an older one)."""
    assert region.outline == outline_of_stored(region.geometry)


def test_a_drawn_region_stores_an_outline_far_smaller_than_its_geometry(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    response = add_region(client, reading.read_a, wobbly(500, 500, 80))
    assert response.status_code == 201, response.content
    region = Region.objects.get(pk=response.json()["created"][0]["id"])
    assert region.outline is not None
    assert_outline_matches_geometry(region)
    assert ring_lengths(region.geometry) == [201]
    assert 8 <= ring_lengths(region.outline)[0] <= 40
    assert len(json.dumps(region.outline)) < len(json.dumps(region.geometry)) / 5
    # Close to the shape: same box within a few pixels, same area within a few percent.
    assert math.isclose(Region.objects.get(pk=region.pk).area_px, _area(region.outline), rel_tol=0.05), (
        "the outline must look like the region"
    )


def _area(geometry: dict[str, Any]) -> float:
    import shapely.geometry

    return float(shapely.geometry.shape(geometry).area)


def test_every_write_path_rewrites_the_outline_with_the_geometry(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    read_url = f"/api/reads/{reading.read_a.pk}"
    first = add_region(client, reading.read_a, wobbly(400, 400, 60)).json()["created"][0]
    outline_drawn = Region.objects.get(pk=first["id"]).outline

    # A merge grows the region: its outline follows.
    merged = add_region(client, reading.read_a, wobbly(480, 400, 60, seed=1)).json()["updated"][0]
    region = Region.objects.get(pk=merged["id"])
    assert region.outline != outline_drawn
    assert_outline_matches_geometry(region)

    # An edit of the geometry (vertex drag).
    patched = client.patch(f"/api/regions/{region.pk}/", {"version": region.version, "geometry": square(300, 300, 90)},
                           format="json")  # fmt: skip
    assert patched.status_code == 200, patched.content
    region.refresh_from_db()
    assert region.outline == square(300, 300, 90)  # four corners: nothing to thin
    assert_outline_matches_geometry(region)

    # An eraser stroke that cuts it in two.
    eraser = {"type": "Polygon", "coordinates": [[[340, 0], [350, 0], [350, 600], [340, 600], [340, 0]]]}
    assert client.post(f"{read_url}/erase/", {"geometry": eraser}, format="json").status_code == 200
    region.refresh_from_db()
    assert region.geometry["type"] == "MultiPolygon" and region.outline is not None
    assert region.outline["type"] == "MultiPolygon"
    assert_outline_matches_geometry(region)

    # A restore brings back an earlier geometry, and the outline of that geometry.
    version = client.get(f"{read_url}/").json()["version"]
    assert client.post(f"{read_url}/history/2/restore/", {"read_version": version}, format="json").status_code == 200
    region.refresh_from_db()
    assert region.outline == outline_drawn
    assert_outline_matches_geometry(region)

    # An import replaces every region: each new one has its outline.
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": wobbly(900, 700, 50, seed=3), "properties": {"label": "clefting"}},
    ]}  # fmt: skip
    version = client.get(f"{read_url}/").json()["version"]
    assert client.put(f"{read_url}/geojson?read_version={version}", collection, format="json").status_code == 200
    [imported] = Region.objects.filter(read=reading.read_a)
    assert_outline_matches_geometry(imported)
    assert ring_lengths(imported.outline) < ring_lengths(imported.geometry)


def test_the_listing_returns_outlines_only_when_asked(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    for index, x in enumerate((300, 700, 1100)):
        assert add_region(client, reading.read_a, wobbly(x, 500, 40 + 20 * index, seed=index)).status_code == 201
    url = f"/api/reads/{reading.read_a.pk}/regions/"
    full = client.get(url).json()
    outlines = client.get(url, {"outline": "true"}).json()
    assert full["detail"] == "full" and outlines["detail"] == "outline"
    assert client.get(url, {"simplify": 4}).json()["detail"] == "simplified"
    stored = {region.pk: region for region in Region.objects.filter(read=reading.read_a)}
    assert [region["id"] for region in outlines["results"]] == [region["id"] for region in full["results"]]
    for listed, complete in zip(outlines["results"], full["results"], strict=True):
        assert listed["geometry"] == stored[listed["id"]].outline
        assert complete["geometry"] == stored[listed["id"]].geometry
        assert listed["geometry"] != complete["geometry"]
        # Everything else is the full region's: its box and area are the full geometry's.
        assert {k: v for k, v in listed.items() if k != "geometry"} == {
            k: v for k, v in complete.items() if k != "geometry"
        }
    # Combined with the viewport box: only the regions there.
    in_box = client.get(url, {"outline": "true", "bbox": "600,400,800,600"}).json()["results"]
    assert [region["id"] for region in in_box] == [
        region["id"] for region in full["results"] if region["bbox"][0] <= 800 and region["bbox"][2] >= 600
    ]


def test_outline_and_simplify_together_are_refused(reading: Reading) -> None:
    response = reading.client(reading.reader_a).get(
        f"/api/reads/{reading.read_a.pk}/regions/", {"outline": "true", "simplify": 4}
    )
    assert response.status_code == 400
    assert "outline" in response.json()


def test_a_peer_of_a_blind_read_gets_no_outlines_either(reading: Reading) -> None:
    assert add_region(reading.client(reading.reader_a), reading.read_a, wobbly(500, 500, 40)).status_code == 201
    response = reading.client(reading.reader_b).get(f"/api/reads/{reading.read_a.pk}/regions/", {"outline": "true"})
    assert response.status_code == 404
    assert "results" not in response.json()


@postgresql_only
@pytest.mark.parametrize("bbox", [None, BBox(0, 0, 700, 600)])
def test_outline_json_written_by_postgresql_matches_the_python_rendering(reading: Reading, bbox: BBox | None) -> None:
    client = reading.client(reading.reader_a)
    for index, x in enumerate((300, 700, 1100)):
        assert add_region(client, reading.read_a, wobbly(x, 500, 40 + 20 * index, seed=index)).status_code == 201
    arguments: dict[str, Any] = {"read": reading.read_a, "bbox": bbox, "min_area": 0, "mm2_per_px": 0.25e-6,
                                 "with_geometry": True, "outline": True}  # fmt: skip
    # A row no service wrote (outline null) is listed with its geometry on both sides. It is one in
    # the viewport: region ids are random, so "the first by id" may lie outside it.
    in_view = [region_id for region_id, _, _ in region_json_in_viewport(**arguments)]
    Region.objects.filter(pk=min(in_view)).update(outline=None)
    fast = region_json_in_viewport(**arguments)
    portable = _region_json_portable(**arguments)
    assert fast
    assert [(i, u) for i, u, _ in fast] == [(i, u) for i, u, _ in portable]
    for (_, _, fast_text), (_, _, portable_text) in zip(fast, portable, strict=True):
        fast_region, portable_region = json.loads(fast_text), json.loads(portable_text)
        assert fast_region == portable_region
        assert list(fast_region) == list(portable_region)
    nulled = [json.loads(text) for region_id, _, text in fast if Region.objects.get(pk=region_id).outline is None]
    assert nulled and all(region["geometry"] == Region.objects.get(pk=region["id"]).geometry for region in nulled)


def test_the_migration_backfill_computes_what_the_services_store(reading: Reading) -> None:
    from importlib import import_module

    backfill = import_module("annotations.migrations.0004_region_outline").backfill_outlines
    client = reading.client(reading.reader_a)
    for index, x in enumerate((300, 700)):
        assert add_region(client, reading.read_a, wobbly(x, 500, 50, seed=index)).status_code == 201
    # This read's regions only: rows left by other tests (committed by transactional ones) are not its business.
    regions = Region.objects.filter(read=reading.read_a)
    written = {region.pk: region.outline for region in regions}
    assert len(written) == 2 and all(written.values())
    regions.update(outline=None)
    backfill(apps, None)
    assert {region.pk: region.outline for region in regions.all()} == written
