"""Disagreement maps, consensus proposals with label conflicts, reader calibration."""

import pytest
import shapely

from annotations.agreement.calibration import reader_calibration
from annotations.agreement.consensus import consensus_proposals, disagreement_map
from annotations.agreement.mosaic import ReaderLabels

from .regions import rect


def areas(collection: dict, key: str = "kind") -> dict:
    totals: dict = {}
    for feature in collection["features"]:
        name = feature["properties"][key]
        totals[name] = totals.get(name, 0) + shapely.geometry.shape(feature["geometry"]).area
    return totals


ANN = ReaderLabels("ann", [("clefting", rect(0, 0, 100, 50))])
BOB = ReaderLabels("bob", [("clefting", rect(50, 0, 150, 50))])


def test_disagreement_map_splits_both_only_a_only_b() -> None:
    result = disagreement_map(ANN, BOB)
    assert areas(result) == {"both": 2500, "only_a": 2500, "only_b": 2500}
    only_a = next(f for f in result["features"] if f["properties"]["kind"] == "only_a")
    assert only_a["properties"]["readers"] == ["ann"]
    assert shapely.geometry.shape(only_a["geometry"]).equals(shapely.geometry.box(0, 0, 50, 50))


def test_disagreement_map_of_a_negative_read_is_all_the_other_read() -> None:
    assert areas(disagreement_map(ReaderLabels("ann", []), BOB)) == {"only_b": 5000}
    assert disagreement_map(ReaderLabels("ann", []), ReaderLabels("bob", []))["features"] == []


def test_default_proposal_is_the_agreed_area_with_union_as_alternative() -> None:
    result = consensus_proposals([ANN, BOB], width=400, height=200)
    assert result["default"] == "intersection" and "majority" not in result
    assert areas(result["intersection"], "label") == {"clefting": 2500}
    assert areas(result["union"], "label") == {"clefting": 7500}
    assert all(not f["properties"]["conflict"] for f in result["intersection"]["features"])


def test_label_conflict_is_flagged_and_resolved_by_covered_area() -> None:
    ann = ReaderLabels("ann", [("clefting", rect(0, 0, 100, 100))])
    bob = ReaderLabels("bob", [("dark_shadows", rect(0, 0, 100, 100)), ("clefting", rect(0, 0, 30, 100))])
    intersection = consensus_proposals([ann, bob], width=400, height=200)["intersection"]["features"]
    agreed = [f for f in intersection if not f["properties"]["conflict"]]
    conflict = [f for f in intersection if f["properties"]["conflict"]]
    assert [f["properties"]["label"] for f in agreed] == ["clefting"]
    assert shapely.geometry.shape(agreed[0]["geometry"]).area == 3000
    assert len(conflict) == 1 and conflict[0]["properties"]["candidates"] == ["clefting", "dark_shadows"]
    # The 70 x 100 conflict piece: ann's clefting covers all of it and so does bob's dark_shadows -> a tie,
    # broken by label order (alphabetical by default, or the order passed in).
    assert conflict[0]["properties"]["label"] == "clefting"
    reordered = consensus_proposals([ann, bob], width=400, height=200, label_order=["dark_shadows", "clefting"])
    conflict = [f for f in reordered["intersection"]["features"] if f["properties"]["conflict"]]
    assert conflict[0]["properties"]["label"] == "dark_shadows"


def test_majority_vote_of_three_reads_keeps_what_two_marked() -> None:
    reads = [
        ReaderLabels("ann", [("clefting", rect(0, 0, 100, 100))]),
        ReaderLabels("bob", [("clefting", rect(50, 0, 150, 100))]),
        ReaderLabels("cid", [("clefting", rect(90, 0, 200, 100))]),
    ]
    result = consensus_proposals(reads, width=400, height=200)
    majority = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in result["majority"]["features"]])
    assert majority.equals(shapely.geometry.box(50, 0, 150, 100))
    assert areas(result["intersection"], "label") == {"clefting": 1000}


def test_calibration_against_consensus() -> None:
    consensus = [("clefting", rect(0, 0, 100, 100))]
    result = reader_calibration(BOB, consensus, width=400, height=200)
    assert result["sensitivity"] == pytest.approx(2500 / 10_000)
    assert result["precision"] == pytest.approx(2500 / 5000)
    assert result["labels"]["clefting"]["sensitivity"] == pytest.approx(0.25)
    negative = reader_calibration(ReaderLabels("cid", []), consensus, width=400, height=200)
    assert negative["sensitivity"] == 0 and negative["precision"] is None and "precision" in negative["notes"]


def test_majority_keeps_the_label_most_readers_gave() -> None:
    reads = [
        ReaderLabels("ann", [("clefting", rect(0, 0, 100, 100))]),
        ReaderLabels("bob", [("clefting", rect(0, 0, 100, 100))]),
        ReaderLabels("cid", [("dark_shadows", rect(0, 0, 100, 100))]),
    ]
    majority = consensus_proposals(reads, width=400, height=200)["majority"]["features"]
    assert [(f["properties"]["label"], f["properties"]["conflict"]) for f in majority] == [("clefting", False)]
    assert areas({"features": majority}, "label") == {"clefting": 10_000}
    # The three agree that it is suspicious, not on the label: the intersection flags the conflict.
    intersection = consensus_proposals(reads, width=400, height=200)["intersection"]["features"]
    assert [f["properties"]["conflict"] for f in intersection] == [True]
    assert intersection[0]["properties"]["label"] == "clefting"  # 2 readers' area against 1
