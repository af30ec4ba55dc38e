"""The splitter and the pyramid reader: which tiles are read, at which scale, in which process."""

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from inference.ml.data.background import tissue_mask
from inference.ml.data.reader import PyramidError, PyramidReader, TileReader
from inference.ml.data.workers import worker_context
from inference.ml.predict.splitter import TileDataset, TileGrid, grid_for, plan_tiles
from tests.inference.ml.builders import pyramid_file, textured, tiny_classifier_config


def _disc_mosaic(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A round field of tissue (with a dark, speckled 'follicle' inside) on black background."""
    height, width = 700, 900
    yy, xx = np.mgrid[:height, :width]
    tissue = (yy - 340) ** 2 + (xx - 420) ** 2 < 300**2
    pixels = np.where(tissue, textured(rng, height, width, 90), 0).astype(np.uint8)
    follicle = (yy - 300) ** 2 + (xx - 400) ** 2 < 60**2
    pixels[follicle] = textured(rng, height, width, 10, spread=12)[follicle]
    return pixels, tissue


def test_splitter_covers_every_tissue_tile_once_and_skips_background(tmp_path: Path) -> None:
    pixels, tissue = _disc_mosaic(np.random.default_rng(0))
    reader = PyramidReader(pyramid_file(tmp_path, pixels))
    grid = TileGrid(reader.width, reader.height, tile_px=64, stride_px=64)
    plan = plan_tiles(reader, grid, min_tissue_fraction=0.1)

    expected_fraction = np.zeros((grid.rows, grid.cols))
    for index, (left, top, size) in enumerate(grid.boxes()):
        expected_fraction.flat[index] = tissue[top : top + size, left : left + size].sum() / size**2
    selected = set(plan.selected.tolist())
    assert {i for i, f in enumerate(expected_fraction.flat) if f >= 0.2} <= selected  # clearly tissue: read
    assert not {i for i, f in enumerate(expected_fraction.flat) if f == 0} & selected  # pure background: skipped
    indices = [int(index) for _, index in TileDataset(reader, plan, 64)]
    assert sorted(indices) == sorted(selected) and len(indices) == len(set(indices))  # each exactly once
    assert plan.skipped.sum() == grid.rows * grid.cols - len(selected)


def test_dark_speckled_tissue_is_kept_and_flat_black_is_background() -> None:
    rng = np.random.default_rng(1)
    overview = np.zeros((40, 40), dtype=np.uint8)
    overview[:, 20:] = textured(rng, 40, 20, 8, spread=6)  # dark but textured: a follicle
    mask = tissue_mask(overview)
    assert not mask[:, :15].any() and mask[:, 25:].all()


def test_grid_cells_partition_the_mosaic() -> None:
    grid = TileGrid(width=1000, height=730, tile_px=224, stride_px=224)
    assert (grid.rows, grid.cols) == (4, 5) and grid.cell_areas().sum() == 1000 * 730
    overlapping = TileGrid(width=1000, height=730, tile_px=224, stride_px=168)
    assert overlapping.cell_areas().sum() == 1000 * 730
    assert overlapping.boxes()[-1, 0] + 224 >= 1000 and overlapping.boxes()[-1, 1] + 224 >= 730


def test_tiles_are_cut_at_the_model_scale(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    pixels = textured(rng, 512, 512, 120, spread=50)
    reader = PyramidReader(pyramid_file(tmp_path, pixels, um_per_px=0.5))
    config = tiny_classifier_config(64, um_per_px=1.0)  # 64 px at 1 µm/px = 128 mosaic px
    grid = grid_for(reader, config)
    assert grid.tile_px == 128 and (grid.rows, grid.cols) == (4, 4)
    tile = reader.read_region(128, 256, 128, 128, out_width=64, out_height=64)
    block_means = pixels[256:384, 128:256].reshape(64, 2, 64, 2).mean(axis=(1, 3))
    assert np.abs(tile.astype(float) - block_means).max() <= 1.0
    assert np.array_equal(reader.read_region(10, 20, 64, 64, out_width=64, out_height=64), pixels[20:84, 10:74])


def test_reads_past_the_edge_are_background(tmp_path: Path) -> None:
    pixels = np.full((100, 100), 200, dtype=np.uint8)
    reader = PyramidReader(pyramid_file(tmp_path, pixels))
    tile = reader.read_region(80, 90, 40, 40, out_width=40, out_height=40)
    assert (tile[:10, :20] == 200).all() and (tile[10:, :] == 0).all() and (tile[:, 20:] == 0).all()


def test_reader_reopens_in_dataloader_workers(tmp_path: Path) -> None:
    pixels = textured(np.random.default_rng(3), 256, 256, 100)
    reader = PyramidReader(pyramid_file(tmp_path, pixels))
    assert isinstance(reader, TileReader) and reader.width == 256  # opened here, before the workers fork
    assert pickle.loads(pickle.dumps(reader)).path == reader.path
    grid = TileGrid(256, 256, 64, 64)
    plan = plan_tiles(reader, grid)
    in_workers = {int(i): t for tiles, idx in DataLoader(TileDataset(reader, plan, 64), batch_size=3, num_workers=2,
                                               multiprocessing_context=worker_context(2))
                  for t, i in zip(tiles, idx, strict=True)}  # fmt: skip
    assert len(in_workers) == 16
    for index, (left, top, size) in enumerate(grid.boxes()):
        assert torch.equal(in_workers[index], torch.from_numpy(pixels[top : top + size, left : left + size]))


def test_missing_pixel_size_or_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PyramidError, match="cannot open"):
        _ = PyramidReader(tmp_path / "absent.tif").width
    assert PyramidReader(tmp_path / "absent.tif", pixel_size_um=0.5).pixel_size_um == 0.5
