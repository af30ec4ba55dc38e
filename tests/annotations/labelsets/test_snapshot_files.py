"""Label-set snapshot files: masks, QuPath GeoJSON, tiles, COCO (read by pycocotools), manifest."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import pyvips
from affine import Affine
from pycocotools.coco import COCO
from rasterio import features
from shapely.geometry import box

from annotations.agreement.pixels import tally_tiles
from annotations.agreement.raster import TileGrid, reader_shapes
from annotations.geometry.shapes import shape_from_stored, to_geojson
from annotations.labelsets.coco import instance_rle
from annotations.labelsets.importing import regions_from_file
from annotations.labelsets.label_masks import write_label_mask
from annotations.labelsets.manifest import verify_manifest
from annotations.labelsets.writer import LabelSetWriter, SnapshotMosaic, SnapshotSettings
from annotations.vocabulary import FeatureLabel
from tests.annotations.agreement.regions import random_regions

LABELS = [choice.value for choice in FeatureLabel]
FRAME = to_geojson(box(20, 20, 220, 180).difference(box(60, 60, 120, 140)))  # a hole: COCO polygons cannot say it


def mosaics() -> list[SnapshotMosaic]:
    rng = np.random.default_rng(8)
    others = random_regions(rng, 12, width=700, height=500, labels=["clefting", "dendritic_cells", "dark_shadows"])
    return [
        SnapshotMosaic(11, "patient1 lesion#1", 450, 300, 0.5, "p1", "train",
                       [("atypical_honeycomb", FRAME), ("clefting", to_geojson(box(80, 80, 100, 100)))]),
        SnapshotMosaic(12, "patient2_lesion", 700, 500, 0.5, "p2", "test", others),
        SnapshotMosaic(13, "negative", 300, 200, 0.5, "p3", "val", []),
    ]  # fmt: skip


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    root = tmp_path / "labelset-v1"
    with LabelSetWriter(root, SnapshotSettings(labels=LABELS, mask_downsample=2, tile_px=64)) as writer:
        for mosaic in mosaics():
            writer.add(mosaic)
        writer.close(metadata={"version": 1, "split_seed": 4})
    return root


def rasterised(regions: list, width: int, height: int, downsample: int = 1) -> np.ndarray:
    shapes = [shape_from_stored(g) for _, g in regions]
    if not shapes:
        return np.zeros((-(-height // downsample), -(-width // downsample)), bool)
    return features.rasterize(shapes, out_shape=(-(-height // downsample), -(-width // downsample)),
                              transform=Affine.scale(downsample), dtype="uint8").astype(bool)  # fmt: skip


def test_coco_masks_decoded_by_pycocotools_equal_the_rasterised_regions(snapshot: Path) -> None:
    coco = COCO(str(snapshot / "coco_instances.json"))
    for mosaic in mosaics():
        decoded = np.zeros((mosaic.height, mosaic.width), bool)
        for annotation in coco.loadAnns(coco.getAnnIds(imgIds=[mosaic.id])):
            decoded |= coco.annToMask(annotation).astype(bool)
        np.testing.assert_array_equal(decoded, rasterised(list(mosaic.regions), mosaic.width, mosaic.height))
    frame = coco.loadAnns(coco.getAnnIds(imgIds=[11], catIds=[LABELS.index("atypical_honeycomb") + 1]))
    assert len(frame) == 1 and not coco.annToMask(frame[0])[100, 90]  # the hole is empty
    assert frame[0]["area"] == 200 * 160 - 60 * 80


@pytest.mark.parametrize(
    "geometry",
    [FRAME, to_geojson(box(10, 0, 30, 301)), to_geojson(box(400, 200, 450, 301)), to_geojson(box(0, 0, 450, 301))],
    ids=["frame-with-hole", "full-height-band", "bottom-right-corner", "whole-image"],
)
def test_coco_rle_equals_the_raster_at_a_downsample_and_in_narrow_chunks(
    monkeypatch: pytest.MonkeyPatch, geometry: dict
) -> None:
    from pycocotools import mask as coco_mask

    import annotations.labelsets.coco as coco_module

    monkeypatch.setattr(coco_module, "CHUNK_PIXELS", 500)  # chunks of a few columns: runs cross chunks
    for downsample in (1, 3):
        rle = instance_rle(shape_from_stored(geometry), width=450, height=301, downsample=downsample)
        assert rle is not None
        expected = rasterised([("x", geometry)], 450, 301, downsample)
        decoded = coco_mask.decode({"size": rle["size"], "counts": rle["counts"].encode()})
        np.testing.assert_array_equal(decoded.astype(bool), expected)
        # The same canonical RLE that pycocotools writes for the whole mask.
        assert rle["counts"] == coco_mask.encode(np.asfortranarray(expected.astype(np.uint8)))["counts"].decode()


def test_label_mask_png_holds_a_value_per_feature_at_the_stated_scale(snapshot: Path) -> None:
    image = pyvips.Image.new_from_file(str(snapshot / "masks" / "11_patient1_lesion_1.png"))
    assert (image.width, image.height) == (225, 150)
    mask = image.numpy()
    honeycomb, clefting = LABELS.index("atypical_honeycomb") + 1, LABELS.index("clefting") + 1
    assert set(np.unique(mask)) == {0, honeycomb, clefting}
    assert mask[32, 32] == 0  # in the frame's hole: output pixel centre (65, 65)
    assert mask[45, 45] == clefting  # the clefting square drawn inside the hole
    np.testing.assert_array_equal(mask == honeycomb, rasterised([("x", FRAME)], 450, 300, downsample=2))
    np.testing.assert_array_equal(
        mask == clefting, rasterised([("x", to_geojson(box(80, 80, 100, 100)))], 450, 300, downsample=2)
    )


def test_smaller_region_wins_where_labels_overlap(tmp_path: Path) -> None:
    regions = [("atypical_honeycomb", to_geojson(box(0, 0, 100, 100))), ("clefting", to_geojson(box(40, 40, 60, 60)))]
    root = tmp_path / "overlap"
    with LabelSetWriter(root, SnapshotSettings(labels=LABELS, mask_downsample=1)) as writer:
        writer.add(SnapshotMosaic(1, "m", 100, 100, 0.5, "p", "train", regions))
    mask = pyvips.Image.new_from_file(str(root / "masks" / "1_m.png")).numpy()
    assert mask[50, 50] == LABELS.index("clefting") + 1 and mask[10, 10] == LABELS.index("atypical_honeycomb") + 1


def test_tile_manifest_matches_the_agreement_tile_sweep(snapshot: Path) -> None:
    with (snapshot / "tiles.csv").open() as stream:
        rows = [row for row in csv.DictReader(stream) if row["mosaic"] == "12"]
    mosaic = mosaics()[1]
    grid = TileGrid(700, 500, 64)
    fractions = tally_tiles(grid, reader_shapes(mosaic.regions)).fractions()
    assert len(rows) == grid.rows * grid.cols
    for row in rows:
        fraction = fractions[int(row["y"]) // 64, int(row["x"]) // 64]
        assert float(row["labelled_fraction"]) == pytest.approx(fraction, abs=1e-6)
        assert row["label"] == str(int(fraction >= 0.5))
        assert row["split"] == "test" and row["patient"] == "p2"
    edge = next(row for row in rows if row["x"] == "640" and row["y"] == "448")
    assert (edge["width"], edge["height"]) == ("60", "52")
    assert any(row["feature"] for row in rows)


def test_exported_geojson_imports_back_to_the_same_regions(snapshot: Path) -> None:
    known = dict(FeatureLabel.choices)
    for mosaic in mosaics():
        path = snapshot / "geojson" / f"{mosaic.id}_{mosaic.name.replace(' ', '_').replace('#', '_')}.geojson"
        back = regions_from_file(path, width=mosaic.width, height=mosaic.height, known_labels=known)
        assert [label for label, _ in back] == [label for label, _ in mosaic.regions]
        for (_, original), (_, imported) in zip(mosaic.regions, back, strict=True):
            assert shape_from_stored(imported).equals(shape_from_stored(original))
        document = json.loads(path.read_text())
        assert all(f["properties"]["objectType"] == "annotation" for f in document["features"])


def test_manifest_verifies_and_detects_tampering(snapshot: Path) -> None:
    assert verify_manifest(snapshot) == []
    manifest = json.loads((snapshot / "manifest.json").read_text())
    listed = {entry["path"] for entry in manifest["files"]}
    assert {"tiles.csv", "coco_instances.json", "labels.json", "mosaics.csv", "masks/13_negative.png"} <= listed
    mask = snapshot / "masks" / "12_patient2_lesion.png"
    data = bytearray(mask.read_bytes())
    data[-20] ^= 0xFF
    mask.write_bytes(bytes(data))
    (snapshot / "tiles.csv").unlink()
    (snapshot / "extra.txt").write_text("slipped in")
    problems = verify_manifest(snapshot)
    assert problems == ["masks/12_patient2_lesion.png: changed (SHA-256 differs from the manifest)",
                        "tiles.csv: missing", "extra.txt: not in the manifest"]  # fmt: skip


def test_a_failed_snapshot_leaves_nothing_behind(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    with pytest.raises(ValueError, match="labels"), LabelSetWriter(root, SnapshotSettings(labels=["clefting"])) as w:
        w.add(mosaics()[0])
    assert not root.exists() and not (tmp_path / "broken.partial").exists()


def test_negative_mosaic_has_an_empty_mask_and_no_instances(snapshot: Path) -> None:
    mask = pyvips.Image.new_from_file(str(snapshot / "masks" / "13_negative.png")).numpy()
    assert mask.shape == (100, 150) and not mask.any()
    coco = COCO(str(snapshot / "coco_instances.json"))
    assert coco.getAnnIds(imgIds=[13]) == []


def test_label_mask_swept_in_many_bands_equals_one_whole_rasterisation(tmp_path: Path) -> None:
    regions = random_regions(np.random.default_rng(2), 15, width=450, height=300, labels=["clefting", "dark_shadows"])
    shapes = [(label, shape_from_stored(g)) for label, g in regions]
    size = write_label_mask(tmp_path / "m.png", shapes, width=450, height=300, labels=LABELS, downsample=1,
                            band_pixels=450 * 7)  # fmt: skip
    assert size == (450, 300)
    ordered = sorted(shapes, key=lambda pair: -pair[1].area)  # smaller regions burnt last, on top
    expected = features.rasterize([(g, LABELS.index(label) + 1) for label, g in ordered], out_shape=(300, 450),
                                  dtype="uint8")  # fmt: skip
    np.testing.assert_array_equal(pyvips.Image.new_from_file(str(tmp_path / "m.png")).numpy(), expected)
