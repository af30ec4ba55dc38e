"""Hostile and broken input: each a 4xx with a clear message, and nothing saved is altered."""

import json
import math
from typing import Any

import pytest

from annotations.models import Read, Region

from .conftest import Reading, add_region, square

BIG_RING = [[1000 + 600 * math.cos(2 * math.pi * i / 100_001), 700 + 600 * math.sin(2 * math.pi * i / 100_001)]
            for i in range(100_001)]  # fmt: skip

HOSTILE: list[tuple[str, Any, str, str]] = [
    ("not geojson", {"label": "clefting", "geometry": "POLYGON((0 0, 1 1))"}, "geometry", "GeoJSON object"),
    ("point", {"label": "clefting", "geometry": {"type": "Point", "coordinates": [1, 2]}}, "geometry", "Polygon or"),
    ("missing coordinates", {"label": "clefting", "geometry": {"type": "Polygon"}}, "geometry", "list of rings"),
    ("zero-area ring", {"label": "clefting", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [5, 5], [9, 9]]]}},
     "geometry", "zero area"),
    ("spike that repairs to nothing", {"label": "clefting", "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [100, 0], [100, 100], [100, 0], [0, 0]]]}},
     "geometry", "nothing polygonal"),
    ("string coordinate", {"label": "clefting", "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], ["9", 0], [9, 9], [0, 0]]]}}, "geometry", "not a number"),
    ("outside the mosaic", {"label": "clefting", "geometry": square(5000, 5000, 10)}, "geometry", "entirely outside"),
    ("negative outside", {"label": "clefting", "geometry": square(-100, -100, 50)}, "geometry", "entirely outside"),
    ("over 100,000 vertices", {"label": "clefting", "geometry": {"type": "Polygon", "coordinates": [BIG_RING]}},
     "geometry", "more than 100,000 vertices"),
    ("unknown label", {"label": "melanoma-ish", "geometry": square(0, 0, 10)}, "label", "unknown label"),
    ("unknown provenance", {"label": "clefting", "geometry": square(0, 0, 10), "provenance": "guessed"},
     "provenance", "unknown provenance"),
    ("unknown field", {"label": "clefting", "geometry": square(0, 0, 10), "colour": "red"}, "colour", "unknown"),
]  # fmt: skip


@pytest.fixture
def drawn(reading: Reading) -> Reading:
    add_region(reading.client(reading.reader_a), reading.read_a, square(100, 100, 100), label="clefting")
    return reading


def _saved_state(read: Read) -> tuple[int, list[tuple[Any, ...]]]:
    regions = Region.objects.filter(read=read).order_by("id").values_list("id", "version", "label", "geometry")
    return Read.objects.get(pk=read.pk).version, list(regions)


@pytest.mark.parametrize(("case", "payload", "field", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_region_is_refused_and_nothing_changes(
    drawn: Reading, case: str, payload: Any, field: str, message: str
) -> None:
    before = _saved_state(drawn.read_a)
    response = drawn.client(drawn.reader_a).post(f"/api/reads/{drawn.read_a.pk}/regions/", payload, format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert _saved_state(drawn.read_a) == before


@pytest.mark.parametrize(("case", "payload", "field", "message"), HOSTILE[:9], ids=[h[0] for h in HOSTILE[:9]])
def test_hostile_geometry_in_a_region_edit_is_refused_and_nothing_changes(
    drawn: Reading, case: str, payload: Any, field: str, message: str
) -> None:
    region = Region.objects.get(read=drawn.read_a)
    before = _saved_state(drawn.read_a)
    response = drawn.client(drawn.reader_a).patch(
        f"/api/regions/{region.pk}/", {"version": region.version, "geometry": payload["geometry"]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["geometry"])
    assert _saved_state(drawn.read_a) == before


def test_nan_in_the_json_body_is_a_400(drawn: Reading) -> None:
    before = _saved_state(drawn.read_a)
    body = '{"label": "clefting", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [NaN, 0], [9, 9], [0, 0]]]}}'
    response = drawn.client(drawn.reader_a).post(
        f"/api/reads/{drawn.read_a.pk}/regions/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert _saved_state(drawn.read_a) == before


def test_infinity_in_the_json_body_is_a_400(drawn: Reading) -> None:
    before = _saved_state(drawn.read_a)
    body = json.dumps({"label": "clefting", "geometry": square(0, 0, 10)}).replace("10]", "Infinity]", 1)
    response = drawn.client(drawn.reader_a).post(
        f"/api/reads/{drawn.read_a.pk}/regions/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert _saved_state(drawn.read_a) == before


def test_a_self_intersecting_lasso_is_repaired_not_refused(reading: Reading) -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [100, 100], [100, 0], [0, 100], [0, 0]]]}
    response = add_region(reading.client(reading.reader_a), reading.read_a, bow_tie)
    assert response.status_code == 201
    assert response.json()["created"][0]["geometry"]["type"] == "MultiPolygon"
    assert response.json()["created"][0]["area_px"] == pytest.approx(5000)


def test_a_shape_across_the_edge_is_clipped_to_the_mosaic(reading: Reading) -> None:
    response = add_region(reading.client(reading.reader_a), reading.read_a, square(1950, 1450, 100))
    assert response.json()["created"][0]["bbox"] == [1950, 1450, 2000, 1500]


def test_absurdly_nested_json_is_a_400_not_a_crash(drawn: Reading) -> None:
    before = _saved_state(drawn.read_a)
    body = '{"label": "clefting", "geometry": {"type": "Polygon", "coordinates": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = drawn.client(drawn.reader_a).post(
        f"/api/reads/{drawn.read_a.pk}/regions/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert _saved_state(drawn.read_a) == before
