"""The PostgreSQL fast paths and their portable twins give the same answers.

Twins that remain: how each kind of region value renders in SQL and in Python
(``annotations.selectors.region_json``: the viewport's JSON is written by
PostgreSQL, every other region object by Python), and the revision delta insert
(``annotations.services.revisions``). Regions of every viewport variant and every
revision written are compared key by key, key order included. On SQLite
(``tests/test_make_run_profile.py`` runs this module there) only the portable side
exists: the direct comparisons skip, the response-level ones still run.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from annotations.db import has_postgresql_fast_paths
from annotations.models import Read, ReadRevision, Region
from annotations.selectors.reads import BBox, _region_json_portable, region_json_in_viewport
from annotations.selectors.region_json import API_KEYS, REVISION_KEYS
from annotations.services import revisions
from annotations.services.revisions import revision_checkpoint, revision_state

from .conftest import Reading, add_region, square

postgresql_only = pytest.mark.skipif(not has_postgresql_fast_paths(), reason="the PostgreSQL side of a twin")


def _draw_varied_regions(reading: Reading) -> list[dict[str, Any]]:
    """Regions that differ in every key: sizes, labels, provenance, a MultiPolygon, a whole-second timestamp."""
    client = reading.client(reading.reader_a)
    for index, x in enumerate((100, 400, 900, 1300)):
        response = add_region(
            client, reading.read_a, square(x, 100, 50 + x / 7), label=("clefting", "dark_shadows")[index % 2],
            provenance=("manual", "ai_accepted")[index % 2], merge=False,
        )  # fmt: skip
        assert response.status_code == 201, response.content
    # An eraser stroke through one region leaves a MultiPolygon.
    eraser = {"type": "Polygon", "coordinates": [[[420, 0], [430, 0], [430, 400], [420, 400], [420, 0]]]}
    assert client.post(f"/api/reads/{reading.read_a.pk}/erase/", {"geometry": eraser}, format="json").status_code == 200
    # A timestamp on a whole second: formats that drop zero microseconds would differ here.
    first = Region.objects.filter(read=reading.read_a).order_by("id").first()
    assert first is not None
    Region.objects.filter(pk=first.pk).update(created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    return [json.loads(text) for _, _, text in _region_json_portable(
        read=reading.read_a, bbox=None, min_area=0, mm2_per_px=1e-6, with_geometry=True)]  # fmt: skip


@postgresql_only
@pytest.mark.parametrize("with_geometry", [True, False])
@pytest.mark.parametrize("bbox", [None, BBox(0, 0, 700, 400)])
@pytest.mark.parametrize("min_area", [0, 5000])
def test_viewport_json_written_by_postgresql_matches_the_python_rendering(
    reading: Reading, with_geometry: bool, bbox: BBox | None, min_area: float
) -> None:
    regions = _draw_varied_regions(reading)
    assert any(region["geometry"]["type"] == "MultiPolygon" for region in regions)
    arguments: dict[str, Any] = {"read": reading.read_a, "bbox": bbox, "min_area": min_area,
                                 "mm2_per_px": 0.1234567e-6, "with_geometry": with_geometry}  # fmt: skip
    fast = region_json_in_viewport(**arguments)
    portable = _region_json_portable(**arguments)
    assert fast, "the variant must return regions to compare"
    assert [(i, u) for i, u, _ in fast] == [(i, u) for i, u, _ in portable]
    for (_, _, fast_text), (_, _, portable_text) in zip(fast, portable, strict=True):
        fast_region, portable_region = json.loads(fast_text), json.loads(portable_text)
        assert fast_region == portable_region
        assert list(fast_region) == list(portable_region)  # same keys in the same order


def test_a_region_is_the_same_object_in_every_response(reading: Reading) -> None:
    """Write results, the region endpoint and the viewport listing (SQL-built on PostgreSQL) agree."""
    client = reading.client(reading.reader_a)
    created = add_region(client, reading.read_a, square(100, 100, 120)).json()["created"][0]
    patched = client.patch(f"/api/regions/{created['id']}/", {"version": created["version"], "label": "dark_shadows"},
                           format="json").json()  # fmt: skip
    fetched = client.get(f"/api/regions/{created['id']}/").json()
    listed = client.get(f"/api/reads/{reading.read_a.pk}/regions/").json()["results"]
    assert list(created) == list(API_KEYS) and created["label"] == "atypical_honeycomb"
    assert patched == fetched == listed[0]
    assert list(listed[0]) == list(API_KEYS)


def _revision_rows(read: Read, numbers: list[int]) -> list[tuple[Any, ...]]:
    rows = ReadRevision.objects.filter(read=read, number__in=numbers).order_by("number")
    return [(row.action, row.created_by_id, row.snapshot) for row in rows]


@postgresql_only
def test_revision_delta_insert_matches_its_portable_twin(reading: Reading) -> None:
    _draw_varied_regions(reading)
    # The peer's regions must not count for this read.
    assert add_region(reading.client(reading.reader_b), reading.read_b, square(10, 10, 30)).status_code == 201
    read = Read.objects.get(pk=reading.read_a.pk)
    region = Region.objects.filter(read=read).order_by("id").first()
    assert region is not None
    delta = {"kind": "delta", "fields": revisions.read_fields(read), "upserted": [revisions.region_state(region)],
             "deleted": [987654]}  # fmt: skip
    with transaction.atomic():
        for number, insert in ((900, revisions._insert_delta), (901, revisions._insert_delta_portable)):
            assert insert(read=read, number=number, action="twin", by=reading.reader_a, snapshot=delta) is True
    fast, portable = _revision_rows(read, [900, 901])
    assert fast == portable
    assert fast[2]["region_count"] == Region.objects.filter(read=read).count() == 4

    # A read without any revision: neither inserts (the caller writes a full snapshot instead).
    bare = Read.objects.get(pk=reading.read_b.pk)
    ReadRevision.objects.filter(read=bare).delete()
    for insert in (revisions._insert_delta, revisions._insert_delta_portable):
        assert insert(read=bare, number=5, action="twin", by=None, snapshot=delta) is False
    assert not ReadRevision.objects.filter(read=bare).exists()


def test_every_way_of_keeping_a_state_rebuilds_the_same_regions(
    reading: Reading, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deltas, a full snapshot of the live regions and a checkpoint rebuilt from history agree."""
    monkeypatch.setattr(revisions, "FULL_EVERY", 4)
    _draw_varied_regions(reading)
    read = Read.objects.get(pk=reading.read_a.pk)
    live = revisions._full_snapshot(read)
    from_deltas = revision_state(read=read, number=read.version)
    assert from_deltas is not None
    assert sorted(from_deltas["regions"], key=lambda region: region["id"]) == live["regions"]
    assert from_deltas["fields"] == live["fields"]
    assert all(list(region) == list(REVISION_KEYS) for region in live["regions"])
    assert revision_checkpoint(read_id=read.pk, number=read.version) is True
    assert revision_state(read=read, number=read.version) == from_deltas
    # A revision keeps a region as the API shows it, less what is derived (area in mm², timestamps).
    api = {region["id"]: region for region in json.loads(
        "[" + ",".join(text for _, _, text in region_json_in_viewport(read=read, mm2_per_px=1e-6)) + "]")}  # fmt: skip
    for kept in live["regions"]:
        assert kept == {key: api[kept["id"]][key] for key in REVISION_KEYS}
