"""What a prediction hands to people and to later steps: uncertainty, heatmap, polygons.

- ``binary_entropy``: per-tile uncertainty in bits (1 at p = 0.5, 0 at 0 or 1), what an
  active-learning queue ranks by;
- ``heatmap_png``: the probability map as an RGBA PNG (matplotlib's ``inferno``
  colour map, transparent where no tile was run), one pixel per ``downsample``
  level-0 pixels, so it lies on the mosaic when scaled by that factor;
- ``map_polygons``: the map thresholded and vectorised with ``rasterio.features.shapes``
  (exact pixel-edge polygons, holes kept), scaled to level-0 pixel coordinates, specks
  smaller than ``min_area_um2`` dropped, each with its highest and mean probability.
"""

import io
from typing import Any

import numpy as np
import rasterio.features
from matplotlib import colormaps
from PIL import Image
from rasterio.transform import Affine
from scipy import ndimage
from shapely.geometry import box, mapping, shape

MIN_POLYGON_AREA_UM2 = 500.0  # ~ a 22 µm square: a few cells; smaller specks are noise at tile scale
HEATMAP_COLORMAP = "inferno"


def binary_entropy(probability: np.ndarray) -> np.ndarray:
    """Entropy of a Bernoulli(p) in bits; NaN stays NaN."""
    p = np.clip(np.asarray(probability, dtype=np.float64), 1e-12, 1 - 1e-12)
    entropy = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.where(np.isnan(probability), np.nan, entropy).astype(np.float32)


def heatmap_rgba(probability_map: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8: the colour map of the probabilities, alpha 0 where NaN (not run)."""
    covered = ~np.isnan(probability_map)
    rgba = colormaps[HEATMAP_COLORMAP](np.nan_to_num(probability_map, nan=0.0), bytes=True)
    rgba[..., 3] = np.where(covered, 255, 0)
    return rgba


def heatmap_png(probability_map: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(heatmap_rgba(probability_map), mode="RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def map_polygons(
    probability_map: np.ndarray,
    *,
    downsample: int,
    threshold: float,
    um_per_px: float,
    mosaic_size: tuple[int, int],
    min_area_um2: float = MIN_POLYGON_AREA_UM2,
) -> list[dict[str, Any]]:
    """GeoJSON-like features of the areas at or above ``threshold``, in level-0 pixel coordinates.

    Polygons are clipped to the mosaic (``mosaic_size`` = (width, height)): the map's
    last row and column reach past it.
    """
    values = np.nan_to_num(probability_map, nan=0.0)
    mask = values >= threshold
    if not mask.any():
        return []
    # 4-connected components, the same connectivity rasterio traces with, so label k is one polygon.
    labels, count = ndimage.label(mask)
    peaks = ndimage.maximum(values, labels, index=np.arange(1, count + 1))
    means = ndimage.mean(values, labels, index=np.arange(1, count + 1))
    features = []
    transform = Affine.scale(downsample)
    bounds = box(0, 0, *mosaic_size)
    for geometry, label in rasterio.features.shapes(
        labels.astype(np.int32), mask=mask, connectivity=4, transform=transform
    ):
        polygon = shape(geometry).intersection(bounds)
        area_um2 = polygon.area * um_per_px**2
        if area_um2 < min_area_um2:
            continue
        k = int(label) - 1
        features.append({
            "type": "Feature",
            "geometry": mapping(polygon),
            "properties": {"score": float(peaks[k]), "mean_probability": float(means[k]), "area_um2": float(area_um2)},
        })  # fmt: skip
    return features
