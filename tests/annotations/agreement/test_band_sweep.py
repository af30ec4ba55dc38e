"""The band-by-band sweep equals whole-array references, and the pixel-centre convention holds."""

import tracemalloc

import numpy as np
import pytest
import shapely
from rasterio import features
from sklearn.metrics import cohen_kappa_score

from annotations.agreement.mosaic import AgreementSettings, MosaicInfo, ReaderLabels, mosaic_agreement
from annotations.agreement.pixels import tally_pair, tally_tiles
from annotations.agreement.raster import TileGrid, reader_shapes, shapes_from_geometries
from annotations.geometry.shapes import shape_from_stored

from .regions import random_regions, rect

LABELS = ["atypical_honeycomb", "dendritic_cells", "clefting"]


def whole_mask(regions: list, label: str | None, width: int, height: int) -> np.ndarray:
    """One read's mask of ``label`` (None: any label) rasterised at once over the whole mosaic."""
    shapes = [shape_from_stored(geometry) for name, geometry in regions if label in (None, name)]
    if not shapes:
        return np.zeros((height, width), dtype=bool)
    return features.rasterize(shapes, out_shape=(height, width), dtype="uint8").astype(bool)


def tile_fractions(mask: np.ndarray, tile: int) -> np.ndarray:
    height, width = mask.shape
    rows, cols = -(-height // tile), -(-width // tile)
    padded = np.zeros((rows * tile, cols * tile))
    padded[:height, :width] = mask
    area = np.zeros_like(padded)
    area[:height, :width] = 1
    sums = padded.reshape(rows, tile, cols, tile).sum(axis=(1, 3))
    return sums / area.reshape(rows, tile, cols, tile).sum(axis=(1, 3))


TEN_LABELS = [f"feature_{index}" for index in range(10)]  # more than 8: 16-bit label masks


@pytest.mark.parametrize(("tile", "labels"), [(224, LABELS), (250, LABELS), (224, TEN_LABELS)],
                         ids=["224px-3-labels", "250px-3-labels", "224px-10-labels"])  # fmt: skip
def test_band_sweep_equals_a_whole_array_numpy_reference(tile: int, labels: list[str]) -> None:
    width, height = 3000, 2900  # neither a multiple of the tile size: edge tiles are partial
    rng = np.random.default_rng(20)
    a = random_regions(rng, 60, width=width, height=height, labels=labels)
    b = random_regions(rng, 60, width=width, height=height, labels=labels)
    grid = TileGrid(width, height, tile)
    # Small bands (2 tile rows) so that many shapes straddle band boundaries.
    tally = tally_pair(grid, reader_shapes(a), reader_shapes(b), band_pixels=width * tile * 2)

    mask_a, mask_b = whole_mask(a, None, width, height), whole_mask(b, None, width, height)
    assert (tally.overall.a, tally.overall.b, tally.overall.both) == (
        int(mask_a.sum()), int(mask_b.sum()), int((mask_a & mask_b).sum()))  # fmt: skip
    fractions_a, fractions_b = tally.tile_fractions()
    np.testing.assert_allclose(fractions_a, tile_fractions(mask_a, tile))
    np.testing.assert_allclose(fractions_b, tile_fractions(mask_b, tile))
    # The one-read sweep of the label-set tile manifest, with other band heights, counts the same tiles.
    tiles = tally_tiles(grid, reader_shapes(a), band_pixels=width * tile * 3)
    np.testing.assert_array_equal(tiles.tiles, tally.tiles_a)
    for label in labels:
        label_a, label_b = whole_mask(a, label, width, height), whole_mask(b, label, width, height)
        counts = tally.per_label[label]
        assert (counts.a, counts.b, counts.both) == (
            int(label_a.sum()), int(label_b.sum()), int((label_a & label_b).sum())), label  # fmt: skip
        if label in tiles.labels:
            per_tile = tiles.per_label[tiles.labels.index(label)] / grid.tile_areas()
            np.testing.assert_allclose(per_tile, tile_fractions(label_a, tile))


def test_a_pixel_is_inside_when_its_centre_is() -> None:
    width, height = 700, 500
    regions = random_regions(np.random.default_rng(3), 25, width=width, height=height, labels=["clefting"])
    shapes = shapes_from_geometries((label, shape_from_stored(g)) for label, g in regions)
    tally = tally_pair(TileGrid(width, height, 64), shapes, shapes, band_pixels=width * 64)
    rows, cols = np.mgrid[0:height, 0:width]
    assert shapes.any is not None
    centres_inside = shapely.contains_xy(shapes.any, cols + 0.5, rows + 0.5)
    assert tally.overall.a == int(centres_inside.sum())
    assert tally.overall.a != int(shapes.any.area)  # the convention, not the continuous area


def test_the_row_of_a_band_swept_mosaic_equals_whole_array_metrics() -> None:
    width, height = 3000, 3000
    rng = np.random.default_rng(31)
    a = random_regions(rng, 40, width=width, height=height, labels=LABELS)
    b = random_regions(rng, 40, width=width, height=height, labels=LABELS)
    settings = AgreementSettings(band_pixels=width * 224)  # one tile row per band
    row = mosaic_agreement(MosaicInfo(1, "m", width, height, 0.5), ReaderLabels("a", a), ReaderLabels("b", b),
                           settings=settings)  # fmt: skip
    mask_a, mask_b = whole_mask(a, None, width, height), whole_mask(b, None, width, height)
    both, total = int((mask_a & mask_b).sum()), int(mask_a.sum() + mask_b.sum())
    assert row["dice"] == pytest.approx(2 * both / total)
    assert row["iou"] == pytest.approx(both / int((mask_a | mask_b).sum()))
    tiles_a = tile_fractions(mask_a, 224).ravel() >= 0.5
    tiles_b = tile_fractions(mask_b, 224).ravel() >= 0.5
    assert row["tile_kappa"] == pytest.approx(cohen_kappa_score(tiles_a, tiles_b))


def test_a_12000_px_mosaic_is_swept_without_a_whole_mosaic_array() -> None:
    # Regions in every band; numpy reports its buffers to tracemalloc. One uint8 array of the whole
    # mosaic alone would be 144 MB.
    width = height = 12_000
    a = [("clefting", rect(x, y, x + 300, y + 300)) for x in range(0, width, 2000) for y in range(0, height, 1000)]
    b = [("clefting", rect(x + 50, y, x + 350, y + 300)) for x in range(0, width, 2000) for y in range(0, height, 1000)]
    tracemalloc.start()
    try:
        tally = tally_pair(TileGrid(width, height, 224), reader_shapes(a), reader_shapes(b))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tally.overall.both == len(a) * 250 * 300
    assert peak < 100 * 1024**2, f"peak {peak / 1024**2:.0f} MB"
