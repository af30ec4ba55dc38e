"""Per-mosaic agreement on hand-made reads whose answers are counted by hand."""

import math

import pytest
import shapely

from annotations.agreement.mosaic import (
    AgreementSettings,
    MosaicInfo,
    ReaderLabels,
    mosaic_agreement,
    mosaic_pairs_agreement,
)
from annotations.geometry.shapes import to_geojson

from .regions import rect

MOSAIC = MosaicInfo(id=7, name="patient3_lesion1", width=400, height=200, um_per_px=0.5)


def agree(a: list, b: list, **settings: object) -> dict:
    return mosaic_agreement(
        MOSAIC, ReaderLabels("ann", a, "actinic_keratosis"), ReaderLabels("bob", b, "actinic_keratosis"),
        settings=AgreementSettings(**settings),  # type: ignore[arg-type]
    )  # fmt: skip


def test_overlapping_rectangles_give_the_dice_and_iou_counted_by_hand() -> None:
    # a: 100 x 50 = 5000 px, b: 100 x 50 shifted by 50 px: 2500 px in common.
    row = agree([("dark_shadows", rect(0, 0, 100, 50))], [("dark_shadows", rect(50, 0, 150, 50))])
    assert row["pixels"] == {"a": 5000, "b": 5000, "both": 2500}
    assert row["dice"] == 0.5
    assert row["iou"] == pytest.approx(1 / 3)
    assert row["mosaic"] == 7 and row["name"] == "patient3_lesion1" and row["readers"] == ["ann", "bob"]
    assert row["diagnosis_agree"] is True


def test_dice_is_counted_per_label_and_for_all_labels_together() -> None:
    a = [("atypical_honeycomb", rect(0, 0, 100, 100)), ("clefting", rect(200, 0, 220, 10))]
    # b calls the left half of a's honeycomb "clefting" and agrees on nothing else.
    b = [("clefting", rect(0, 0, 50, 100)), ("atypical_honeycomb", rect(50, 0, 100, 100))]
    row = agree(a, b)
    assert row["pixels"] == {"a": 10_200, "b": 10_000, "both": 10_000}
    assert row["dice"] == pytest.approx(2 * 10_000 / 20_200)
    honeycomb = row["labels"]["atypical_honeycomb"]
    assert (honeycomb["a_px"], honeycomb["b_px"], honeycomb["both_px"]) == (10_000, 5000, 5000)
    assert honeycomb["dice"] == pytest.approx(2 * 5000 / 15_000)
    clefting = row["labels"]["clefting"]
    assert (clefting["a_px"], clefting["b_px"], clefting["both_px"]) == (200, 5000, 0)
    assert clefting["dice"] == 0 and clefting["iou"] == 0


def test_overlapping_regions_of_one_read_count_once() -> None:
    a = [("clefting", rect(0, 0, 100, 100)), ("clefting", rect(50, 50, 150, 150))]
    row = agree(a, a)
    assert row["pixels"]["a"] == 10_000 + 10_000 - 2500
    assert row["dice"] == 1.0


def test_region_with_a_hole_leaves_the_hole_out() -> None:
    frame = shapely.geometry.box(0, 0, 100, 100).difference(shapely.geometry.box(20, 20, 80, 80))
    row = agree([("clefting", to_geojson(frame))], [("clefting", rect(0, 0, 100, 100))])
    assert row["pixels"] == {"a": 10_000 - 3600, "b": 10_000, "both": 6400}


def test_two_negative_reads_agree_perfectly_by_stated_convention() -> None:
    row = agree([], [])
    assert row["dice"] == 1.0 and row["iou"] == 1.0
    assert row["notes"]["dice"] == "both negative: dice=1, iou=1 by convention"
    assert row["tile_kappa"] == 1.0 and "kappa=1 by convention" in row["notes"]["tile_kappa"]
    assert row["lesion_f1"] == 1.0 and "by convention" in row["notes"]["lesion_f1"]
    assert row["hausdorff95_um"] is None and row["notes"]["hausdorff95_um"].startswith("undefined")


def test_one_negative_read_against_a_positive_one_gives_dice_zero() -> None:
    row = agree([], [("clefting", rect(0, 0, 10, 10))], tile_px=10)
    assert row["dice"] == 0.0 and row["iou"] == 0.0
    assert "dice" not in row["notes"]
    assert row["lesion_f1"] == 0.0 and row["lesion_recall"] is None and row["lesion_precision"] == 0.0
    assert row["hausdorff95_um"] is None and row["notes"]["hausdorff95_um"] == "undefined: ann marked nothing"
    assert row["tile_kappa"] == 0.0


def test_tile_kappa_equals_the_hand_computed_value() -> None:
    # 400 x 200 px at 50-px tiles: 8 x 4 = 32 tiles. a marks tiles 0-3 of the top row, b tiles 0-2 and 4.
    a = [("clefting", rect(0, 0, 200, 50))]
    b = [("clefting", rect(0, 0, 150, 50)), ("clefting", rect(200, 0, 250, 50))]
    row = agree(a, b, tile_px=50)
    # both+ 3, a+b- 1, a-b+ 1, both- 27: po = 30/32, pe = (4/32)^2 + (28/32)^2
    po, pe = 30 / 32, (4 / 32) ** 2 + (28 / 32) ** 2
    assert row["tile_kappa"] == pytest.approx((po - pe) / (1 - pe))
    assert row["tiles"]["confusion"] == [[27, 1], [1, 3]]
    assert row["tiles"]["count"] == 32


def test_a_tile_is_positive_when_its_labelled_fraction_reaches_the_threshold() -> None:
    half = [("clefting", rect(0, 0, 25, 50))]  # exactly half of tile (0, 0)
    less = [("clefting", rect(0, 0, 24, 50))]
    assert agree(half, half, tile_px=50)["tiles"]["confusion"][1][1] == 1
    assert agree(less, less, tile_px=50)["tiles"]["confusion"][1][1] == 0
    assert agree(less, less, tile_px=50, positive_fraction=0.4)["tiles"]["confusion"][1][1] == 1


def test_edge_tiles_count_the_part_inside_the_mosaic() -> None:
    # 400 px / 150-px tiles: the third column is 100 px wide; 100 x 150 px of 100 x 150 is all of it.
    row = agree([("clefting", rect(300, 0, 400, 150))], [], tile_px=150)
    assert row["tiles"]["count"] == 3 * 2
    assert row["tiles"]["confusion"][1] == [1, 0]


def test_lesions_are_matched_at_iou_half_or_more() -> None:
    a = [("clefting", rect(0, 0, 40, 40)), ("clefting", rect(100, 0, 140, 40)), ("clefting", rect(200, 0, 240, 40))]
    b = [
        ("clefting", rect(5, 0, 45, 40)),  # IoU 35/45: a match
        ("dark_shadows", rect(120, 0, 160, 40)),  # IoU 20/60: no match
        ("clefting", rect(300, 100, 320, 120)),  # nothing of a there
    ]
    row = agree(a, b)
    assert row["lesions"]["a"] == 3 and row["lesions"]["b"] == 3 and row["lesions"]["matched"] == 1
    assert row["lesion_precision"] == pytest.approx(1 / 3) and row["lesion_recall"] == pytest.approx(1 / 3)
    assert row["lesion_f1"] == pytest.approx(2 / 6)


def test_touching_regions_of_different_labels_are_one_lesion() -> None:
    a = [("clefting", rect(0, 0, 40, 40)), ("dark_shadows", rect(40, 0, 80, 40))]
    b = [("clefting", rect(0, 0, 80, 40))]
    row = agree(a, b)
    assert row["lesions"] == {"a": 1, "b": 1, "matched": 1, "precision": 1.0, "recall": 1.0, "f1": 1.0,
                              "iou_threshold": 0.5}  # fmt: skip


def test_hausdorff95_of_concentric_circles_is_their_radial_gap_in_um() -> None:
    inner = to_geojson(shapely.Point(200, 100).buffer(50, quad_segs=256))
    outer = to_geojson(shapely.Point(200, 100).buffer(60, quad_segs=256))
    row = agree([("clefting", inner)], [("clefting", outer)])
    assert row["hausdorff95_um"] == pytest.approx(10 * 0.5, abs=0.01)
    assert row["hausdorff_um"] == pytest.approx(10 * 0.5, abs=0.01)


def test_hausdorff_reports_the_farthest_outline_point() -> None:
    # b adds a 10 x 10 lesion whose far corner (310, 110) is sqrt(210² + 60²) px from a's nearest corner.
    a = [("clefting", rect(0, 0, 100, 50))]
    b = [("clefting", rect(0, 0, 100, 50)), ("clefting", rect(300, 100, 310, 110))]
    row = agree(a, b)
    assert row["hausdorff_um"] == pytest.approx(math.hypot(210, 60) * 0.5)
    # 40 of ~340 outline points are far away: more than 5 %, so HD95 is far too.
    assert row["hausdorff95_um"] > 100


def test_diagnoses_that_differ_or_are_missing() -> None:
    row = mosaic_agreement(MOSAIC, ReaderLabels("ann", [], "actinic_keratosis"), ReaderLabels("bob", [], "lplk"))
    assert row["diagnosis_agree"] is False and row["diagnoses"] == ["actinic_keratosis", "lplk"]
    row = mosaic_agreement(MOSAIC, ReaderLabels("ann", [], ""), ReaderLabels("bob", [], "lplk"))
    assert row["diagnosis_agree"] is None and "diagnosis_agree" in row["notes"]


def test_every_pair_of_three_reads_gets_a_row() -> None:
    reads = [
        ReaderLabels(name, [("clefting", rect(x, 0, x + 100, 50))]) for name, x in (("ann", 0), ("bob", 50), ("cid", 0))
    ]
    rows = mosaic_pairs_agreement(MOSAIC, reads)
    assert [row["readers"] for row in rows] == [["ann", "bob"], ["ann", "cid"], ["bob", "cid"]]
    assert [row["dice"] for row in rows] == [0.5, 1.0, 0.5]


@pytest.mark.parametrize("bad", [{"tile_px": 0}, {"positive_fraction": 0}, {"lesion_iou": 1.5}])
def test_settings_out_of_range_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        AgreementSettings(**bad)
