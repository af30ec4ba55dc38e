"""A region's low-resolution outline: what the workspace paints before full detail arrives.

A read of 5,000 regions of 200 vertices is ~22 MB of GeoJSON; a reader opening it
sees the whole mosaic, where each region covers a few dozen screen pixels. The
outline is the region thinned (Douglas–Peucker, ``shapely.simplify``) at a
tolerance relative to its own size, ``OUTLINE_FRACTION`` of its bounding box's
longer side, so it looks right up to about that many screen pixels across whatever
the region's size: ~10–16 vertices for a round region instead of 200. Coordinates
are rounded to ``OUTLINE_DECIMALS`` (the outline is an approximation anyway; this
halves its JSON).

It is computed when a region is written (every write service stores it with the
geometry) and stored beside it (``Region.outline``), so listing outlines costs the
database a column read and Python nothing. It is for display only: topology is not
preserved, and nothing ever writes an outline back as a region's geometry (the
workspace fetches the full geometry before any edit). A part that would collapse
keeps a topology-preserving thinning, and a region that would vanish keeps its full
geometry.
"""

from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .shapes import Polygonal, shape_from_stored, to_geojson

# Tolerance as a fraction of the bounding box's longer side (1/64: under half a
# pixel of error while the region spans fewer than ~32 screen pixels).
OUTLINE_FRACTION = 1 / 64
OUTLINE_DECIMALS = 1


def _thinned(geometry: Polygonal, tolerance: float, preserve_topology: bool) -> BaseGeometry:
    thinned = shapely.simplify(geometry, tolerance, preserve_topology=preserve_topology)
    return shapely.transform(thinned, lambda coords: np.round(coords, OUTLINE_DECIMALS))


def region_outline(geometry: Polygonal) -> dict[str, Any]:
    """The GeoJSON outline of a stored (valid, non-empty) region geometry."""
    min_x, min_y, max_x, max_y = geometry.bounds
    tolerance = max(max_x - min_x, max_y - min_y) * OUTLINE_FRACTION
    for preserve_topology in (False, True):
        thinned = _thinned(geometry, tolerance, preserve_topology)
        if not thinned.is_empty and thinned.area > 0 and thinned.geom_type in ("Polygon", "MultiPolygon"):
            return to_geojson(thinned)
    return to_geojson(geometry)


def outline_of_stored(geometry: dict[str, Any]) -> dict[str, Any]:
    """``region_outline`` of a geometry as stored (GeoJSON): for restores and the migration's backfill."""
    return region_outline(shape_from_stored(geometry))
