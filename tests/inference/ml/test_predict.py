"""Sliding-window inference: known answers land in the right grid cells, heatmap pixels and polygons."""

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from matplotlib import colormaps
from PIL import Image
from torch import nn

from inference.ml.data.reader import PyramidReader
from inference.ml.metrics.mosaic_score import mosaic_score
from inference.ml.models import create_model, default_config
from inference.ml.predict.inferer import predict_mosaic
from tests.inference.ml.builders import MeanBrightness, pyramid_file, textured, tiny_classifier_config

ROWS, COLS, TILE = 6, 8, 100  # level-0 px per tile (50 px tiles at 1 µm/px on a 0.5 µm/px mosaic)


def _level(row: int, col: int) -> int:
    return 40 + 25 * row + 3 * col


@pytest.fixture(scope="module")
def patterned(tmp_path_factory: pytest.TempPathFactory) -> PyramidReader:
    """Each tile a distinct flat brightness; the last column black background; one very bright tile."""
    pixels = np.zeros((ROWS * TILE, COLS * TILE), dtype=np.uint8)
    for row in range(ROWS):
        for col in range(COLS - 1):
            pixels[row * TILE : (row + 1) * TILE, col * TILE : (col + 1) * TILE] = _level(row, col)
    pixels[2 * TILE : 3 * TILE, 4 * TILE : 5 * TILE] = 250
    return PyramidReader(pyramid_file(tmp_path_factory.mktemp("patterned"), pixels))


def _expected(row: int, col: int) -> float:
    return 250 / 255 if (row, col) == (2, 4) else _level(row, col) / 255


def test_tile_outputs_land_in_their_grid_cells(patterned: PyramidReader) -> None:
    config = tiny_classifier_config(50, um_per_px=1.0, threshold=0.9)
    seen: list[float] = []
    prediction = predict_mosaic(MeanBrightness(config), config, patterned, batch_size=5, map_downsample=4,
                                progress=seen.append)  # fmt: skip
    assert prediction.tile_probability.shape == (ROWS, COLS)
    for row in range(ROWS):
        for col in range(COLS - 1):
            assert prediction.tile_probability[row, col] == pytest.approx(_expected(row, col), abs=1e-4)
    assert np.isnan(prediction.tile_probability[:, -1]).all()  # background column skipped
    assert np.isnan(prediction.tile_uncertainty[:, -1]).all()
    assert prediction.tile_uncertainty[2, 4] < prediction.tile_uncertainty[0, 0]  # 0.98 is surer than 0.16
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 1 + 42 // 5 + 1


def test_heatmap_is_aligned_with_the_mosaic(patterned: PyramidReader) -> None:
    config = tiny_classifier_config(50, um_per_px=1.0)
    prediction = predict_mosaic(MeanBrightness(config), config, patterned, map_downsample=4)
    heatmap = np.asarray(Image.open(io.BytesIO(prediction.heatmap_png)))
    assert heatmap.shape == (ROWS * TILE // 4, COLS * TILE // 4, 4)  # one pixel per 4 × 4 mosaic pixels
    colours = colormaps["inferno"]
    footprint = TILE // 4
    for row in range(ROWS):
        for col in range(COLS - 1):
            expected = np.array(colours(prediction.tile_probability[row, col], bytes=True))
            cell = heatmap[row * footprint : (row + 1) * footprint, col * footprint : (col + 1) * footprint]
            assert (cell == expected).all(), (row, col)
            assert prediction.probability_map[row * footprint + 3, col * footprint + 3] == pytest.approx(
                _expected(row, col), abs=1e-4
            )
    assert (heatmap[:, (COLS - 1) * footprint :, 3] == 0).all()  # transparent where nothing ran


def test_polygons_are_in_mosaic_pixels_and_specks_are_dropped(patterned: PyramidReader) -> None:
    config = tiny_classifier_config(50, um_per_px=1.0, threshold=0.9)
    prediction = predict_mosaic(MeanBrightness(config), config, patterned, map_downsample=4)
    (feature,) = prediction.polygons
    xs, ys = zip(*feature["geometry"]["coordinates"][0], strict=True)
    assert (min(xs), max(xs), min(ys), max(ys)) == (400, 500, 200, 300)  # tile (2, 4) in level-0 px
    assert feature["properties"]["score"] == pytest.approx(250 / 255, abs=1e-4)
    assert feature["properties"]["area_um2"] == pytest.approx(100 * 100 * 0.25)
    tighter = predict_mosaic(MeanBrightness(config), config, patterned, map_downsample=4, min_polygon_area_um2=3000)
    assert tighter.polygons == []


def test_mosaic_score_is_over_the_tile_grid_with_background_as_zero(patterned: PyramidReader) -> None:
    config = tiny_classifier_config(50, um_per_px=1.0, threshold=0.9)
    prediction = predict_mosaic(MeanBrightness(config), config, patterned)
    assert prediction.score == mosaic_score(prediction.tile_probability, prediction.grid.cell_areas())
    # 1 % of 48 tiles is 0.48 tile: the brightest tile alone is enough.
    assert prediction.score == pytest.approx(250 / 255, abs=1e-4) and prediction.positive


def test_workers_give_the_same_prediction(patterned: PyramidReader) -> None:
    config = tiny_classifier_config(50, um_per_px=1.0)
    alone = predict_mosaic(MeanBrightness(config), config, patterned)
    with_workers = predict_mosaic(MeanBrightness(config), config, patterned, num_workers=2)
    assert np.array_equal(alone.tile_probability, with_workers.tile_probability, equal_nan=True)


class BrightInstances(nn.Module):
    """A stand-in with Mask R-CNN's eval output: one instance, mask = pixels brighter than half, score 0.9."""

    def forward(self, batch: torch.Tensor) -> list[dict[str, Any]]:
        outputs = []
        for image in batch:
            mask = (image[:1] > 0.5).float()[None]  # (1, 1, H, W)
            found = bool(mask.any())
            outputs.append({"masks": mask if found else mask[:0], "scores": torch.tensor([0.9] if found else []),
                            "labels": torch.ones(int(found), dtype=torch.int64), "boxes": torch.zeros((int(found), 4))})  # fmt: skip
        return outputs


def test_detector_masks_merge_into_a_probability_map(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    pixels = textured(rng, 400, 400, 60, spread=10)
    pixels[120:280, 150:230] = 220  # one bright lesion, seen by several overlapping tiles
    reader = PyramidReader(pyramid_file(tmp_path, pixels))
    config = default_config("detector", "maskrcnn_resnet18_fpn", tile_size=64, um_per_px=0.5, threshold=0.5)
    prediction = predict_mosaic(BrightInstances(), config, reader, map_downsample=4)
    assert prediction.grid.stride_px == 48  # 25 % overlap
    probability = prediction.probability_map
    assert probability[30:70, 38:57] == pytest.approx(0.9, abs=1e-5)  # inside the lesion: every tile agrees
    assert np.nanmax(probability[:, :30]) == 0 and np.nanmax(probability[80:, :]) == 0
    (feature,) = prediction.polygons
    xs, ys = zip(*feature["geometry"]["coordinates"][0], strict=True)
    assert abs(min(xs) - 150) <= 4 and abs(max(xs) - 230) <= 4 and abs(min(ys) - 120) <= 4 and abs(max(ys) - 280) <= 4
    assert prediction.tile_probability.max() == pytest.approx(0.9)


def test_a_real_mask_rcnn_runs_over_a_mosaic(tmp_path: Path) -> None:
    reader = PyramidReader(pyramid_file(tmp_path, textured(np.random.default_rng(5), 64, 112, 90)))
    config = default_config("detector", "maskrcnn_resnet18_fpn", tile_size=64)
    torch.manual_seed(0)
    prediction = predict_mosaic(create_model(config), config, reader, batch_size=2)
    assert prediction.tile_probability.shape == (1, 2) and not np.isnan(prediction.tile_probability).any()
    assert np.isfinite(prediction.probability_map).all() and 0 <= prediction.score <= 1
