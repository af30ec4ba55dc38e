"""The splitter: which tiles of a mosaic the network sees, read lazily at the model's scale.

A ``TileGrid`` lays tiles of ``tile_px`` level-0 pixels (the model's ``tile_size`` at
its ``um_per_px``, expressed in the mosaic's pixels) every ``stride_px`` from the top
left corner; the last row and column may reach past the mosaic (read as background).
``plan_tiles`` decides from the overview which tiles hold tissue (``data.background``)
and ``TileDataset`` reads exactly those, one per item, so a DataLoader with workers
feeds the network while nothing but the current batches is in memory.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from inference.ml.data.background import OVERVIEW_SIZE, box_fractions, tissue_mask
from inference.ml.data.reader import TileReader
from inference.ml.model_config import ModelConfig

MIN_TISSUE_FRACTION = 0.1  # a tile with less tissue than this is skipped (scored as probability 0)


def strip_sizes(total: int, step: int, count: int) -> np.ndarray:
    """Lengths of ``count`` strips every ``step`` px across ``total`` px: all ``step`` but the last, which ends at ``total``."""
    sizes = np.full(count, step, dtype=np.int64)
    sizes[-1] = total - (count - 1) * step
    return sizes


@dataclass(frozen=True)
class TileGrid:
    """Tile geometry in level-0 pixels: tile (row, col) starts at (col * stride_px, row * stride_px)."""

    width: int
    height: int
    tile_px: int
    stride_px: int

    @property
    def rows(self) -> int:
        return 1 + max(0, math.ceil((self.height - self.tile_px) / self.stride_px))

    @property
    def cols(self) -> int:
        return 1 + max(0, math.ceil((self.width - self.tile_px) / self.stride_px))

    def boxes(self) -> np.ndarray:
        """(rows * cols, 3) int64 ``(left, top, size)``, row-major (index = row * cols + col)."""
        rows, cols = np.divmod(np.arange(self.rows * self.cols), self.cols)
        return np.stack([cols * self.stride_px, rows * self.stride_px, np.full_like(rows, self.tile_px)], axis=1)

    def cell_areas(self) -> np.ndarray:
        """(rows, cols) int64: level-0 area inside the mosaic of each stride × stride cell.

        With ``stride_px == tile_px`` (classifiers) a cell is its tile, and the cells
        partition the mosaic: they sum to ``width * height``.
        """
        heights = strip_sizes(self.height, self.stride_px, self.rows)
        return np.outer(heights, strip_sizes(self.width, self.stride_px, self.cols))

    def to_json(self) -> dict[str, int]:
        return {"width": self.width, "height": self.height, "tile_px": self.tile_px, "stride_px": self.stride_px,
                "rows": self.rows, "cols": self.cols}  # fmt: skip


def grid_for(reader: TileReader, config: ModelConfig, *, overlap: float = 0.0) -> TileGrid:
    """The grid that cuts ``config.tile_size``-px tiles at ``config.um_per_px`` from this mosaic."""
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be in [0, 1), got {overlap}")
    tile_px = max(1, round(config.tile_size * config.um_per_px / reader.um_per_px))
    stride_px = max(1, round(tile_px * (1 - overlap)))
    return TileGrid(reader.width, reader.height, tile_px, stride_px)


@dataclass(frozen=True)
class TilePlan:
    grid: TileGrid
    tissue_fraction: np.ndarray  # (rows, cols) float
    selected: np.ndarray  # flat tile indices (row * cols + col) to run, ascending

    @property
    def skipped(self) -> np.ndarray:
        """(rows, cols) bool: tiles not run (background)."""
        flags = np.ones(self.grid.rows * self.grid.cols, dtype=bool)
        flags[self.selected] = False
        return flags.reshape(self.grid.rows, self.grid.cols)


def plan_tiles(
    reader: TileReader,
    grid: TileGrid,
    *,
    min_tissue_fraction: float = MIN_TISSUE_FRACTION,
    overview_size: int = OVERVIEW_SIZE,
) -> TilePlan:
    """Every tile of ``grid`` with at least ``min_tissue_fraction`` tissue, decided on the overview."""
    overview = reader.overview(overview_size)
    mask = tissue_mask(overview)
    boxes = grid.boxes()
    fractions = box_fractions(
        mask, scale_x=grid.width / overview.shape[1], scale_y=grid.height / overview.shape[0], boxes=boxes
    )
    selected = np.flatnonzero(fractions >= min_tissue_fraction) if min_tissue_fraction > 0 else np.arange(len(boxes))
    return TilePlan(grid, fractions.reshape(grid.rows, grid.cols), selected)


class TileDataset(Dataset[tuple[torch.Tensor, int]]):
    """The planned tiles as uint8 (tile_size, tile_size) tensors with their flat grid index."""

    def __init__(self, reader: TileReader, plan: TilePlan, tile_size: int) -> None:
        self.reader, self.tile_size = reader, tile_size
        self.boxes = plan.grid.boxes()[plan.selected]
        self.indices = plan.selected

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, int]:
        left, top, size = (int(v) for v in self.boxes[item])
        pixels = self.reader.read_region(left, top, size, size, out_width=self.tile_size, out_height=self.tile_size)
        return torch.from_numpy(pixels), int(self.indices[item])
