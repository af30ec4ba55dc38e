"""Sliding-window inference over a whole mosaic: splitter → network → merger, one call.

``predict_mosaic(model, config, reader)`` is what a Celery task, a management command
or a script on a GPU box calls. The three parts stay separate (MONAI's
``PatchInferer``): ``plan_tiles`` decides what to read, a DataLoader over
``TileDataset`` reads it lazily (workers each open their own pyramid handle),
``run_network`` runs it in batches, and ``GridMerger`` / ``MapMerger`` aggregate.
Nothing holds the full-resolution mosaic: memory is the batches in flight plus the
grid and a map of about ``MAP_MAX_SIZE``² float32.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from inference.ml.data.reader import TileReader
from inference.ml.data.workers import worker_context
from inference.ml.metrics.mosaic_score import MIN_SUSPICIOUS_FRACTION, mosaic_score
from inference.ml.model_config import ModelConfig
from inference.ml.predict.merger import GridMerger, MapMerger, default_downsample
from inference.ml.predict.network import run_network
from inference.ml.predict.outputs import MIN_POLYGON_AREA_UM2, binary_entropy, heatmap_png, map_polygons
from inference.ml.predict.splitter import MIN_TISSUE_FRACTION, TileDataset, TileGrid, grid_for, plan_tiles

DETECTOR_OVERLAP = 0.25  # detectors see each place from several tiles; instances cut at a tile edge heal


@dataclass
class MosaicPrediction:
    """One model's output over one mosaic. Coordinates are level-0 pixels of the mosaic."""

    grid: TileGrid
    tile_probability: np.ndarray  # (rows, cols) float32, NaN = skipped (background)
    tile_uncertainty: np.ndarray  # (rows, cols) float32 binary entropy in bits, NaN = skipped
    probability_map: np.ndarray  # (ceil(H/d), ceil(W/d)) float32, NaN = no tile ran there
    map_downsample: int  # d: one map / heatmap pixel = d × d level-0 pixels
    heatmap_png: bytes  # the map coloured, transparent where NaN; aligned with the mosaic at 1/d
    polygons: list[dict[str, Any]]  # GeoJSON-like features at or above ``threshold``, with "score"
    score: float  # the mosaic score: positive at t iff score >= t (metrics.mosaic_score)
    threshold: float
    um_per_px: float

    @property
    def positive(self) -> bool:
        return self.score >= self.threshold

    @property
    def skipped(self) -> np.ndarray:
        return np.isnan(self.tile_probability)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready record (without the arrays and the PNG) for a run's row."""
        return {
            "grid": self.grid.to_json(), "map_downsample": self.map_downsample, "score": self.score,
            "threshold": self.threshold, "positive": self.positive, "n_tiles": int((~self.skipped).sum()),
            "n_skipped": int(self.skipped.sum()), "n_polygons": len(self.polygons),
        }  # fmt: skip


def predict_mosaic(
    model: nn.Module,
    config: ModelConfig,
    reader: TileReader,
    *,
    device: str | torch.device = "cpu",
    batch_size: int = 16,
    num_workers: int = 0,
    overlap: float | None = None,
    min_tissue_fraction: float = MIN_TISSUE_FRACTION,
    map_downsample: int | None = None,
    min_polygon_area_um2: float = MIN_POLYGON_AREA_UM2,
    min_suspicious_fraction: float = MIN_SUSPICIOUS_FRACTION,
    progress: Callable[[float], None] | None = None,
) -> MosaicPrediction:
    """Run ``model`` over every tissue tile of the mosaic ``reader`` reads and merge the outputs.

    ``overlap`` defaults to 0 for classifiers (the study's tiling) and
    ``DETECTOR_OVERLAP`` for detectors. ``progress`` receives the fraction of tiles done
    (0 … 1) after each batch. The mosaic score of a classifier is taken over its tile
    grid (the study's tile mask); a detector's over its probability map.
    """
    device = torch.device(device)
    if overlap is None:
        overlap = DETECTOR_OVERLAP if config.kind == "detector" else 0.0
    grid = grid_for(reader, config, overlap=overlap)
    plan = plan_tiles(reader, grid, min_tissue_fraction=min_tissue_fraction)
    downsample = map_downsample or default_downsample(grid)
    tiles = GridMerger(grid)
    area_map = MapMerger(grid, downsample)
    loader = DataLoader(
        TileDataset(reader, plan, config.tile_size), batch_size=batch_size, num_workers=num_workers,
        pin_memory=device.type == "cuda", multiprocessing_context=worker_context(num_workers),
    )  # fmt: skip
    done, total = 0, max(1, len(plan.selected))
    if progress is not None:
        progress(0.0)
    for batch in run_network(model, config, loader, device):
        tiles.add(batch.indices, batch.probability)
        area_map.add(batch.indices, batch.probability, batch.maps)
        done += len(batch.indices)
        if progress is not None:
            progress(done / total)
    if progress is not None and not len(plan.selected):
        progress(1.0)
    grid_values = tiles.finalize()
    probability_map = area_map.finalize()
    if config.kind == "classifier" and overlap == 0:
        score = mosaic_score(grid_values, grid.cell_areas(), min_fraction=min_suspicious_fraction)
    else:
        score = mosaic_score(probability_map, area_map.pixel_areas(), min_fraction=min_suspicious_fraction)
    return MosaicPrediction(
        grid=grid, tile_probability=grid_values, tile_uncertainty=binary_entropy(grid_values),
        probability_map=probability_map, map_downsample=downsample, heatmap_png=heatmap_png(probability_map),
        polygons=map_polygons(
            probability_map, downsample=downsample, threshold=config.threshold, um_per_px=reader.um_per_px,
            mosaic_size=(grid.width, grid.height), min_area_um2=min_polygon_area_um2,
        ),
        score=score, threshold=config.threshold, um_per_px=reader.um_per_px,
    )  # fmt: skip
