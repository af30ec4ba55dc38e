"""Region geometry: parse, validate, repair and clip GeoJSON polygons with shapely 2.

Everything a reader's browser sends passes through ``parse_region_geometry`` before
it is stored, so a stored region is always a valid, non-empty Polygon or
MultiPolygon inside the mosaic, in full-resolution pixel coordinates.

Design decisions:

- Structure is checked before shapely sees anything (types, nesting, numbers,
  finiteness, vertex budget), so hostile input fails fast with a message naming
  what is wrong, and a 10-million-vertex body is refused before it is built.
- Rings need at least three distinct points; an unclosed ring is closed (freehand
  tools often omit the closing point). A ring of zero area is refused.
- Self-intersections are **repaired**, not refused: a freehand lasso that crosses
  itself (a "bow-tie") is the commonest input of all, and refusing it would lose a
  reader's stroke. ``shapely.make_valid`` rebuilds it and only the polygonal part
  is kept; when nothing polygonal of at least ``MIN_AREA_PX`` survives, the shape
  is refused with a 4xx-worthy message.
- Shapes are clipped to the mosaic ``(0, 0, width, height)``; a shape entirely
  outside is refused.

Errors are ``GeometryError`` (a ``ValueError``) with a human message; services
turn them into a ``ValidationError`` on the field they came from.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

MAX_VERTICES = 100_000
# A region smaller than one pixel cannot be drawn or seen; what shrinks below it is gone.
MIN_AREA_PX = 1.0
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")

Polygonal: TypeAlias = Polygon | MultiPolygon


class GeometryError(ValueError):
    """Input that cannot become a region, with a message fit for the user."""


@dataclass(frozen=True)
class RegionShape:
    """A valid polygonal shape and the numbers stored next to it."""

    geometry: Polygonal

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        min_x, min_y, max_x, max_y = self.geometry.bounds
        return float(min_x), float(min_y), float(max_x), float(max_y)

    @property
    def area(self) -> float:
        return float(self.geometry.area)

    @property
    def vertex_count(self) -> int:
        return vertex_count(self.geometry)

    def to_geojson(self) -> dict[str, Any]:
        return to_geojson(self.geometry)


def vertex_count(geometry: Polygonal) -> int:
    """Stored vertices (each ring's closing point counted once, i.e. not at all)."""
    return int(shapely.get_num_coordinates(geometry)) - _ring_count(geometry)


def _ring_count(geometry: Polygonal) -> int:
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    return sum(1 + len(polygon.interiors) for polygon in polygons)


def to_geojson(geometry: Polygonal) -> dict[str, Any]:
    """GeoJSON with lists (not tuples), as stored in the JSON field.

    Built from each ring's coordinate array (``tolist``) rather than by walking
    ``shapely.geometry.mapping``'s nested tuples in Python: this runs on every
    autosave and was a measurable share of it.
    """
    if isinstance(geometry, MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": [_polygon_coordinates(part) for part in geometry.geoms]}
    return {"type": "Polygon", "coordinates": _polygon_coordinates(geometry)}


def _polygon_coordinates(polygon: Polygon) -> list[Any]:
    rings = [polygon.exterior, *polygon.interiors]
    return [shapely.get_coordinates(ring).tolist() for ring in rings]


# --- structure ------------------------------------------------------------------


def _ring_array(ring: Any, where: str) -> np.ndarray:
    if not isinstance(ring, list) or not ring:
        raise GeometryError(f"{where} must be a non-empty list of [x, y] positions")
    try:
        array = np.asarray(ring)
    except ValueError as error:  # ragged nesting
        raise GeometryError(f"{where} must be a list of [x, y] positions") from error
    if array.ndim != 2 or array.shape[1] not in (2, 3):
        raise GeometryError(f"{where} must be a list of [x, y] positions")
    if array.dtype.kind not in "iuf":  # strings, booleans, nulls, nested objects
        raise GeometryError(f"{where} has a coordinate that is not a number")
    array = array[:, :2].astype(np.float64)
    if not np.isfinite(array).all():
        raise GeometryError(f"{where} has a NaN or infinite coordinate")
    if len(array) > 1 and (array[0] == array[-1]).all():
        array = array[:-1]  # drop the closing point; shapely closes rings itself
    # Fewer than 3 distinct points are always collinear, so the (sorting) distinct
    # count is only needed to word the error.
    if _collinear(array):
        if len(np.unique(array, axis=0)) < 3:
            raise GeometryError(f"{where} needs at least 3 distinct points")
        raise GeometryError(f"{where} has zero area (all its points lie on one line)")
    return array


def _collinear(points: np.ndarray) -> bool:
    """Whether every point lies on one line (a ring of zero area, whatever its order).

    The signed shoelace area is no test: a bow-tie's two lobes cancel to zero.
    """
    offsets = points - points[0]
    far = offsets[np.argmax((offsets**2).sum(axis=1))]
    cross = offsets[:, 0] * far[1] - offsets[:, 1] * far[0]
    return bool(np.abs(cross).max() <= 1e-9 * float((far**2).sum()))


def _polygon_rings(coordinates: Any, where: str, budget: list[int]) -> list[np.ndarray]:
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError(f"{where} must be a non-empty list of rings")
    rings = []
    for index, ring in enumerate(coordinates):
        if isinstance(ring, list):
            budget[0] -= len(ring)
            if budget[0] < 0:
                raise GeometryError(f"geometry has more than {MAX_VERTICES:,} vertices")
        name = f"{where} exterior ring" if index == 0 else f"{where} hole {index}"
        rings.append(_ring_array(ring, name))
    return rings


def _build(data: Any) -> Polygonal:
    """A shapely geometry from GeoJSON, structurally checked but not yet made valid."""
    if not isinstance(data, dict):
        raise GeometryError("geometry must be a GeoJSON object")
    kind = data.get("type")
    if kind not in GEOMETRY_TYPES:
        raise GeometryError(f"geometry type must be Polygon or MultiPolygon, not {kind!r}")
    coordinates = data.get("coordinates")
    budget = [MAX_VERTICES]
    if kind == "Polygon":
        rings = _polygon_rings(coordinates, "polygon", budget)
        return Polygon(rings[0], rings[1:])
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError("MultiPolygon coordinates must be a non-empty list of polygons")
    polygons = []
    for index, polygon in enumerate(coordinates):
        rings = _polygon_rings(polygon, f"polygon {index}", budget)
        polygons.append(Polygon(rings[0], rings[1:]))
    return MultiPolygon(polygons)


# --- repair, clip, combine --------------------------------------------------------


def polygonal_part(geometry: shapely.Geometry) -> Polygonal | None:
    """The polygons in ``geometry`` (dropping lines and points), or None if none of any area."""
    if geometry.is_empty:
        return None
    if isinstance(geometry, Polygon | MultiPolygon):
        parts = [geometry]
    else:
        parts = [part for part in getattr(geometry, "geoms", []) if isinstance(part, Polygon | MultiPolygon)]
    polygons: list[Polygon] = []
    for part in parts:
        polygons.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    polygons = [polygon for polygon in polygons if not polygon.is_empty and polygon.area > 0]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _valid(geometry: shapely.Geometry) -> Polygonal | None:
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return polygonal_part(geometry)


def _finish(geometry: Polygonal | None, what: str) -> RegionShape:
    if geometry is None or geometry.area < MIN_AREA_PX:
        raise GeometryError(f"{what} leaves no area of at least {MIN_AREA_PX:g} px²")
    count = vertex_count(geometry)
    if count > MAX_VERTICES:
        raise GeometryError(f"{what} has {count:,} vertices, more than {MAX_VERTICES:,}")
    return RegionShape(geometry=geometry)


def parse_region_geometry(data: Any, *, width: int, height: int) -> RegionShape:
    """Validate, repair and clip GeoJSON ``data`` for a mosaic of ``width`` x ``height`` px.

    Raises GeometryError with a message naming the problem.
    """
    shape = _build(data)
    repaired = _valid(shape)
    if repaired is None or repaired.area < MIN_AREA_PX:
        raise GeometryError("geometry intersects itself and nothing polygonal survives its repair")
    bounds = box(0, 0, width, height)
    if not bounds.contains(repaired):  # the common case (inside) needs no intersection at all
        clipped = repaired.intersection(bounds)
        if clipped.area == 0:
            raise GeometryError(f"geometry lies entirely outside the mosaic (0, 0)-({width}, {height})")
        repaired = polygonal_part(clipped)
    return _finish(repaired, "geometry clipped to the mosaic")


def parse_eraser_geometry(data: Any) -> Polygonal | None:
    """An eraser shape: validated and repaired like a region, never refused for lying outside.

    Returns None when the stroke has no area (nothing to erase).
    """
    return _valid(_build(data))


def shape_from_stored(data: dict[str, Any]) -> Polygonal:
    """A stored (already valid) geometry back into shapely, without re-validating."""
    geometry = shapely.geometry.shape(data)
    assert isinstance(geometry, Polygon | MultiPolygon)
    return geometry


def union(shapes: Iterable[Polygonal]) -> RegionShape:
    """The union of valid shapes (a merge stroke and the regions it touches)."""
    merged = _valid(shapely.union_all(list(shapes)))
    return _finish(merged, "the merged region")


def subtract(geometry: Polygonal, eraser: Polygonal) -> RegionShape | None:
    """``geometry`` minus ``eraser``; None when nothing of at least MIN_AREA_PX is left.

    A region cut in two stays one region (a MultiPolygon).
    """
    rest = _valid(geometry.difference(eraser))
    if rest is None or rest.area < MIN_AREA_PX:
        return None
    return _finish(rest, "the erased region")


def bbox_intersects(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def is_finite_box(values: Sequence[float]) -> bool:
    return len(values) == 4 and all(math.isfinite(v) for v in values) and values[0] <= values[2] and values[1] <= values[3]
