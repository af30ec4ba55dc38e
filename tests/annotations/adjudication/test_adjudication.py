"""Adjudication into a versioned consensus: proposals, decisions per component, history and restore.

Two readers mark overlapping squares; the consensus starts from a proposal, the
lead decides the parts where they differ, and every decision is a revision of
the consensus read that a restore can take back.
"""

from collections.abc import Callable
from typing import Any

import pytest
import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from annotations.geometry.shapes import shape_from_stored
from annotations.models import AdjudicationDecision, Provenance, Read, ReadKind, ReadRevision, Region, Role
from annotations.selectors.adjudication import adjudication_detail
from annotations.selectors.agreement import calibration_report
from annotations.services.adjudication import adjudication_decide, consensus_create, mosaic_send_to_third_reader
from annotations.services.agreement import mosaic_agreement_compute
from annotations.services.reads import ReadConflict, read_restore, read_submit, read_update_fields
from tests.annotations.agreement.regions import rect
from tests.annotations.studies import Study, make_study, submit
from tests.factories import member

A_REGIONS = [("clefting", rect(0, 0, 100, 100))]
B_REGIONS = [("clefting", rect(50, 0, 150, 100))]


def version_of(read: Read) -> int:
    """The read's version now (every write names the version it was made from)."""
    return Read.objects.values_list("version", flat=True).get(pk=read.pk)


def area(read: Any) -> shapely.Geometry:
    shapes = [shape_from_stored(g) for g in Region.objects.filter(read=read).values_list("geometry", flat=True)]
    return shapely.union_all(shapes) if shapes else shapely.Polygon()


@pytest.fixture
def adjudicable(db: None) -> tuple[Study, Any]:
    study = make_study(["ann", "bob", "cid"])
    mosaic = study.mosaic("lesion", patient="P1")
    read_a, read_b = study.assign(mosaic, "ann", "bob")
    submit(read_a, A_REGIONS)
    submit(read_b, B_REGIONS, diagnosis="solar_lentigo")
    return study, mosaic


def test_consensus_starts_from_the_intersection_with_the_disagreements_to_resolve(adjudicable: tuple) -> None:
    study, mosaic = adjudicable
    consensus = consensus_create(mosaic=mosaic, by=study.lead, start="intersection")

    assert (consensus.kind, consensus.reader, consensus.status) == (ReadKind.CONSENSUS, study.lead, "in_progress")
    assert area(consensus).equals(shapely.box(50, 0, 100, 100))
    assert set(Region.objects.filter(read=consensus).values_list("provenance", flat=True)) == {Provenance.CONSENSUS}
    assert list(ReadRevision.objects.filter(read=consensus).values_list("action", flat=True)) == [
        "consensus intersection", "assign"]  # fmt: skip
    detail = adjudication_detail(consensus=consensus)
    assert detail is not None and detail["open"] == 2
    only_a, only_b = detail["components"]
    assert shape_from_stored(only_a["geometry"]).equals(shapely.box(0, 0, 50, 100))
    assert [s["labels"] for s in only_a["sources"]] == [["clefting"], []]
    assert shape_from_stored(only_b["geometry"]).equals(shapely.box(100, 0, 150, 100))
    assert [(s["letter"], s["reader"]) for s in detail["sources"]] == [("a", "ann"), ("b", "bob")]


def test_a_decision_is_a_revision_and_a_restore_takes_it_back(adjudicable: tuple) -> None:
    study, mosaic = adjudicable
    consensus = consensus_create(mosaic=mosaic, by=study.lead)
    before = consensus.version

    decision = adjudication_decide(consensus=consensus, by=study.lead, component=1, choice="accept_a",
                                   reason="honeycomb visible at 1:1", read_version=before)  # fmt: skip
    consensus.refresh_from_db()
    assert consensus.version == before + 1 == decision.revision
    assert area(consensus).equals(shapely.box(0, 0, 100, 100))  # A's part joined the agreed area
    assert ReadRevision.objects.get(read=consensus, number=consensus.version).action == "adjudicate #1 accept_a"
    detail = adjudication_detail(consensus=consensus)
    assert detail is not None
    assert [c["status"] for c in detail["components"]] == ["accept_a", "open"]
    [listed] = detail["decisions"]
    assert (listed["reason"], listed["decided_by"], listed["in_effect"]) == (
        "honeycomb visible at 1:1", study.lead.username, True)  # fmt: skip

    adjudication_decide(consensus=consensus, by=study.lead, component=2, choice="reject", reason="artefact",
                        read_version=consensus.version)  # fmt: skip
    consensus.refresh_from_db()
    read_restore(read=consensus, number=before, by=study.lead, read_version=consensus.version)
    consensus.refresh_from_db()
    assert area(consensus).equals(shapely.box(50, 0, 100, 100))
    detail = adjudication_detail(consensus=consensus)
    assert detail is not None and [c["status"] for c in detail["components"]] == ["open", "open"]
    assert [d["in_effect"] for d in detail["decisions"]] == [False, False]
    assert AdjudicationDecision.objects.count() == 2  # recorded for good, only no longer in effect

    # back to just after the first decision
    read_restore(read=consensus, number=before + 1, by=study.lead, read_version=consensus.version)
    consensus.refresh_from_db()
    detail = adjudication_detail(consensus=consensus)
    assert detail is not None and [c["status"] for c in detail["components"]] == ["accept_a", "open"]
    assert area(consensus).equals(shapely.box(0, 0, 100, 100))


def test_each_choice_makes_the_component_what_that_reader_marked(db: None) -> None:
    study = make_study()
    mosaic = study.mosaic("lesion", patient="P1")
    read_a, read_b = study.assign(mosaic, "ann", "bob")
    submit(read_a, [("clefting", rect(0, 0, 100, 100)), ("dark_shadows", rect(200, 0, 300, 100))])
    submit(read_b, [("clefting", rect(50, 0, 150, 100)), ("atypical_honeycomb", rect(200, 0, 300, 100))])
    consensus = consensus_create(mosaic=mosaic, by=study.lead, start="union")
    detail = adjudication_detail(consensus=consensus)
    assert detail is not None
    kinds = {(c["kind"], tuple(tuple(s["labels"]) for s in c["sources"])): c["id"] for c in detail["components"]}
    only_a = kinds[("extent", (("clefting",), ()))]
    label = kinds[("label", (("dark_shadows",), ("atypical_honeycomb",)))]

    adjudication_decide(
        consensus=consensus,
        by=study.lead,
        component=only_a,
        choice="accept_b",
        reason="B is right",
        read_version=version_of(consensus),
    )
    assert area(consensus).intersection(shapely.box(0, 0, 50, 100)).area == 0  # B marked nothing there
    adjudication_decide(
        consensus=consensus,
        by=study.lead,
        component=label,
        choice="accept_b",
        reason="honeycomb",
        read_version=version_of(consensus),
    )
    labels = dict(Region.objects.filter(read=consensus, min_x__gte=199).values_list("label", "area_px"))
    assert labels == {"atypical_honeycomb": 10_000}
    adjudication_decide(
        consensus=consensus,
        by=study.lead,
        component=label,
        choice="redraw",
        reason="unclear",
        read_version=version_of(consensus),
    )
    detail = adjudication_detail(consensus=consensus)
    assert detail is not None and {c["id"]: c["status"] for c in detail["components"]}[label] == "redraw"
    assert dict(Region.objects.filter(read=consensus, min_x__gte=199).values_list("label", "area_px")) == labels


def test_adjudication_refuses_what_it_cannot_do(adjudicable: tuple) -> None:
    study, mosaic = adjudicable
    with pytest.raises(ValidationError, match="three or more"):
        consensus_create(mosaic=mosaic, by=study.lead, start="majority")
    with pytest.raises(PermissionDenied):
        consensus_create(mosaic=mosaic, by=study.readers["ann"])
    consensus = consensus_create(mosaic=mosaic, by=study.lead)
    with pytest.raises(ValidationError, match="consensus already"):
        consensus_create(mosaic=mosaic, by=study.lead)
    with pytest.raises(ValidationError, match="reason"):
        adjudication_decide(
            consensus=consensus,
            by=study.lead,
            component=1,
            choice="accept_a",
            reason="  ",
            read_version=version_of(consensus),
        )
    with pytest.raises(ValidationError, match="accept_a … accept_b"):
        adjudication_decide(
            consensus=consensus,
            by=study.lead,
            component=1,
            choice="accept_c",
            reason="x",
            read_version=version_of(consensus),
        )
    with pytest.raises(ValidationError, match="no component"):
        adjudication_decide(
            consensus=consensus,
            by=study.lead,
            component=9,
            choice="reject",
            reason="x",
            read_version=version_of(consensus),
        )
    with pytest.raises(ReadConflict):
        adjudication_decide(consensus=consensus, by=study.lead, component=1, choice="reject", reason="x",
                            read_version=1)  # fmt: skip
    other_lead = member(study.project, Role.LEAD)
    with pytest.raises(PermissionDenied):  # the consensus is its adjudicator's, like a read is its reader's
        adjudication_decide(
            consensus=consensus,
            by=other_lead,
            component=1,
            choice="reject",
            reason="x",
            read_version=version_of(consensus),
        )
    with pytest.raises(ValidationError, match="consensus already"):
        mosaic_send_to_third_reader(mosaic=mosaic, reader=study.readers["cid"], by=study.lead)


def test_a_third_reader_then_a_majority_and_the_submitted_consensus_calibrates_the_readers(db: None) -> None:
    study = make_study(["ann", "bob", "cid"])
    mosaic = study.mosaic("lesion", patient="P1")
    read_a, read_b = study.assign(mosaic, "ann", "bob")
    submit(read_a, A_REGIONS)
    with pytest.raises(ValidationError, match="not submitted"):
        mosaic_send_to_third_reader(mosaic=mosaic, reader=study.readers["cid"], by=study.lead)
    submit(read_b, B_REGIONS)
    with pytest.raises(ValidationError, match="already reading"):
        mosaic_send_to_third_reader(mosaic=mosaic, reader=study.readers["bob"], by=study.lead)
    third = mosaic_send_to_third_reader(mosaic=mosaic, reader=study.readers["cid"], by=study.lead)
    with pytest.raises(ValidationError, match="not submitted"):
        consensus_create(mosaic=mosaic, by=study.lead, start="majority")
    submit(third, [("clefting", rect(0, 0, 60, 100))])

    consensus = consensus_create(mosaic=mosaic, by=study.lead, start="majority")
    # Marked by at least two of three: [0, 100) from a and c, [50, 100) from a and b.
    assert area(consensus).equals(shapely.box(0, 0, 100, 100))
    consensus = read_update_fields(
        read=consensus, by=study.lead, diagnosis="actinic_keratosis", read_version=version_of(consensus)
    )
    read_submit(read=consensus, by=study.lead, read_version=consensus.version)
    outcome = mosaic_agreement_compute(mosaic_id=mosaic.pk, aggregate=False)
    assert outcome.computed == 3 + 3  # three reader pairs, three readers against the consensus
    readers = {row["reader"]: row for row in calibration_report(project=study.project)["readers"]}
    assert readers["ann"]["sensitivity"] == 1.0 and readers["ann"]["precision"] == 1.0
    assert readers["bob"]["sensitivity"] == 0.5 and readers["bob"]["precision"] == 0.5
    assert readers["cid"]["sensitivity"] == 0.6 and readers["cid"]["precision"] == 1.0


def test_readers_never_see_agreement_or_adjudication_and_see_the_consensus_only_after_every_read(
    db: None, api_client_for: Callable[[Any], APIClient]
) -> None:
    study = make_study(["ann", "bob"])
    mosaic = study.mosaic("lesion", patient="P1")
    read_a, read_b = study.assign(mosaic, "ann", "bob")
    submit(read_a, A_REGIONS)
    ann = api_client_for(study.readers["ann"])
    lead = api_client_for(study.lead)

    peer = ann.get(f"/api/reads/{read_b.pk}/")
    assert peer.status_code == 404 and b"bob" not in peer.content
    refused = lead.post(f"/api/mosaics/{mosaic.pk}/consensus/", {}, format="json")
    assert refused.status_code == 400 and "not submitted" in refused.json()["mosaic"][0]
    submit(read_b, B_REGIONS)
    mosaic_agreement_compute(mosaic_id=mosaic.pk, aggregate=False)
    consensus = lead.post(f"/api/mosaics/{mosaic.pk}/consensus/", {}, format="json").json()
    for url in (
        f"/api/mosaics/{mosaic.pk}/agreement/",
        f"/api/projects/{study.project.slug}/agreement/",
        f"/api/projects/{study.project.slug}/calibration/",
        f"/api/reads/{consensus['id']}/adjudication/",
        f"/api/projects/{study.project.slug}/progress/",
        f"/api/projects/{study.project.slug}/labelsets/",
    ):
        response = ann.get(url)
        assert response.status_code == 404, url
        assert (
            b"dice" not in response.content and b"bob" not in response.content and b"components" not in response.content
        )
        assert lead.get(url).status_code == 200, url
    seen = ann.get(f"/api/reads/{consensus['id']}/")
    assert seen.status_code == 200 and seen.json()["kind"] == "consensus" and seen.json()["reader"] is None
    assert ann.post(f"/api/mosaics/{mosaic.pk}/consensus/", {}, format="json").status_code == 404
