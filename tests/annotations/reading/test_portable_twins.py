"""The portable (SQLite, `make run`) twins of the PostgreSQL fast paths give the same answers."""

import json
from typing import Any

from annotations.selectors.reads import BBox, _region_json_portable, region_json_in_viewport
from tests.annotations.reading.conftest import Reading, square


def test_viewport_json_twin_matches_the_postgresql_path(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    for x in (100, 400, 900):
        response = client.post(
            f"/api/reads/{reading.read_a.pk}/regions/",
            {"label": "clefting", "geometry": square(x, 100, 50 + x / 10)},
            format="json",
        )
        assert response.status_code == 201, response.content
    arguments: dict[str, Any] = {"read": reading.read_a, "bbox": BBox(0, 0, 700, 400), "min_area": 0,
                                 "mm2_per_px": 0.25e-6, "with_geometry": True}  # fmt: skip
    fast = region_json_in_viewport(**arguments)
    portable = _region_json_portable(**arguments)
    assert [(i, u) for i, u, _ in fast] == [(i, u) for i, u, _ in portable]
    assert [json.loads(text) for _, _, text in fast] == [json.loads(text) for _, _, text in portable]
    assert len(fast) == 2
