"""Existing labels into regions: PNG, TIFF, NRRD masks and QuPath GeoJSON, and every refusal."""

import json
from pathlib import Path

import nrrd
import numpy as np
import pytest
import shapely
import tifffile
from PIL import Image
from rasterio import features
from shapely.geometry import box

from annotations.geometry.shapes import shape_from_stored, to_geojson
from annotations.labelsets.errors import LabelImportError
from annotations.labelsets.importing import file_stem, match_label_files, parse_label_map, regions_from_file
from annotations.vocabulary import FeatureLabel

KNOWN = dict(FeatureLabel.choices)
WIDTH, HEIGHT = 240, 160


def label_mask() -> np.ndarray:
    """Value 1: a frame with a hole; value 2: a disc (curved outline); value 3: a small square."""
    frame = box(10, 10, 90, 90).difference(box(30, 30, 70, 60))
    disc = shapely.Point(160, 80).buffer(45)
    mask = features.rasterize([(frame, 1), (disc, 2), (box(200, 120, 210, 130), 3)],
                              out_shape=(HEIGHT, WIDTH), dtype="uint8")  # fmt: skip
    return mask


def pixel_area(mask: np.ndarray) -> shapely.Geometry:
    """The union of the set pixels' squares: the mask's outline along pixel edges, built independently."""
    rows, cols = np.nonzero(mask)
    return shapely.union_all(shapely.box(cols, rows, cols + 1, rows + 1))


def imported(path: Path, label_map: dict | None = None, **options: object) -> list:
    return regions_from_file(path, width=WIDTH, height=HEIGHT, label_map=label_map, known_labels=KNOWN,
                             **options)  # type: ignore[arg-type]  # fmt: skip


LABEL_MAP = {"1": "atypical_honeycomb", "2": "Dendritic cells", "3": "clefting"}


def check_round_trip(regions: list, mask: np.ndarray) -> None:
    by_label: dict = {}
    for label, geometry in regions:
        by_label.setdefault(label, []).append(shape_from_stored(geometry))
    assert sorted(by_label) == ["atypical_honeycomb", "clefting", "dendritic_cells"]
    for value, label in ((1, "atypical_honeycomb"), (2, "dendritic_cells"), (3, "clefting")):
        (region,) = by_label[label]
        expected = pixel_area(mask == value)
        # Simplified by at most half a pixel, both ways.
        assert shapely.hausdorff_distance(region, expected, densify=0.05) <= 0.5 + 1e-9, label
    frame = by_label["atypical_honeycomb"][0]
    assert len(frame.interiors) == 1 and frame.area == pytest.approx(80 * 80 - 40 * 30)
    assert by_label["clefting"][0].equals(box(200, 120, 210, 130))


def test_png_label_mask_round_trips_to_the_same_regions(tmp_path: Path) -> None:
    mask = label_mask()
    Image.fromarray(mask).save(tmp_path / "m.png")
    check_round_trip(imported(tmp_path / "m.png", LABEL_MAP), mask)


def test_palette_png_gives_its_indices_not_its_colours(tmp_path: Path) -> None:
    mask = label_mask()
    picture = Image.fromarray(mask, mode="L").convert("P")
    picture.putpalette([0, 0, 0, 230, 25, 75, 255, 225, 25, 145, 30, 180] + [0] * (256 - 4) * 3)
    picture.save(tmp_path / "p.png")
    check_round_trip(imported(tmp_path / "p.png", LABEL_MAP), mask)


def test_tiff_16_bit_label_mask_round_trips(tmp_path: Path) -> None:
    mask = label_mask().astype(np.uint16) * 1000
    tifffile.imwrite(tmp_path / "m.tif", mask, compression="zlib", tile=(64, 64))
    regions = imported(tmp_path / "m.tif", {"1000": "atypical_honeycomb", "2000": "dendritic_cells",
                                            "3000": "clefting"})  # fmt: skip
    check_round_trip(regions, mask // 1000)


@pytest.mark.parametrize("shape", [(HEIGHT, WIDTH), (1, HEIGHT, WIDTH)], ids=["2d", "single-slice-3d"])
def test_nrrd_label_volume_as_seg3d_writes_round_trips(tmp_path: Path, shape: tuple) -> None:
    mask = label_mask()
    nrrd.write(str(tmp_path / "m.nrrd"), mask.reshape(shape), index_order="C")
    check_round_trip(imported(tmp_path / "m.nrrd", LABEL_MAP), mask)


def test_binary_mask_becomes_the_default_label_or_the_mapped_one(tmp_path: Path) -> None:
    Image.fromarray(((label_mask() > 0) * 255).astype(np.uint8)).save(tmp_path / "b.png")
    assert {label for label, _ in imported(tmp_path / "b.png")} == {"other_suspicious"}
    assert {label for label, _ in imported(tmp_path / "b.png", {"255": "clefting"})} == {"clefting"}
    assert {label for label, _ in imported(tmp_path / "b.png", default_label="dark_shadows")} == {"dark_shadows"}


def test_empty_mask_is_a_negative_read(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((HEIGHT, WIDTH), np.uint8)).save(tmp_path / "zero.png")
    assert imported(tmp_path / "zero.png") == []


def qupath_feature(geometry: dict, name: str | None) -> dict:
    properties: dict = {"objectType": "annotation"}
    if name:
        properties["classification"] = {"name": name, "color": [200, 0, 0]}
    return {"type": "Feature", "id": "3f6c0f5e-0000-4000-8000-000000000000", "geometry": geometry,
            "properties": properties}  # fmt: skip


def test_qupath_geojson_round_trips_with_holes_and_classes(tmp_path: Path) -> None:
    frame = to_geojson(box(10, 10, 90, 90).difference(box(30, 30, 70, 60)))
    two = to_geojson(shapely.MultiPolygon([box(100, 10, 120, 30), box(130, 10, 150, 30)]))
    document = {
        "type": "FeatureCollection",
        "features": [
            qupath_feature(frame, "Atypical honeycomb"),
            qupath_feature(two, "Tumor"),
            qupath_feature(frame, None),
        ],
    }
    (tmp_path / "m.tif.geojson").write_text(json.dumps(document))
    regions = imported(tmp_path / "m.tif.geojson", {"Tumor": "clefting"})
    assert [label for label, _ in regions] == ["atypical_honeycomb", "clefting", "other_suspicious"]
    assert shape_from_stored(regions[0][1]).equals(shape_from_stored(frame))
    assert shape_from_stored(regions[1][1]).equals(shape_from_stored(two))


def test_older_qupath_feature_list_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "l.json").write_text(json.dumps([qupath_feature(to_geojson(box(0, 0, 10, 10)), "Clefting")]))
    assert [label for label, _ in imported(tmp_path / "l.json")] == ["clefting"]


def truncated_png(path: Path) -> None:
    Image.fromarray(np.random.default_rng(0).integers(0, 4, (HEIGHT, WIDTH), dtype=np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:400])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: Image.fromarray(np.zeros((100, 100), np.uint8)).save(p), "is 100 x 100 px but the mosaic is 240 x 160"),
        (lambda p: Image.fromarray(label_mask() * 3).save(p), "label values 3, 6, 9 that the label map does not name"),
        (lambda p: p.write_bytes(b""), "the file is empty"),
        (lambda p: truncated_png(p), "the PNG mask cannot be read"),
        (lambda p: p.write_bytes(b"hello, not a mask"), "not a PNG, TIFF or NRRD mask nor GeoJSON"),
        (lambda p: Image.fromarray(np.dstack([label_mask()] * 2 + [label_mask() * 0])).save(p), "in colour"),
        (lambda p: p.write_text('{"type": "FeatureCollection", "features": ['), "not valid JSON"),
        (lambda p: p.write_text(json.dumps(qupath_feature({"type": "Point", "coordinates": [1, 2]}, "Clefting"))),
         "feature 1 is a Point"),
        (lambda p: p.write_text(json.dumps(qupath_feature(to_geojson(box(0, 0, 5, 5)), "Tumor"))),
         "classes 'Tumor' are not feature labels"),
        (lambda p: p.write_text(json.dumps(qupath_feature(to_geojson(box(500, 500, 505, 505)), None))),
         "entirely outside the mosaic"),
        (lambda p: nrrd.write(str(p), np.zeros((3, HEIGHT, WIDTH), np.uint8), index_order="C"), "has 3 slices"),
    ],
    ids=["wrong-size", "unknown-values", "empty", "corrupt-png", "not-a-mask", "colour", "bad-json", "point",
         "unknown-class", "outside", "nrrd-slices"],
)  # fmt: skip
def test_bad_files_give_one_error_with_a_reason(tmp_path: Path, make: object, reason: str) -> None:
    path = tmp_path / "bad.png"
    make(path)  # type: ignore[operator]
    with pytest.raises(LabelImportError, match=reason.replace("(", r"\(")):
        imported(path, {"1": "clefting"})


def test_truncated_nrrd_is_refused(tmp_path: Path) -> None:
    nrrd.write(str(tmp_path / "t.nrrd"), label_mask(), index_order="C", header={"encoding": "raw"})
    data = (tmp_path / "t.nrrd").read_bytes()
    (tmp_path / "t.nrrd").write_bytes(data[: len(data) // 2])
    with pytest.raises(LabelImportError, match="NRRD file is truncated or corrupt"):
        imported(tmp_path / "t.nrrd", LABEL_MAP)


def test_a_huge_declared_size_is_refused_before_decoding(tmp_path: Path) -> None:
    Image.fromarray(label_mask()).save(tmp_path / "m.png")
    with pytest.raises(LabelImportError, match="above this platform's limit of 1,000"):
        imported(tmp_path / "m.png", LABEL_MAP, max_pixels=1000)


def test_unknown_feature_in_the_label_map_is_named(tmp_path: Path) -> None:
    Image.fromarray(label_mask()).save(tmp_path / "m.png")
    with pytest.raises(LabelImportError, match="'tumour' is not a feature label"):
        imported(tmp_path / "m.png", {**LABEL_MAP, "3": "tumour"})


def test_files_match_mosaics_by_stem_or_csv(tmp_path: Path) -> None:
    mosaics = {1: "patient1_lesion", 2: "patient2_lesion", 3: "twin", 4: "twin"}
    files = [Path("patient1_lesion.png"), Path("patient2_lesion_mask.tif"), Path("twin.nrrd"), Path("x.png")]
    found = match_label_files(files, mosaics=mosaics)
    assert found.matched == [(files[0], 1), (files[1], 2)]
    reasons = dict(found.unmatched)
    assert "several mosaics" in reasons[files[2]] and "no mosaic" in reasons[files[3]]
    (tmp_path / "map.csv").write_text("file,mosaic\ntwin.nrrd,4\nx.png,patient1_lesion\n")
    found = match_label_files(files[2:], mosaics=mosaics, mapping_csv=tmp_path / "map.csv")
    assert found.matched == [(files[2], 4), (files[3], 1)]
    assert file_stem(Path("a.b.tif.geojson")) == "a.b"


def test_label_map_entries_are_parsed_and_malformed_ones_refused() -> None:
    assert parse_label_map(["1=clefting", " Tumor = Dark shadows "]) == {"1": "clefting", "Tumor": "Dark shadows"}
    for bad in (["1clefting"], ["=clefting"], ["1="], ["1=a", "1=b"]):
        with pytest.raises(ValueError):
            parse_label_map(bad)
