"""The lead's dashboard data: mosaics to assign, bulk assignment, progress per center and reader."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from annotations.models import MosaicStatus, Read, ReadStatus
from annotations.services.adjudication import consensus_create
from annotations.services.reads import read_submit, read_update_fields
from tests.annotations.agreement.regions import rect
from tests.annotations.studies import make_study, submit
from tests.factories import CenterFactory


@pytest.mark.django_db
def test_bulk_assignment_balances_and_reports_what_it_could_not_do(api_client_for: Callable[[Any], APIClient]) -> None:
    study = make_study(["ann", "bob", "cid"])
    mosaics = [study.mosaic(f"m{i}", patient=f"P{i}") for i in range(3)]
    processing = study.mosaic("late", patient="P9")
    processing.status = MosaicStatus.PROCESSING
    processing.save()
    lead = api_client_for(study.lead)
    url = f"/api/projects/{study.project.slug}/assignment/"

    overview = lead.get(url).json()
    assert overview["count"] == 3 and [m["missing"] for m in overview["mosaics"]] == [2, 2, 2]
    done = lead.post(url, {"mosaics": "all", "auto": True}, format="json").json()
    assert done["failed"] == [] and len(done["assigned"]) == 3
    loads = {r["username"]: r["open_reads"] for r in lead.get(url).json()["readers"]}
    assert loads == {"ann": 2, "bob": 2, "cid": 2}  # six reads spread evenly
    again = lead.post(url, {"mosaics": [mosaics[0].pk, processing.pk], "readers": ["ann"]}, format="json").json()
    assert [f["mosaic"] for f in again["failed"]] == [mosaics[0].pk, processing.pk]
    assert "not ready" in again["failed"][1]["reason"]
    assert api_client_for(study.readers["ann"]).get(url).status_code == 404


@pytest.mark.django_db
def test_progress_counts_mosaics_per_center_by_state_and_reads_per_reader(
    api_client_for: Callable[[Any], APIClient],
) -> None:
    study = make_study(["ann", "bob"], min_viewed_fraction=0.5)
    elsewhere = CenterFactory(code="FAR")
    adjudicated, submitted, started, waiting = (study.mosaic(f"m{i}", patient=f"P{i}") for i in range(4))
    study.mosaic("free", patient="P8", center=elsewhere)
    for mosaic in (adjudicated, submitted):
        for read in study.assign(mosaic, "ann", "bob"):
            submit(read, [("clefting", rect(0, 0, 100, 100))])
    consensus = consensus_create(mosaic=adjudicated, by=study.lead)
    consensus.refresh_from_db()
    consensus = read_update_fields(
        read=consensus, by=study.lead, diagnosis="actinic_keratosis", read_version=consensus.version
    )
    read_submit(read=consensus, by=study.lead, read_version=consensus.version)
    first, _ = study.assign(started, "ann", "bob")
    submit(first, [])
    study.assign(waiting, "ann")

    body = api_client_for(study.lead).get(f"/api/projects/{study.project.slug}/progress/").json()

    centers = {row["center"]: row for row in body["by_center"]}
    assert {k: centers[study.center.code][k] for k in ("adjudicated", "submitted", "in_progress", "assigned",
                                                       "unassigned")} == {
        "adjudicated": 1, "submitted": 1, "in_progress": 1, "assigned": 1, "unassigned": 0}  # fmt: skip
    assert centers["FAR"]["unassigned"] == 1 and body["totals"]["mosaics"] == 5
    readers = {row["reader"]: row for row in body["by_reader"]}
    assert (readers["ann"]["submitted"], readers["ann"]["assigned"], readers["ann"]["reads"]) == (3, 1, 4)
    assert (readers["bob"]["submitted"], readers["bob"]["assigned"]) == (2, 1)
    # Nobody recorded coverage here: every submitted read is below the project's 50 %.
    assert readers["ann"]["submitted_below_min_viewed"] == 3 and readers["ann"]["mean_viewed_fraction"] == 0
    assert Read.objects.filter(status=ReadStatus.SUBMITTED, kind="reader").count() == 5
