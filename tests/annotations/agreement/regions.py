"""Hand-made regions for the agreement and label-set tests."""

from typing import Any

import numpy as np
import shapely
from shapely.geometry import box

from annotations.geometry.shapes import to_geojson


def rect(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A rectangle as stored GeoJSON (integer corners: pixel centres never sit on an edge)."""
    return to_geojson(box(x0, y0, x1, y1))


def ring_with_hole(cx: float, cy: float, outer: float, inner: float) -> dict[str, Any]:
    return to_geojson(shapely.Point(cx, cy).buffer(outer).difference(shapely.Point(cx, cy).buffer(inner)))


def random_regions(
    rng: np.random.Generator, count: int, *, width: int, height: int, labels: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """Irregular polygons with float vertices (some with holes) scattered over a mosaic."""
    regions = []
    for _ in range(count):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(10, min(width, height) / 8)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 24))
        radii = radius * rng.uniform(0.6, 1.2, 24)
        shape = shapely.Polygon(np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)]))
        shape = shapely.make_valid(shape)
        if rng.random() < 0.3:
            shape = shape.difference(shapely.Point(cx, cy).buffer(radius * 0.3))
        shape = shape.intersection(box(0, 0, width, height))
        polygons = [part for part in shapely.get_parts(shape) if part.geom_type == "Polygon" and part.area > 2]
        if polygons:
            merged = shapely.union_all(polygons)
            regions.append((str(rng.choice(labels)), to_geojson(merged)))
    return regions
