"""A label-set snapshot as the training manifest: the snapshot's tiles, re-tiled from the mask, detector polygons."""

import pytest

from annotations.selectors.labelsets import labelset_root
from annotations.storage import media_path
from inference.ml.models import default_config
from tests.training.builders import TILE, export_labelset, training_study
from training.snapshot_files import snapshot_mosaics
from training.snapshot_manifest import snapshot_manifest

pytestmark = pytest.mark.django_db


def test_the_manifest_holds_train_and_val_only_at_the_models_tiles_with_the_snapshots_labels() -> None:
    built = training_study(8)
    labelset = export_labelset(built.study)
    root = labelset_root(labelset)
    rows = snapshot_mosaics(root)
    pyramids = {mosaic.pk: media_path(mosaic.pyramid_path) for mosaic in built.mosaics}
    held_out = {str(row.mosaic) for row in rows if row.split == "test"}
    assert held_out

    same = snapshot_manifest(root, default_config("classifier", "resnet10t", tile_size=TILE), pyramids)
    assert {tile.mosaic for tile in same.tiles} == {str(row.mosaic) for row in rows if row.split != "test"}
    assert set(same.splits.values()) == {"train", "val"} and not held_out & set(same.pyramids)
    assert all((tile.size, tile.scale) == (TILE, 1.0) for tile in same.tiles)
    # A positive mosaic's 64-px bright square is four positive 32-px tiles.
    positives = {row.mosaic: row.regions for row in rows if row.split != "test"}
    for mosaic, regions in positives.items():
        assert sum(tile.label for tile in same.tiles if tile.mosaic == str(mosaic)) == 4 * regions

    # 16-px tiles at 1 µm/px are 32 level-0 px: the snapshot's own tiles, read at half size.
    coarse = snapshot_manifest(root, default_config("classifier", "resnet10t", tile_size=16, um_per_px=1.0), pyramids)
    assert [(t.x, t.y, t.label) for t in coarse.tiles] == [(t.x, t.y, t.label) for t in same.tiles]
    assert all(tile.scale == 2.0 for tile in coarse.tiles)
    # 32-px tiles at 0.25 µm/px are 16 level-0 px: a new grid, labelled from the snapshot's label mask.
    fine = snapshot_manifest(root, default_config("classifier", "resnet10t", tile_size=32, um_per_px=0.25), pyramids)
    assert all((tile.size, tile.scale) == (16, 0.5) for tile in fine.tiles)
    assert len(fine.tiles) == 4 * len(same.tiles) and fine.labels.sum() == 4 * same.labels.sum()

    detector = snapshot_manifest(root, default_config("detector", "maskrcnn_resnet18_fpn", tile_size=TILE), pyramids)
    for mosaic, regions in positives.items():
        rings = detector.polygons[str(mosaic)] if detector.polygons else []
        assert len(rings) == regions
        for ring in rings:
            xs, ys = [x for x, _ in ring], [y for _, y in ring]
            assert (max(xs) - min(xs), max(ys) - min(ys)) == (2 * TILE, 2 * TILE)
