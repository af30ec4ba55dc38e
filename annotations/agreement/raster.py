"""Regions to pixels, band by band: the one rasterisation convention of agreement and label sets.

**Convention.** Mosaic pixel ``(col, row)`` covers ``[col, col+1) x [row, row+1)``
in full-resolution pixel coordinates (x right, y down, as ``Region.geometry``
stores them). A pixel belongs to a region when its **centre** ``(col + 0.5,
row + 0.5)`` lies inside the region (``rasterio.features.rasterize`` with
``all_touched=False``: GDAL's scan-line rule). At a downsample ``d`` the output
pixel ``(i, j)`` covers ``d x d`` mosaic pixels and is labelled when the point
``(d * (j + 0.5), d * (i + 0.5))`` is inside. Holes are outside.

**Bounded memory.** Nothing here makes a whole-mosaic array: the mosaic is
swept in horizontal bands of whole tile rows (``TileGrid``), a band holds at
most ``BAND_PIXELS`` pixels per read, and only the region parts whose bounding
box meets the band are handed to rasterio (a sorted bounding-box prefilter).
Each read's band is a **label bit mask**: bit ``k`` set where the read's regions
of label ``labels[k]`` cover the pixel. The regions of one label are unioned
first, so summing the bits of disjoint parts (``MergeAlg.add``) sets each bit at
most once and overlapping regions of different labels keep both labels.
"""

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from affine import Affine
from rasterio import features
from rasterio.enums import MergeAlg

from annotations.geometry.shapes import Polygonal, polygonal_part, shape_from_stored, to_geojson

# Pixels per read in one band: 16 M is 16 MB of uint8 (a 12,000-px mosaic: 5 tile rows of 224).
BAND_PIXELS = 16_000_000
MAX_LABELS = 32


@dataclass(frozen=True)
class TileGrid:
    """Square tiles of ``tile_px`` mosaic pixels from the top-left corner.

    Edge tiles are cut by the mosaic's border and kept: their labelled fraction
    is over the part inside the mosaic.
    """

    width: int
    height: int
    tile_px: int

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"mosaic size must be positive, not {self.width} x {self.height}")
        if self.tile_px <= 0:
            raise ValueError(f"tile size must be positive, not {self.tile_px}")

    @property
    def cols(self) -> int:
        return math.ceil(self.width / self.tile_px)

    @property
    def rows(self) -> int:
        return math.ceil(self.height / self.tile_px)

    def tile_areas(self) -> np.ndarray:
        """Pixels of each tile inside the mosaic, shape ``(rows, cols)``."""
        heights = np.minimum(self.tile_px, self.height - np.arange(self.rows) * self.tile_px)
        widths = np.minimum(self.tile_px, self.width - np.arange(self.cols) * self.tile_px)
        return np.outer(heights, widths).astype(np.int64)

    def band_rows(self, *, band_pixels: int = BAND_PIXELS) -> int:
        """Mosaic rows per band: whole tile rows, at least one."""
        return max(1, band_pixels // (self.width * self.tile_px)) * self.tile_px


@dataclass(frozen=True)
class ReaderShapes:
    """One read's regions unioned per label (``by_label``) and all together (``any``: the suspicious area).

    ``any`` is None for a negative read (no region).
    """

    by_label: Mapping[str, Polygonal]
    any: Polygonal | None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_label))

    @property
    def is_negative(self) -> bool:
        return self.any is None

    def parts(self) -> list[Polygonal]:
        """Connected parts of the suspicious area (the read's lesions)."""
        return [] if self.any is None else list(shapely.get_parts(self.any))


def reader_shapes(regions: Iterable[tuple[str, Mapping[str, Any]]]) -> ReaderShapes:
    """``(label, GeoJSON geometry)`` pairs as stored in ``Region`` into a ``ReaderShapes``."""
    return shapes_from_geometries((label, shape_from_stored(dict(geometry))) for label, geometry in regions)


def shapes_from_geometries(regions: Iterable[tuple[str, Polygonal]]) -> ReaderShapes:
    grouped: dict[str, list[Polygonal]] = {}
    for label, geometry in regions:
        grouped.setdefault(label, []).append(geometry)
    by_label = {}
    for label, geometries in grouped.items():
        merged = polygonal_part(shapely.union_all(geometries))
        if merged is not None:
            by_label[label] = merged
    everything = polygonal_part(shapely.union_all(list(by_label.values()))) if by_label else None
    return ReaderShapes(by_label=by_label, any=everything)


def mask_dtype(label_count: int) -> type[np.unsignedinteger[Any]]:
    """The narrowest unsigned type with a bit per label."""
    if label_count > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} labels can be rasterised together, not {label_count}")
    return np.uint8 if label_count <= 8 else np.uint16 if label_count <= 16 else np.uint32


@dataclass
class ShapeIndex:
    """Polygons with a value each, sorted by their top edge for the band prefilter."""

    geometries: list[Polygonal]
    values: list[int]
    bounds: np.ndarray = field(init=False)  # (n, 4): min_x, min_y, max_x, max_y
    # GeoJSON made once (from coordinate arrays, faster than ``__geo_interface__``'s tuples): rasterio
    # would otherwise convert a shape again for every band it meets.
    mapped: list[dict[str, Any]] = field(init=False)
    _order: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.mapped = [to_geojson(geometry) for geometry in self.geometries]
        self.bounds = shapely.bounds(np.array(self.geometries, dtype=object)).reshape(-1, 4)
        self._order = np.argsort(self.bounds[:, 1], kind="stable")

    @classmethod
    def of_labels(cls, shapes: ReaderShapes, labels: Sequence[str]) -> "ShapeIndex":
        """Each label's parts with the label's bit as value (labels not in ``labels`` are an error)."""
        bits = {label: 1 << index for index, label in enumerate(labels)}
        geometries: list[Polygonal] = []
        values: list[int] = []
        for label, geometry in shapes.by_label.items():
            parts = list(shapely.get_parts(geometry))
            geometries.extend(parts)
            values.extend([bits[label]] * len(parts))
        return cls(geometries, values)

    def in_rows(self, y0: float, y1: float) -> np.ndarray:
        """Indices (in input order) of the shapes whose bounding box meets rows ``[y0, y1)``."""
        if not self.geometries:
            return np.empty(0, dtype=np.int64)
        top_sorted = self.bounds[self._order, 1]
        candidates = self._order[: np.searchsorted(top_sorted, y1, side="left")]
        return np.sort(candidates[self.bounds[candidates, 3] > y0])


def rasterize_window(
    shapes: Sequence[tuple[Polygonal | Mapping[str, Any], int]],
    *,
    x0: int,
    y0: int,
    width: int,
    height: int,
    dtype: Any,
    downsample: int = 1,
    merge: MergeAlg = MergeAlg.add,
) -> np.ndarray:
    """``shapes`` burnt into a ``height x width`` window whose top-left output pixel is ``(x0, y0)``.

    ``x0, y0, width, height`` count output pixels (mosaic pixels / ``downsample``).
    """
    out = np.zeros((height, width), dtype=dtype)
    if shapes:
        transform = Affine(downsample, 0, x0 * downsample, 0, downsample, y0 * downsample)
        features.rasterize(shapes, out=out, transform=transform, all_touched=False, merge_alg=merge)
    return out


@dataclass(frozen=True)
class Band:
    """Rows ``[y0, y1)`` of the mosaic, one label bit mask per read (shape ``(y1 - y0, width)``)."""

    y0: int
    y1: int
    masks: tuple[np.ndarray, ...]
    # label bit -> [x0, x1) columns where some read has a part of that label in this band
    label_columns: Mapping[int, tuple[int, int]]


def iter_bands(
    grid: TileGrid,
    reads: Sequence[ReaderShapes],
    labels: Sequence[str],
    *,
    band_pixels: int = BAND_PIXELS,
) -> Iterator[Band]:
    """The mosaic's bands, top to bottom, each read rasterised as a label bit mask.

    ``labels`` orders the bits: bit ``k`` is ``labels[k]``. Bands with no shape
    of any read are still yielded (as zeros) so that tile rows stay complete.
    """
    dtype = mask_dtype(len(labels))
    indexes = [ShapeIndex.of_labels(read, labels) for read in reads]
    rows = grid.band_rows(band_pixels=band_pixels)
    for y0 in range(0, grid.height, rows):
        y1 = min(grid.height, y0 + rows)
        masks = []
        columns: dict[int, tuple[int, int]] = {}
        for index in indexes:
            chosen = index.in_rows(y0, y1)
            shapes = [(index.mapped[i], index.values[i]) for i in chosen]
            masks.append(rasterize_window(shapes, x0=0, y0=y0, width=grid.width, height=y1 - y0, dtype=dtype))
            for i in chosen:
                bit = index.values[i]
                left = max(0, math.floor(index.bounds[i, 0]))
                right = min(grid.width, math.ceil(index.bounds[i, 2]))
                known = columns.get(bit)
                columns[bit] = (left, right) if known is None else (min(known[0], left), max(known[1], right))
        yield Band(y0=y0, y1=y1, masks=tuple(masks), label_columns=columns)


def tile_sums(mask: np.ndarray, grid: TileGrid) -> np.ndarray:
    """Set pixels of ``mask`` per tile: ``mask`` is a band (or its columns from a tile boundary on).

    Returns ``(tile rows in the band, tiles spanned)``. Whole tile rows are summed
    through a reshape (one vectorised pass), the columns with ``reduceat`` on the
    already small row sums.
    """
    height, width = mask.shape
    tile = grid.tile_px
    col_starts = np.arange(0, width, tile)
    whole = height // tile * tile
    # A column of one tile row holds at most ``tile`` set pixels: a narrow sum is exact and much faster.
    narrow = np.uint16 if tile <= np.iinfo(np.uint16).max else np.int64
    rows = []
    if whole:
        rows.append(mask[:whole].reshape(whole // tile, tile, width).sum(axis=1, dtype=narrow))
    if height > whole:
        rows.append(mask[whole:].sum(axis=0, dtype=narrow)[np.newaxis])
    if not rows or width == 0:
        return np.zeros((math.ceil(height / tile), len(col_starts)), dtype=np.int64)
    return np.add.reduceat(np.concatenate(rows), col_starts, axis=1, dtype=np.int64)


def tile_aligned(columns: tuple[int, int], grid: TileGrid) -> tuple[int, int]:
    """``[x0, x1)`` widened to whole tiles (clipped to the mosaic)."""
    left = columns[0] // grid.tile_px * grid.tile_px
    right = min(grid.width, math.ceil(columns[1] / grid.tile_px) * grid.tile_px)
    return left, right
