"""The label set's tile manifest: which tiles to train on, where they are, what they show.

One row per tile: ``(mosaic, x, y, size, scale, labelled_fraction, label)`` —
``x, y, size``: the tile's square in level-0 pixels of the mosaic; ``scale``: level-0
pixels per tile pixel (the tile is ``size / scale`` pixels: the model's
``tile_size``); ``labelled_fraction``: share of the tile the label set marks
suspicious; ``label``: 1 suspicious / 0 benign, as the label set decided it. With it:
``pyramids`` (mosaic → pyramid path), ``patients`` (mosaic → patient, for splits by
patient), optional ``splits`` (mosaic → "train" / "val"), and for detectors
``instances`` (see ``data.instances``).

The JSON file form::

    {"pyramids": {"m1": "/data/m1.tif"}, "patients": {"m1": "p1"},
     "tiles": [["m1", 0, 0, 224, 1.0, 0.0, 0], …]   (or objects with those keys),
     "splits": {"m1": "train"}, "instances": {COCO dict} | "polygons": {"m1": [[[x, y], …]], …}}
"""

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

COLUMNS = ("mosaic", "x", "y", "size", "scale", "labelled_fraction", "label")


class ManifestError(ValueError):
    """The manifest cannot be used; the message says which row or field."""


@dataclass(frozen=True)
class ManifestTile:
    mosaic: str
    x: int
    y: int
    size: int
    scale: float
    labelled_fraction: float
    label: int

    @property
    def key(self) -> tuple[str, int, int, int]:
        return (self.mosaic, self.x, self.y, self.size)


@dataclass(frozen=True)
class TileManifest:
    tiles: list[ManifestTile]
    pyramids: dict[str, Path]
    patients: dict[str, str] = field(default_factory=dict)
    splits: dict[str, str] = field(default_factory=dict)
    instances: dict[str, Any] | None = None  # a COCO dict (see data.instances)
    polygons: dict[str, list[Any]] | None = None  # mosaic → polygons in level-0 px

    @property
    def labels(self) -> np.ndarray:
        return np.array([tile.label for tile in self.tiles], dtype=np.int64)

    def subset(self, indices: np.ndarray | list[int]) -> "TileManifest":
        return replace(self, tiles=[self.tiles[i] for i in indices])

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str = "manifest", base: Path | None = None) -> "TileManifest":
        if not isinstance(data, dict) or "tiles" not in data or "pyramids" not in data:
            raise ManifestError(f"{source}: must be an object with 'tiles' and 'pyramids'")
        tiles = [_row(row, source=source, number=n) for n, row in enumerate(data["tiles"])]
        pyramids = {str(k): _resolve(Path(v), base) for k, v in data["pyramids"].items()}
        return cls(
            tiles=tiles, pyramids=pyramids,
            patients={str(k): str(v) for k, v in data.get("patients", {}).items()},
            splits={str(k): str(v) for k, v in data.get("splits", {}).items()},
            instances=data.get("instances"), polygons=data.get("polygons"),
        )  # fmt: skip


def _resolve(path: Path, base: Path | None) -> Path:
    return path if path.is_absolute() or base is None else base / path


def _row(row: Any, *, source: str, number: int) -> ManifestTile:
    values: list[Any] = [row.get(name) for name in COLUMNS] if isinstance(row, dict) else list(row)
    if len(values) != len(COLUMNS) or any(value is None for value in values):
        raise ManifestError(f"{source}: tile row {number} must have {', '.join(COLUMNS)}; got {row!r}")
    try:
        tile = ManifestTile(str(values[0]), int(values[1]), int(values[2]), int(values[3]), float(values[4]),
                            float(values[5]), int(values[6]))  # fmt: skip
    except (TypeError, ValueError) as error:
        raise ManifestError(f"{source}: tile row {number} has a value of the wrong type ({error})") from error
    if tile.size <= 0 or tile.scale <= 0 or tile.label not in (0, 1) or not 0 <= tile.labelled_fraction <= 1:
        raise ManifestError(f"{source}: tile row {number}: size and scale must be positive, label 0 or 1, "
                            f"labelled_fraction in [0, 1]; got {row!r}")  # fmt: skip
    return tile


def read_manifest(path: Path) -> TileManifest:
    """The manifest JSON at ``path``; relative pyramid paths are relative to its folder."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path}: cannot read the manifest ({error})") from error
    return TileManifest.from_json(data, source=str(path), base=Path(path).parent)


def split_by_patient(manifest: TileManifest, *, val_fraction: float, seed: int) -> tuple[TileManifest, TileManifest]:
    """(train, val): explicit ``splits`` when given, otherwise patients split stratified by mosaic positivity.

    Every tile of a patient lands on one side (``StratifiedGroupKFold``, groups =
    patients, strata = whether the mosaic has a positive tile); the first of
    ``round(1 / val_fraction)`` folds is the validation set. Mosaics without a patient
    are their own patient.
    """
    if manifest.splits:
        sides = [manifest.splits.get(tile.mosaic, "train") for tile in manifest.tiles]
        train = [i for i, side in enumerate(sides) if side == "train"]
        val = [i for i, side in enumerate(sides) if side == "val"]
        return manifest.subset(train), manifest.subset(val)
    mosaics = sorted({tile.mosaic for tile in manifest.tiles})
    positive = {tile.mosaic for tile in manifest.tiles if tile.label}
    groups = [manifest.patients.get(mosaic, f"mosaic:{mosaic}") for mosaic in mosaics]
    n_splits = max(2, round(1 / val_fraction))
    if len(set(groups)) < n_splits:
        raise ManifestError(f"{len(set(groups))} patient(s) cannot be split {n_splits} ways; give 'splits' explicitly")
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    strata = [int(mosaic in positive) for mosaic in mosaics]
    _, val_mosaic_index = next(folds.split(np.zeros(len(mosaics)), strata, groups))
    val_mosaics = {mosaics[i] for i in val_mosaic_index}
    val = [i for i, tile in enumerate(manifest.tiles) if tile.mosaic in val_mosaics]
    train = [i for i, tile in enumerate(manifest.tiles) if tile.mosaic not in val_mosaics]
    return manifest.subset(train), manifest.subset(val)
