"""Blind double reading, enforced by the API from both readers' sides; leads see everything."""

from typing import Any

import pytest

from annotations.models import Read
from tests.factories import ProjectFactory

from .conftest import Reading, add_region, square


def _finish(reading: Reading, reader: Any, read: Read) -> None:
    client = reading.client(reader)
    add_region(client, read, square(10, 10, 100))
    client.patch(f"/api/reads/{read.pk}/", {"diagnosis": "actinic_keratosis"}, format="json")
    assert client.post(f"/api/reads/{read.pk}/submit/", {}, format="json").status_code == 200


def _peer_access(reading: Reading, reader: Any, peer_read: Read) -> dict[str, int]:
    client = reading.client(reader)
    return {
        "detail": client.get(f"/api/reads/{peer_read.pk}/").status_code,
        "regions": client.get(f"/api/reads/{peer_read.pk}/regions/").status_code,
        "geojson": client.get(f"/api/reads/{peer_read.pk}/geojson").status_code,
        "history": client.get(f"/api/reads/{peer_read.pk}/history/").status_code,
    }


@pytest.mark.parametrize("side", ["a", "b"])
def test_reader_can_reach_nothing_of_the_other_read_before_both_submit(reading: Reading, side: str) -> None:
    me, mine, peer_read = (
        (reading.reader_a, reading.read_a, reading.read_b) if side == "a" else (reading.reader_b, reading.read_b, reading.read_a)
    )
    peer = reading.reader_b if side == "a" else reading.reader_a
    _finish(reading, peer, peer_read)  # the other one is already done: still hidden
    add_region(reading.client(me), mine, square(500, 500, 50))
    assert set(_peer_access(reading, me, peer_read).values()) == {404}
    listing = reading.client(me).get(f"/api/mosaics/{reading.mosaic.pk}/reads/").json()
    assert [read["id"] for read in listing] == [mine.pk]
    text = reading.client(me).get(f"/api/mosaics/{reading.mosaic.pk}/reads/").content.decode()
    assert peer.username not in text and "actinic_keratosis" not in text


def test_worklist_lists_only_own_reads(reading: Reading) -> None:
    body = reading.client(reading.reader_a).get("/api/reads/").json()
    assert [read["id"] for read in body["results"]] == [reading.read_a.pk]
    assert body["results"][0]["reader"] == "reader_a"


def test_after_both_submit_readers_see_each_other_but_not_the_identity(reading: Reading) -> None:
    _finish(reading, reading.reader_a, reading.read_a)
    _finish(reading, reading.reader_b, reading.read_b)
    assert set(_peer_access(reading, reading.reader_a, reading.read_b).values()) == {200}
    peer = reading.client(reading.reader_a).get(f"/api/reads/{reading.read_b.pk}/").json()
    assert peer["reader"] is None and peer["diagnosis"] == "actinic_keratosis" and peer["can_edit"] is False
    listing = reading.client(reading.reader_b).get(f"/api/mosaics/{reading.mosaic.pk}/reads/").json()
    assert {read["id"]: read["reader"] for read in listing} == {reading.read_a.pk: None, reading.read_b.pk: "reader_b"}
    history = reading.client(reading.reader_a).get(f"/api/reads/{reading.read_b.pk}/history/").json()
    assert {entry["created_by"] for entry in history} == {None}
    # Seeing is not editing: submitted reads are locked.
    assert add_region(reading.client(reading.reader_a), reading.read_b, square(0, 0, 10)).status_code == 403


def test_lead_sees_both_reads_with_identities_at_any_time(reading: Reading) -> None:
    add_region(reading.client(reading.reader_a), reading.read_a, square(10, 10, 100))
    lead = reading.client(reading.lead)
    listing = lead.get(f"/api/mosaics/{reading.mosaic.pk}/reads/").json()
    assert {read["reader"] for read in listing} == {"reader_a", "reader_b"}
    regions = lead.get(f"/api/reads/{reading.read_a.pk}/regions/").json()["results"]
    assert len(regions) == 1
    overview = lead.get(f"/api/reads/?all=1&project={reading.project.slug}").json()
    assert overview["count"] == 2
    assert lead.get(f"/api/reads/{reading.read_a.pk}/").json()["can_edit"] is False


def test_without_blind_reading_readers_see_each_other_while_reading(reading: Reading) -> None:
    reading.project.blind_reading = False
    reading.project.save()
    add_region(reading.client(reading.reader_b), reading.read_b, square(10, 10, 100))
    assert set(_peer_access(reading, reading.reader_a, reading.read_b).values()) == {200}
    assert reading.client(reading.reader_a).get(f"/api/reads/{reading.read_b.pk}/").json()["reader"] is None


def test_reads_of_other_projects_are_404_even_for_their_regions(reading: Reading) -> None:
    from annotations.models import Role
    from tests.factories import member

    stranger = member(ProjectFactory(), Role.LEAD)
    region = add_region(reading.client(reading.reader_a), reading.read_a, square(0, 0, 10)).json()["created"][0]
    client = reading.client(stranger)
    assert client.get(f"/api/reads/{reading.read_a.pk}/").status_code == 404
    assert client.patch(f"/api/regions/{region['id']}/", {"version": 1}, format="json").status_code == 404
    assert client.get(f"/api/mosaics/{reading.mosaic.pk}/reads/").status_code == 404
    assert client.get("/api/reads/?all=1").json()["count"] == 0


def test_anonymous_gets_nothing(reading: Reading) -> None:
    assert reading.client(None).get(f"/api/reads/{reading.read_a.pk}/").status_code in (401, 403)
