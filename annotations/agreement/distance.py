"""Boundary distances between two reads' outlines: the 95th-percentile Hausdorff distance.

The outlines (exterior and hole rings of each read's suspicious area, all labels
together) are sampled densely with ``shapely.segmentize`` (a point at least every
``spacing`` px, so a nearest-point distance is off by at most ``spacing / 2``),
and the nearest-neighbour distances in both directions come from scipy's
``cKDTree``. HD95 is the 95th percentile of the two directed distance sets pooled
(the definition of MedPy's ``hd95`` and of most segmentation papers); the full
Hausdorff distance (the largest of them, equal to
``scipy.spatial.distance.directed_hausdorff`` both ways on the same points) is reported beside it. Distances are converted to µm with the
mosaic's pixel size. With an empty side there is no outline to measure from:
the result is None with the reason.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from annotations.geometry.shapes import Polygonal


@dataclass(frozen=True)
class BoundaryDistance:
    hausdorff95_um: float | None
    hausdorff_um: float | None
    note: str | None


def outline_points(area: Polygonal, *, spacing: float) -> np.ndarray:
    """Points along every ring of ``area``, at most ``spacing`` px apart."""
    rings = shapely.segmentize(shapely.boundary(area), spacing)
    return shapely.get_coordinates(rings)  # ring closing points repeat: harmless for nearest distances


def boundary_distance(
    a: Polygonal | None,
    b: Polygonal | None,
    *,
    um_per_px: float,
    spacing: float = 1.0,
    percentile: float = 95.0,
    names: tuple[str, str] = ("a", "b"),
) -> BoundaryDistance:
    """HD95 and Hausdorff distance of the outlines of ``a`` and ``b``, in µm."""
    if a is None and b is None:
        return BoundaryDistance(None, None, "undefined: neither read marked anything")
    if a is None or b is None:
        empty = names[0] if a is None else names[1]
        return BoundaryDistance(None, None, f"undefined: {empty} marked nothing")
    points_a = outline_points(a, spacing=spacing)
    points_b = outline_points(b, spacing=spacing)
    tree_a, tree_b = cKDTree(points_a), cKDTree(points_b)
    # Queried in each tree's leaf order: neighbouring queries walk the same branches (~10 % faster than
    # ring order, 3x faster than random order); one thread, as a Celery worker already fills the cores.
    a_to_b, _ = tree_b.query(points_a[tree_a.indices])
    b_to_a, _ = tree_a.query(points_b[tree_b.indices])
    pooled = np.concatenate([a_to_b, b_to_a])
    return BoundaryDistance(float(np.percentile(pooled, percentile)) * um_per_px, float(pooled.max()) * um_per_px, None)
