"""Region geometry: what is refused, what is repaired, what is clipped (no database)."""

import math

import pytest
import shapely
from shapely.geometry import box

from annotations.geometry.shapes import (
    MAX_VERTICES,
    GeometryError,
    parse_eraser_geometry,
    parse_region_geometry,
    subtract,
    union,
)


def parse(data: object) -> object:
    return parse_region_geometry(data, width=2000, height=1500)


def test_square_keeps_area_bbox_and_vertex_count() -> None:
    shape = parse({"type": "Polygon", "coordinates": [[[10, 20], [110, 20], [110, 70], [10, 70], [10, 20]]]})
    assert shape.area == 5000
    assert shape.bbox == (10, 20, 110, 70)
    assert shape.vertex_count == 4
    assert shape.to_geojson()["type"] == "Polygon"


def test_unclosed_ring_is_closed() -> None:
    shape = parse({"type": "Polygon", "coordinates": [[[0, 0], [100, 0], [100, 100], [0, 100]]]})
    assert shape.area == 10000


def test_polygon_with_hole_keeps_the_hole() -> None:
    outer = [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]
    hole = [[40, 40], [60, 40], [60, 60], [40, 60], [40, 40]]
    shape = parse({"type": "Polygon", "coordinates": [outer, hole]})
    assert shape.area == 10000 - 400


def test_bow_tie_is_repaired_into_two_triangles() -> None:
    shape = parse({"type": "Polygon", "coordinates": [[[0, 0], [100, 100], [100, 0], [0, 100], [0, 0]]]})
    assert shape.geometry.geom_type == "MultiPolygon"
    assert len(shape.geometry.geoms) == 2
    assert shape.area == pytest.approx(5000)
    assert shape.geometry.is_valid


def test_shape_across_the_edge_is_clipped_to_the_mosaic() -> None:
    shape = parse({"type": "Polygon", "coordinates": [[[1900, 1400], [2100, 1400], [2100, 1600], [1900, 1600]]]})
    assert shape.bbox == (1900, 1400, 2000, 1500)
    assert shape.area == 100 * 100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not an object", "GeoJSON object"),
        ({"type": "Point", "coordinates": [1, 2]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon"}, "non-empty list of rings"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}, "3 distinct points"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [20, 20], [0, 0]]]}, "zero area"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [10, "a"], [20, 0], [0, 0]]]}, "not a number"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [10, None], [20, 0], [0, 0]]]}, "not a number"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [10, math.nan], [20, 0], [0, 0]]]}, "NaN or infinite"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [10, math.inf], [20, 0], [0, 0]]]}, "NaN or infinite"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [10], [20, 0], [0, 0]]]}, "[x, y] positions"),
        ({"type": "Polygon", "coordinates": [[[5000, 5000], [5100, 5000], [5100, 5100]]]}, "entirely outside"),
        ({"type": "Polygon", "coordinates": [[[-50, -50], [0, -50], [0, 0], [-50, 0]]]}, "entirely outside"),
        ({"type": "MultiPolygon", "coordinates": []}, "non-empty list of polygons"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [100, 0], [100, 100], [100, 0], [0, 0]]]}, "nothing polygonal"),
    ],
)
def test_hostile_geometry_is_refused_with_a_message(data: object, message: str) -> None:
    with pytest.raises(GeometryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(data)


def test_more_than_the_vertex_budget_is_refused_before_it_is_built() -> None:
    n = MAX_VERTICES + 1
    ring = [[1000 + 500 * math.cos(2 * math.pi * i / n), 700 + 500 * math.sin(2 * math.pi * i / n)] for i in range(n)]
    with pytest.raises(GeometryError, match="more than 100,000 vertices"):
        parse({"type": "Polygon", "coordinates": [ring]})


def test_union_merges_touching_shapes_into_one_polygon() -> None:
    merged = union([box(0, 0, 10, 10), box(10, 0, 20, 10)])
    assert merged.geometry.geom_type == "Polygon"
    assert merged.area == 200


def test_subtract_that_cuts_a_region_in_two_keeps_one_multipolygon() -> None:
    rest = subtract(box(0, 0, 30, 10), box(10, -5, 20, 15))
    assert rest is not None
    assert rest.geometry.geom_type == "MultiPolygon"
    assert rest.area == 200


def test_subtract_everything_leaves_nothing() -> None:
    assert subtract(box(0, 0, 10, 10), box(-1, -1, 11, 11)) is None


def test_eraser_outside_the_mosaic_is_not_an_error() -> None:
    eraser = parse_eraser_geometry({"type": "Polygon", "coordinates": [[[-50, -50], [-10, -50], [-10, -10]]]})
    assert eraser is not None and shapely.area(eraser) == 800
