"""A label-set snapshot as the ML package's ``TileManifest`` (train and val mosaics; test is held out).

Tiles: where the model's tile (``tile_size`` px at ``um_per_px``) is the snapshot's
tile in level-0 pixels, the snapshot's own ``tiles.csv`` rows; otherwise the model's
grid laid over each mosaic and labelled from the snapshot's label mask with the
snapshot's positive fraction (``snapshot_files.grid_fractions``). Django-free: the
caller passes each mosaic's pyramid path and µm per pixel.
"""

from collections.abc import Mapping
from pathlib import Path

from inference.ml.data.manifest import ManifestTile, TileManifest
from inference.ml.model_config import ModelConfig
from inference.ml.predict.splitter import TileGrid
from training.snapshot_files import (
    grid_fractions,
    label_mask,
    mosaic_polygons,
    snapshot_mosaics,
    snapshot_settings,
    snapshot_tiles,
)

TRAINING_SPLITS = ("train", "val")


def snapshot_manifest(root: Path, config: ModelConfig, pyramids: Mapping[int, Path]) -> TileManifest:
    """The train and val mosaics of the snapshot at ``root`` as a manifest for ``config``'s tiles."""
    settings = snapshot_settings(root)
    snapshot_px, positive_fraction = int(settings["tile_px"]), float(settings["positive_fraction"])
    rows = [row for row in snapshot_mosaics(root) if row.split in TRAINING_SPLITS]
    own = snapshot_tiles(root, [row.mosaic for row in rows])
    tiles: list[ManifestTile] = []
    for row in rows:
        tile_px = max(1, round(config.tile_size * config.um_per_px / row.um_per_px))
        scale = tile_px / config.tile_size
        if tile_px == snapshot_px:
            tiles += [ManifestTile(str(row.mosaic), t.x, t.y, t.size, scale, t.labelled_fraction, t.label)
                      for t in own[row.mosaic]]  # fmt: skip
            continue
        grid = TileGrid(row.width, row.height, tile_px, tile_px)
        labelled, downsample = label_mask(root, row)
        fractions = grid_fractions(labelled, downsample, tile_px=tile_px, stride_px=tile_px, rows=grid.rows,
                                   cols=grid.cols, width=row.width, height=row.height)  # fmt: skip
        for r in range(grid.rows):
            for c in range(grid.cols):
                share = round(float(fractions[r, c]), 6)
                tiles.append(ManifestTile(str(row.mosaic), c * tile_px, r * tile_px, tile_px, scale, share,
                                          int(share >= positive_fraction)))  # fmt: skip
    return TileManifest(
        tiles=tiles,
        pyramids={str(row.mosaic): Path(pyramids[row.mosaic]) for row in rows},
        patients={str(row.mosaic): row.patient for row in rows},
        splits={str(row.mosaic): row.split for row in rows},
        polygons={str(row.mosaic): mosaic_polygons(root, row) for row in rows} if config.kind == "detector" else None,
    )
