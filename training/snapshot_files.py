"""Reading a label-set snapshot folder (``annotations.labelsets.writer``'s layout) for training and evaluation.

Django-free, so the same reading serves the platform's tasks and a script. What it
gives: the mosaics of a split (``snapshot_mosaics``), each mosaic's label mask
(``label_mask``), and each tile grid's labelled fraction measured on that mask
(``grid_fractions``), so a model whose tiles are not the snapshot's own tiles is
still scored and trained against the same labels. Where the model's tiles *are* the
snapshot's (same level-0 size), ``snapshot_tiles`` gives the snapshot's exact rows.
"""

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from annotations.labelsets.writer import safe_name

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SnapshotMosaicRow:
    mosaic: int
    name: str
    patient: str
    split: str
    width: int
    height: int
    um_per_px: float
    regions: int

    @property
    def stem(self) -> str:
        return f"{self.mosaic}_{safe_name(self.name)}"


@dataclass(frozen=True)
class SnapshotTile:
    mosaic: int
    x: int
    y: int
    size: int
    labelled_fraction: float
    label: int


def snapshot_settings(root: Path) -> dict[str, Any]:
    """The writer's settings (tile_px, mask_downsample, positive_fraction ...) from ``labels.json``."""
    return dict(json.loads((root / "labels.json").read_text(encoding="utf-8"))["settings"])


def snapshot_mosaics(root: Path, split: str = "all") -> list[SnapshotMosaicRow]:
    """The snapshot's mosaics in ``split`` (``all``: every one), in file order."""
    with (root / "mosaics.csv").open(newline="", encoding="utf-8") as stream:
        rows = [
            SnapshotMosaicRow(int(r["mosaic"]), r["name"], r["patient"], r["split"], int(r["width"]),
                              int(r["height"]), float(r["um_per_px"]), int(r["regions"]))
            for r in csv.DictReader(stream)
        ]  # fmt: skip
    return rows if split == "all" else [row for row in rows if row.split == split]


def snapshot_tiles(root: Path, mosaics: Iterable[int]) -> dict[int, list[SnapshotTile]]:
    """The snapshot's own tile rows (``tiles.csv``) of ``mosaics``."""
    wanted = set(mosaics)
    tiles: dict[int, list[SnapshotTile]] = {mosaic: [] for mosaic in wanted}
    with (root / "tiles.csv").open(newline="", encoding="utf-8") as stream:
        for r in csv.DictReader(stream):
            mosaic = int(r["mosaic"])
            if mosaic in wanted:
                tiles[mosaic].append(SnapshotTile(mosaic, int(r["x"]), int(r["y"]), int(r["size"]),
                                                  float(r["labelled_fraction"]), int(r["label"])))  # fmt: skip
    return tiles


def label_mask(root: Path, row: SnapshotMosaicRow) -> tuple[np.ndarray, int]:
    """(labelled: bool (ceil(H/d), ceil(W/d)), d): where the snapshot marks any label, at its mask downsample."""
    downsample = int(snapshot_settings(root).get("mask_downsample", 1))
    with Image.open(root / "masks" / f"{row.stem}.png") as image:
        return np.asarray(image) > 0, downsample


def grid_fractions(labelled: np.ndarray, downsample: int, *, tile_px: int, stride_px: int, rows: int, cols: int,
                   width: int, height: int) -> np.ndarray:  # fmt: skip
    """(rows, cols): the labelled share of each tile (left = col * stride_px, top = row * stride_px, tile_px wide).

    A mask pixel (i, j) stands for the level-0 point (d (j + ½), d (i + ½)) (the writer's
    pixel-centre rule); a tile's share is over the mask pixels whose point lies in the
    part of the tile inside the mosaic, as ``tiles.csv`` measures edge tiles. Summed-area
    table: one pass over the mask whatever the number of tiles.
    """
    table = np.zeros((labelled.shape[0] + 1, labelled.shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = np.cumsum(np.cumsum(labelled, axis=0, dtype=np.int64), axis=1)

    def bounds(start: np.ndarray, total: int, limit: int) -> tuple[np.ndarray, np.ndarray]:
        end = np.minimum(start + tile_px, total)
        # First and one-past-last mask index whose centre d (k + ½) falls in [start, end).
        first = np.clip(np.ceil(start / downsample - 0.5).astype(np.int64), 0, limit)
        last = np.clip(np.ceil(end / downsample - 0.5).astype(np.int64), 0, limit)
        return first, last

    y0, y1 = bounds(np.arange(rows) * stride_px, height, labelled.shape[0])
    x0, x1 = bounds(np.arange(cols) * stride_px, width, labelled.shape[1])
    inside = table[y1][:, x1] - table[y0][:, x1] - table[y1][:, x0] + table[y0][:, x0]
    counts = np.outer(y1 - y0, x1 - x0)
    return np.divide(inside, counts, out=np.zeros(inside.shape, dtype=np.float64), where=counts > 0)


def mosaic_polygons(root: Path, row: SnapshotMosaicRow) -> list[list[list[float]]]:
    """Exterior rings (level-0 px) of the mosaic's labelled regions, from its QuPath GeoJSON (detector instances)."""
    collection = json.loads((root / "geojson" / f"{row.stem}.geojson").read_text(encoding="utf-8"))
    rings: list[list[list[float]]] = []
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Polygon":
            rings.append(geometry["coordinates"][0])
        elif geometry.get("type") == "MultiPolygon":
            rings.extend(polygon[0] for polygon in geometry["coordinates"])
    return rings
