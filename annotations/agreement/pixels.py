"""Pixel and tile counts of two reads of one mosaic, from one sweep of bands.

One pass over the mosaic (``raster.iter_bands``) yields everything the pixel
metrics need: the suspicious pixels of each read and of both (all labels
together), the same per label, and each read's labelled pixels per tile. The
per-label counts look only at the columns where that label has shapes in the
band, so a label drawn in one corner costs one corner, and a band where only one
label is drawn takes its per-label counts from the overall ones.

Dice and IoU are ratios of these counts; the conventions for empty reads live
in ``dice_iou`` so that every caller states them the same way.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .raster import BAND_PIXELS, Band, ReaderShapes, TileGrid, iter_bands, tile_aligned, tile_sums

BOTH_NEGATIVE = "both negative: dice=1, iou=1 by convention"


@dataclass
class PixelCounts:
    """Suspicious pixels of read a, of read b, and of both."""

    a: int = 0
    b: int = 0
    both: int = 0

    @property
    def either(self) -> int:
        return self.a + self.b - self.both


def dice_iou(counts: PixelCounts) -> tuple[float, float, str | None]:
    """Dice and IoU of the two areas, and the convention used if any.

    Two empty areas agree perfectly (1, 1: both readers saw nothing); an empty
    area against a non-empty one gives 0, 0 (no convention needed: the formula).
    """
    if counts.either == 0:
        return 1.0, 1.0, BOTH_NEGATIVE
    return 2 * counts.both / (counts.a + counts.b), counts.both / counts.either, None


@dataclass
class PairTally:
    """Everything counted in one sweep of two reads ``a`` and ``b``."""

    grid: TileGrid
    overall: PixelCounts = field(default_factory=PixelCounts)
    per_label: dict[str, PixelCounts] = field(default_factory=dict)
    tiles_a: np.ndarray = field(init=False)  # labelled pixels per tile, (rows, cols)
    tiles_b: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.tiles_a = np.zeros((self.grid.rows, self.grid.cols), dtype=np.int64)
        self.tiles_b = np.zeros_like(self.tiles_a)

    def tile_fractions(self) -> tuple[np.ndarray, np.ndarray]:
        areas = self.grid.tile_areas()
        return self.tiles_a / areas, self.tiles_b / areas


def tally_pair(grid: TileGrid, a: ReaderShapes, b: ReaderShapes, *, band_pixels: int = BAND_PIXELS) -> PairTally:
    """Count ``a`` against ``b`` band by band (see the module's docstring)."""
    labels: Sequence[str] = sorted(set(a.by_label) | set(b.by_label))
    tally = PairTally(grid=grid, per_label={label: PixelCounts() for label in labels})
    if not labels:
        return tally
    for band in iter_bands(grid, [a, b], labels, band_pixels=band_pixels):
        mask_a, mask_b = band.masks
        columns = _drawn_columns(band, grid)
        if columns is None:
            continue  # no shape of either read reaches this band
        part_a, part_b = mask_a[:, columns[0] : columns[1]], mask_b[:, columns[0] : columns[1]]
        any_a, any_b = part_a != 0, part_b != 0
        _add_counts(tally.overall, any_a, any_b)
        _add_tile_sums(tally.tiles_a, any_a, grid, y0=band.y0, x0=columns[0])
        _add_tile_sums(tally.tiles_b, any_b, grid, y0=band.y0, x0=columns[0])
        if len(band.label_columns) == 1:  # one label in the band: its counts are the overall ones
            bit_index = int(next(iter(band.label_columns))).bit_length() - 1
            _add_counts(tally.per_label[labels[bit_index]], any_a, any_b)
            continue
        for bit_index, label in enumerate(labels):
            label_columns = band.label_columns.get(1 << bit_index)
            if label_columns is None:
                continue
            bit = mask_a.dtype.type(1 << bit_index)
            label_a = np.bitwise_and(mask_a[:, label_columns[0] : label_columns[1]], bit)
            label_b = np.bitwise_and(mask_b[:, label_columns[0] : label_columns[1]], bit)
            _add_counts(tally.per_label[label], label_a, label_b)
    return tally


@dataclass
class TileTally:
    """One read's labelled pixels per tile, all labels together and per label."""

    grid: TileGrid
    labels: tuple[str, ...]
    tiles: np.ndarray  # (rows, cols)
    per_label: np.ndarray  # (labels, rows, cols)

    def fractions(self) -> np.ndarray:
        return self.tiles / self.grid.tile_areas()


def tally_tiles(grid: TileGrid, read: ReaderShapes, *, band_pixels: int = BAND_PIXELS) -> TileTally:
    """Per-tile counts of one read, from the same band sweep and tile sums as ``tally_pair``."""
    labels = tuple(sorted(read.by_label))
    tally = TileTally(grid, labels, np.zeros((grid.rows, grid.cols), dtype=np.int64),
                      np.zeros((len(labels), grid.rows, grid.cols), dtype=np.int64))  # fmt: skip
    if not labels:
        return tally
    for band in iter_bands(grid, [read], labels, band_pixels=band_pixels):
        (mask,) = band.masks
        for bit_index in range(len(labels)):
            columns = band.label_columns.get(1 << bit_index)
            if columns is not None:
                left, right = tile_aligned(columns, grid)
                labelled = np.bitwise_and(mask[:, left:right], mask.dtype.type(1 << bit_index)) != 0
                _add_tile_sums(tally.per_label[bit_index], labelled, grid, y0=band.y0, x0=left)
        drawn = _drawn_columns(band, grid)
        if drawn is not None:
            _add_tile_sums(tally.tiles, mask[:, drawn[0] : drawn[1]] != 0, grid, y0=band.y0, x0=drawn[0])
    return tally


def _add_counts(counts: PixelCounts, a: np.ndarray, b: np.ndarray) -> None:
    counts.a += int(np.count_nonzero(a))
    counts.b += int(np.count_nonzero(b))
    counts.both += int(np.count_nonzero(np.logical_and(a, b)))


def _drawn_columns(band: Band, grid: TileGrid) -> tuple[int, int] | None:
    """The tile-aligned columns some shape of the band reaches (only they can hold a set pixel)."""
    if not band.label_columns:
        return None
    left = min(columns[0] for columns in band.label_columns.values())
    right = max(columns[1] for columns in band.label_columns.values())
    return tile_aligned((left, right), grid)


def _add_tile_sums(tiles: np.ndarray, mask: np.ndarray, grid: TileGrid, *, y0: int, x0: int) -> None:
    """Add ``mask``'s set pixels per tile into ``tiles`` (the mask starts at tile boundary ``(x0, y0)``)."""
    sums = tile_sums(mask, grid)
    row0, col0 = y0 // grid.tile_px, x0 // grid.tile_px
    tiles[row0 : row0 + sums.shape[0], col0 : col0 + sums.shape[1]] += sums
