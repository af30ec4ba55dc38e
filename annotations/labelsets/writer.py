"""A label-set snapshot written to a directory, one mosaic at a time, with its manifest.

Layout of a snapshot (``LabelSetWriter``)::

    labels.json                  label values (mask value k + 1 = labels[k]), settings, metadata
    mosaics.csv                  mosaic, name, patient, split, width, height, um_per_px, regions
    masks/<id>_<name>.png        label mask at ``mask_downsample`` (see ``label_masks``)
    geojson/<id>_<name>.geojson  QuPath-compatible FeatureCollection of the regions
    tiles.csv                    mosaic, name, patient, split, x, y, size, width, height, um_per_px,
                                 labelled_fraction, label (1 positive / 0), feature (largest in the tile)
    coco_instances.json          COCO instances, RLE masks at ``coco_downsample`` (see ``coco``)
    manifest.json                SHA-256 and size of every other file (see ``manifest``)

Memory stays bounded by one mosaic: masks, tiles and COCO strips are swept in
bands, GeoJSON and CSV rows are written as each mosaic is added; only the COCO
annotations (RLE strings) are kept until ``close``. The snapshot is built in
``<root>.partial`` and renamed to ``<root>`` when ``close`` succeeds; a failure
removes the partial directory, so a snapshot on disk is always complete.

Tiles use the agreement's tile sweep (``annotations.agreement.pixels.tally_tiles``):
the same grid (edge tiles kept, their fraction over the part inside the mosaic)
and the same positive rule (labelled fraction >= ``positive_fraction``).
"""

import csv
import json
import re
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import numpy as np

from annotations.agreement.pixels import tally_tiles
from annotations.agreement.raster import TileGrid, shapes_from_geometries
from annotations.geometry.shapes import Polygonal, shape_from_stored, to_geojson

from .coco import coco_annotations, coco_document
from .label_masks import write_label_mask
from .manifest import write_manifest

TILE_COLUMNS = ["mosaic", "name", "patient", "split", "x", "y", "size", "width", "height", "um_per_px",
                "labelled_fraction", "label", "feature"]  # fmt: skip
MOSAIC_COLUMNS = ["mosaic", "name", "patient", "split", "width", "height", "um_per_px", "regions"]
_ID_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4c1b-9a57-3f2e1d0c9b8a")


@dataclass(frozen=True)
class SnapshotSettings:
    labels: Sequence[str]  # the platform's feature labels, in value order
    mask_downsample: int = 4
    coco_downsample: int = 1
    tile_px: int = 224
    positive_fraction: float = 0.5
    colours: Mapping[str, str] = field(default_factory=dict)  # label -> "#rrggbb", for QuPath


@dataclass(frozen=True)
class SnapshotMosaic:
    id: int
    name: str  # source file stem
    width: int
    height: int
    um_per_px: float
    patient: str
    split: str
    regions: Sequence[tuple[str, Mapping[str, Any]]]  # (label, GeoJSON geometry) as stored


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "mosaic"


def qupath_feature_collection(
    regions: Sequence[tuple[str, Polygonal]], *, mosaic_id: int, colours: Mapping[str, str]
) -> dict[str, Any]:
    """Regions as QuPath imports them: annotations with a classification, pixel coordinates."""
    features = []
    for index, (label, geometry) in enumerate(regions):
        classification: dict[str, Any] = {"name": label}
        colour = colours.get(label)
        if colour:
            classification["color"] = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        features.append({
            "type": "Feature",
            "id": str(uuid.uuid5(_ID_NAMESPACE, f"{mosaic_id}:{index}")),
            "geometry": to_geojson(geometry),
            "properties": {"objectType": "annotation", "classification": classification, "label": label},
        })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def tile_rows(mosaic: SnapshotMosaic, regions: Sequence[tuple[str, Polygonal]], settings: SnapshotSettings
              ) -> list[dict[str, Any]]:  # fmt: skip
    """One row per tile of the mosaic's grid (see ``TILE_COLUMNS``)."""
    grid = TileGrid(mosaic.width, mosaic.height, settings.tile_px)
    tally = tally_tiles(grid, shapes_from_geometries(regions))
    fractions = tally.fractions()
    rows = []
    for row in range(grid.rows):
        for col in range(grid.cols):
            feature = ""
            if tally.labels and tally.per_label[:, row, col].any():
                feature = tally.labels[int(np.argmax(tally.per_label[:, row, col]))]
            x, y = col * grid.tile_px, row * grid.tile_px
            rows.append({
                "mosaic": mosaic.id, "name": mosaic.name, "patient": mosaic.patient, "split": mosaic.split,
                "x": x, "y": y, "size": grid.tile_px, "width": min(grid.tile_px, mosaic.width - x),
                "height": min(grid.tile_px, mosaic.height - y), "um_per_px": mosaic.um_per_px,
                "labelled_fraction": round(float(fractions[row, col]), 6),
                "label": int(fractions[row, col] >= settings.positive_fraction), "feature": feature,
            })  # fmt: skip
    return rows


class LabelSetWriter:
    """Write a snapshot to ``root`` (see the module's docstring); use as a context manager."""

    def __init__(self, root: Path, settings: SnapshotSettings) -> None:
        self.root = Path(root)
        self.settings = settings
        if self.root.exists():
            raise FileExistsError(f"{self.root} exists; a snapshot is written into a new directory")
        self.partial = self.root.with_name(self.root.name + ".partial")
        shutil.rmtree(self.partial, ignore_errors=True)
        (self.partial / "masks").mkdir(parents=True)
        (self.partial / "geojson").mkdir()
        self._tiles_file: TextIO = (self.partial / "tiles.csv").open("w", newline="")
        self._mosaics_file: TextIO = (self.partial / "mosaics.csv").open("w", newline="")
        self._tiles = csv.DictWriter(self._tiles_file, TILE_COLUMNS)
        self._tiles.writeheader()
        self._mosaics = csv.DictWriter(self._mosaics_file, MOSAIC_COLUMNS)
        self._mosaics.writeheader()
        self._images: list[dict[str, Any]] = []
        self._annotations: list[dict[str, Any]] = []

    def add(self, mosaic: SnapshotMosaic) -> None:
        """Write one mosaic's mask, GeoJSON, tile rows and COCO instances."""
        settings = self.settings
        regions = [(label, shape_from_stored(dict(geometry))) for label, geometry in mosaic.regions]
        unknown = sorted({label for label, _ in regions} - set(settings.labels))
        if unknown:
            raise ValueError(f"mosaic {mosaic.id} has labels {unknown} that the label set does not list")
        stem = f"{mosaic.id}_{safe_name(mosaic.name)}"
        write_label_mask(self.partial / "masks" / f"{stem}.png", regions, width=mosaic.width, height=mosaic.height,
                         labels=settings.labels, downsample=settings.mask_downsample)  # fmt: skip
        collection = qupath_feature_collection(regions, mosaic_id=mosaic.id, colours=settings.colours)
        (self.partial / "geojson" / f"{stem}.geojson").write_text(json.dumps(collection))
        self._tiles.writerows(tile_rows(mosaic, regions, settings))
        coco_width = -(-mosaic.width // settings.coco_downsample)
        coco_height = -(-mosaic.height // settings.coco_downsample)
        self._images.append({"id": mosaic.id, "file_name": mosaic.name, "width": coco_width, "height": coco_height,
                             "downsample": settings.coco_downsample, "um_per_px": mosaic.um_per_px})  # fmt: skip
        self._annotations += coco_annotations(
            regions, image_id=mosaic.id, first_id=len(self._annotations) + 1, width=mosaic.width,
            height=mosaic.height, categories=settings.labels, downsample=settings.coco_downsample,
        )  # fmt: skip
        self._mosaics.writerow({"mosaic": mosaic.id, "name": mosaic.name, "patient": mosaic.patient,
                                "split": mosaic.split, "width": mosaic.width, "height": mosaic.height,
                                "um_per_px": mosaic.um_per_px, "regions": len(regions)})  # fmt: skip

    def close(self, *, metadata: Mapping[str, Any] | None = None) -> Path:
        """Finish the files, write the manifest, move the snapshot into place; returns the manifest's path."""
        self._tiles_file.close()
        self._mosaics_file.close()
        info = {"description": "RCM label set", **{k: v for k, v in (metadata or {}).items() if k in ("version",)}}
        document = coco_document(self._images, self._annotations, self.settings.labels, info)
        (self.partial / "coco_instances.json").write_text(json.dumps(document))
        labels = {
            "values": [{"value": index + 1, "label": label} for index, label in enumerate(self.settings.labels)],
            "settings": {key: value for key, value in asdict(self.settings).items() if key != "labels"},
            "metadata": dict(metadata or {}),
        }
        (self.partial / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True))
        write_manifest(self.partial, metadata={"metadata": dict(metadata or {})})
        self.partial.rename(self.root)
        return self.root / "manifest.json"

    def abort(self) -> None:
        for stream in (self._tiles_file, self._mosaics_file):
            stream.close()
        shutil.rmtree(self.partial, ignore_errors=True)

    def __enter__(self) -> "LabelSetWriter":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
                 ) -> None:  # fmt: skip
        if kind is not None:
            self.abort()
        elif not self.root.exists():
            self.close()
