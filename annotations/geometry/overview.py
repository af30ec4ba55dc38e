"""Thinned region outlines for zoomed-out viewports, cached per region state.

Seen whole, a 12,000-px mosaic puts ~6 mosaic pixels under each screen pixel, so
200-vertex outlines carry mostly invisible detail. ``simplified_geometries`` thins
each outline with Douglas–Peucker at a tolerance rounded to a power of two (so
nearby zoom levels share results) and caches the result under the region's id and
``updated_at``: a region changes one at a time (autosave), so the cache stays warm
and a repeat overview costs one multi-get. Topology is not preserved (it is for
display only; stored regions are never simplified); an outline that would
collapse keeps its full geometry.
"""

import math
from collections.abc import Callable, Sequence

import shapely
from django.core.cache import cache

CACHE_SECONDS = 24 * 3600


def tolerance_bucket(tolerance: float) -> float:
    """The power of two nearest ``tolerance`` (at least 1/4 px)."""
    return float(2 ** round(math.log2(max(tolerance, 0.25))))


def simplified_geometries(
    regions: Sequence[tuple[int, str]], tolerance: float, load: Callable[[list[int]], dict[int, str]]
) -> list[str]:
    """GeoJSON texts of ``regions`` (``(id, updated_at)`` pairs) thinned at ``tolerance`` px.

    ``load(ids)`` fetches the full geometry texts of the regions not in the cache,
    so a warm overview never reads full geometry from the database.
    """
    bucket = tolerance_bucket(tolerance)
    keys = [f"region-overview:{region_id}:{updated_at}:{bucket}" for region_id, updated_at in regions]
    found = cache.get_many(keys)
    missing = [index for index, key in enumerate(keys) if key not in found]
    if missing:
        full = load([regions[index][0] for index in missing])
        originals = [full[regions[index][0]] for index in missing]
        thinned = shapely.simplify(shapely.from_geojson(originals), bucket, preserve_topology=False)
        fresh = {}
        for index, original, shape, text in zip(missing, originals, thinned, shapely.to_geojson(thinned), strict=True):
            fresh[keys[index]] = original if shape.is_empty or shape.area == 0 else str(text)
        cache.set_many(fresh, timeout=CACHE_SECONDS)
        found.update(fresh)
    return [found[key] for key in keys]
