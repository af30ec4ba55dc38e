"""Training tiles read from the pyramids through the manifest, for classifiers and detectors.

Items are uint8 tiles (the model's ``tile_size``), not normalised tensors: the network
side applies ``models.prepare_batch``, the same function inference uses, so training
and serving preprocess identically. Readers are opened lazily in whichever process
reads (DataLoader workers open their own) and at most ``MAX_OPEN_PYRAMIDS`` are kept
open per process.
"""

from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset
from torchvision.ops import masks_to_boxes

from inference.ml.data.augment import jitter_intensity, orient, random_orientation
from inference.ml.data.instances import TileKey, decode_masks
from inference.ml.data.manifest import ManifestTile
from inference.ml.data.reader import PyramidReader

MAX_OPEN_PYRAMIDS = 64


class ManifestTiles(Dataset[tuple[torch.Tensor, Any]]):
    """``(uint8 (tile_size, tile_size) tile, float label)`` per manifest row."""

    def __init__(self, tiles: list[ManifestTile], pyramids: dict[str, Path], tile_size: int, *, augment: bool) -> None:
        self.tiles, self.pyramids, self.tile_size, self.augment = tiles, pyramids, tile_size, augment
        self._readers: OrderedDict[str, PyramidReader] = OrderedDict()

    def __len__(self) -> int:
        return len(self.tiles)

    def reader(self, mosaic: str) -> PyramidReader:
        reader = self._readers.pop(mosaic, None) or PyramidReader(self.pyramids[mosaic])
        self._readers[mosaic] = reader  # most recently used last
        while len(self._readers) > MAX_OPEN_PYRAMIDS:
            self._readers.popitem(last=False)
        return reader

    def read(self, index: int) -> np.ndarray:
        tile = self.tiles[index]
        reader = self.reader(tile.mosaic)
        return reader.read_region(
            tile.x, tile.y, tile.size, tile.size, out_width=self.tile_size, out_height=self.tile_size
        )

    def __getitem__(self, index: int) -> tuple[torch.Tensor, Any]:
        pixels = self.read(index)
        if self.augment:
            pixels = jitter_intensity(orient(pixels, *random_orientation()))
        return torch.from_numpy(pixels), torch.tensor(float(self.tiles[index].label))

    def __getstate__(self) -> dict[str, Any]:
        # Workers start with no open readers of their own.
        return {**self.__dict__, "_readers": OrderedDict()}


class DetectorTiles(ManifestTiles):
    """``(uint8 tile, Mask R-CNN target)``: boxes, labels (1 = suspicious) and masks of the tile's instances."""

    def __init__(
        self,
        tiles: list[ManifestTile],
        pyramids: dict[str, Path],
        tile_size: int,
        *,
        augment: bool,
        instances: dict[TileKey, list[Any]],
    ) -> None:
        super().__init__(tiles, pyramids, tile_size, augment=augment)
        self.instances = instances

    def __getitem__(self, index: int) -> tuple[torch.Tensor, Any]:
        pixels = self.read(index)
        masks = decode_masks(self.instances.get(self.tiles[index].key, []), self.tile_size, self.tile_size)
        if self.augment:
            turns, flip = random_orientation()
            pixels, masks = jitter_intensity(orient(pixels, turns, flip)), orient(masks, turns, flip)
        return torch.from_numpy(pixels), detection_target(masks)


def detection_target(masks: np.ndarray) -> dict[str, torch.Tensor]:
    """Mask R-CNN's target from (N, H, W) masks; empty masks are dropped, boxes enclose pixel edges."""
    tensor = torch.from_numpy(np.ascontiguousarray(masks)).to(torch.uint8)
    tensor = tensor[tensor.flatten(1).any(dim=1).bool()] if len(tensor) else tensor
    boxes = masks_to_boxes(tensor) + torch.tensor([0.0, 0.0, 1.0, 1.0]) if len(tensor) else torch.zeros((0, 4))
    return {"boxes": boxes, "labels": torch.ones(len(tensor), dtype=torch.int64), "masks": tensor}


def collate_detection(batch: list[tuple[torch.Tensor, dict[str, torch.Tensor]]]) -> tuple[torch.Tensor, list[Any]]:
    return torch.stack([tile for tile, _ in batch]), [target for _, target in batch]
