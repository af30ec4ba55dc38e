"""The merger: tile outputs into a (rows, cols) grid and a mosaic-aligned probability map.

Memory is bounded by the output, never the mosaic: the map is the mosaic downsampled
by ``downsample`` (an integer; pixel (i, j) covers level-0 pixels
``[j*d, (j+1)*d) × [i*d, (i+1)*d)``), e.g. 1000 × 1000 float32 for a 12,000² mosaic
at d = 12. Each tile's footprint is its level-0 box divided by d with both edges
rounded, so neighbouring tiles share edges exactly (no gaps, no double counting).

Overlapping tiles (detectors) are blended with a tent window (weights fall linearly
towards the tile's edges, where instances are cut off), as MONAI's importance-weighted
merging does; without overlap (classifiers) each pixel takes its one tile's value.
Pixels no tile covered (skipped background) are NaN.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from inference.ml.predict.splitter import TileGrid, strip_sizes

MAP_MAX_SIZE = 1024  # default: the map's long side is at most this many pixels


def default_downsample(grid: TileGrid, max_size: int = MAP_MAX_SIZE) -> int:
    return max(1, math.ceil(max(grid.width, grid.height) / max_size))


class GridMerger:
    """Tile probabilities into a (rows, cols) float32 grid; tiles never run stay NaN."""

    def __init__(self, grid: TileGrid) -> None:
        self.values = np.full(grid.rows * grid.cols, np.nan, dtype=np.float32)
        self.shape = (grid.rows, grid.cols)

    def add(self, indices: np.ndarray, probability: np.ndarray) -> None:
        self.values[indices] = probability

    def finalize(self) -> np.ndarray:
        return self.values.reshape(self.shape).copy()


def _ramp(size: int) -> np.ndarray:
    ramp = np.minimum(np.arange(size) + 0.5, size - np.arange(size) - 0.5)
    return np.maximum(ramp / ramp.max(), 1e-3)  # never zero: a mosaic edge covered by one tile keeps its value


def _tent(height: int, width: int) -> np.ndarray:
    return np.outer(_ramp(height), _ramp(width)).astype(np.float32)


class MapMerger:
    """Tile values or maps blended into the mosaic's probability map at ``downsample``."""

    def __init__(self, grid: TileGrid, downsample: int) -> None:
        self.grid, self.downsample = grid, downsample
        self.shape = (math.ceil(grid.height / downsample), math.ceil(grid.width / downsample))
        self.sums = np.zeros(self.shape, dtype=np.float32)
        self.weights = np.zeros(self.shape, dtype=np.float32)

    def footprint(self, index: int) -> tuple[int, int, int, int]:
        """(y0, y1, x0, x1) of tile ``index`` in map pixels, clipped to the map."""
        row, col = divmod(int(index), self.grid.cols)
        d, g = self.downsample, self.grid
        x0, y0 = round(col * g.stride_px / d), round(row * g.stride_px / d)
        x1, y1 = round((col * g.stride_px + g.tile_px) / d), round((row * g.stride_px + g.tile_px) / d)
        return y0, max(y0 + 1, y1), x0, max(x0 + 1, x1)

    def add(self, indices: np.ndarray, probability: np.ndarray, maps: np.ndarray | None = None) -> None:
        """Add tiles: each its scalar probability (classifier) or its (H, W) map (detector), tent-weighted."""
        for k, index in enumerate(indices):
            y0, y1, x0, x1 = self.footprint(index)
            height, width = y1 - y0, x1 - x0
            if maps is None:
                values = np.full((height, width), probability[k], dtype=np.float32)
                weights = np.ones((height, width), dtype=np.float32)
            else:
                tile = torch.from_numpy(np.ascontiguousarray(maps[k], dtype=np.float32))[None, None]
                values = F.interpolate(tile, size=(height, width), mode="area")[0, 0].numpy()
                weights = _tent(height, width)
            ch, cw = min(height, self.shape[0] - y0), min(width, self.shape[1] - x0)
            if ch <= 0 or cw <= 0:
                continue
            self.sums[y0 : y0 + ch, x0 : x0 + cw] += values[:ch, :cw] * weights[:ch, :cw]
            self.weights[y0 : y0 + ch, x0 : x0 + cw] += weights[:ch, :cw]

    def finalize(self) -> np.ndarray:
        """The (H/d, W/d) float32 map: weighted mean of the tiles over each pixel, NaN where none."""
        out = np.full(self.shape, np.nan, dtype=np.float32)
        covered = self.weights > 0
        out[covered] = self.sums[covered] / self.weights[covered]
        return out

    def pixel_areas(self) -> np.ndarray:
        """(H/d, W/d) int64: level-0 area of the mosaic inside each map pixel (edge pixels are partial)."""
        heights = strip_sizes(self.grid.height, self.downsample, self.shape[0])
        return np.outer(heights, strip_sizes(self.grid.width, self.downsample, self.shape[1]))
