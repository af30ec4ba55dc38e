"""Blind-reading side channels (issue 11): switching blind reading off mid-study, and
learning usernames through assignment."""

from typing import Any

import pytest

from annotations.models import Project, Read, Role
from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, UserFactory, member

from .conftest import Reading


def test_switching_blind_reading_off_with_open_reads_needs_confirmation(
    reading: Reading, caplog: pytest.LogCaptureFixture
) -> None:
    lead = reading.client(reading.lead)
    url = f"/api/projects/{reading.project.slug}/"
    refused = lead.patch(url, {"blind_reading": False}, format="json")
    assert refused.status_code == 400 and "2 read(s)" in refused.json()["blind_reading"][0]
    assert Project.objects.get(pk=reading.project.pk).blind_reading is True
    # The peers' reads stay hidden.
    assert reading.client(reading.reader_a).get(f"/api/reads/{reading.read_b.pk}/").status_code == 404

    with caplog.at_level("WARNING", logger="annotations.services.projects"):
        confirmed = lead.patch(url, {"blind_reading": False, "confirm_unblind": True}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["blind_reading"] is False
    assert "confirm_unblind" not in confirmed.json()
    assert any("blind reading switched off" in r.message and reading.lead.username in r.message for r in caplog.records)


def test_switching_blind_reading_on_or_off_without_open_reads_needs_no_confirmation(reading: Reading) -> None:
    Read.objects.filter(pk__in=[reading.read_a.pk, reading.read_b.pk]).update(status="submitted")
    response = reading.client(reading.lead).patch(
        f"/api/projects/{reading.project.slug}/", {"blind_reading": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["blind_reading"] is False


@pytest.fixture
def names(db: None) -> dict[str, Any]:
    project = ProjectFactory(slug="assigning")
    mosaic = MosaicFactory(case=CaseFactory(project=project))
    people = {
        "lead": member(project, Role.LEAD),
        "reader": member(project, Role.READER, username="assigned-reader"),
        "spare": member(project, Role.READER, username="spare-reader"),
        "contributor": member(project, Role.CONTRIBUTOR, center=mosaic.case.center, username="contrib"),
        "stranger": member(ProjectFactory(), Role.READER, username="stranger"),
        "loner": UserFactory(username="loner"),
    }
    Read.objects.create(mosaic=mosaic, reader=people["reader"])
    return {"mosaic": mosaic, **people}


def test_only_leads_and_admins_assign_and_no_one_learns_usernames(names: dict[str, Any], api_client_for: Any) -> None:
    url = f"/api/mosaics/{names['mosaic'].pk}/assign/"
    for who in ("reader", "contributor"):
        client = api_client_for(names[who])
        answers = {
            name: client.post(url, {"readers": [name]}, format="json")
            for name in ("spare-reader", "stranger", "loner", "no-such-user")
        }
        assert {response.status_code for response in answers.values()} == {403}, who
        assert len({response.content for response in answers.values()}) == 1, who  # the same answer for every name
    assert Read.objects.filter(mosaic=names["mosaic"]).count() == 1

    lead = api_client_for(names["lead"])
    bodies = {}
    for name in ("stranger", "loner", "no-such-user", "contrib"):
        response = lead.post(url, {"readers": [name]}, format="json")
        assert response.status_code == 400
        bodies[name] = response.json()["readers"][0].replace(name, "NAME")
    assert len(set(bodies.values())) == 1, bodies  # unknown, outsider and non-reader answer alike
    assert lead.post(url, {"readers": ["spare-reader"]}, format="json").status_code == 201


def test_region_ids_tell_nothing_of_what_the_other_reader_drew(reading: Reading) -> None:
    """Ids are random (not a global sequence): the gap between a reader's own ids is no count of the peer's work."""
    from annotations.models import Region
    from annotations.models.reading import REGION_ID_MAX, REGION_ID_MIN

    from .conftest import add_region, square

    client_a, client_b = reading.client(reading.reader_a), reading.client(reading.reader_b)
    first = add_region(client_a, reading.read_a, square(10, 10, 20), merge=False).json()["created"][0]["id"]
    for index in range(5):  # the other reader works in between
        assert add_region(client_b, reading.read_b, square(10 + 40 * index, 300, 20), merge=False).status_code == 201
    mine = [first] + [
        add_region(client_a, reading.read_a, square(10 + 40 * index, 100, 20), merge=False).json()["created"][0]["id"]
        for index in range(1, 12)
    ]
    assert all(REGION_ID_MIN <= region_id <= REGION_ID_MAX for region_id in mine)  # exact as JavaScript numbers
    assert set(mine) == set(Region.objects.filter(read=reading.read_a).values_list("pk", flat=True))
    assert mine != sorted(mine)  # not in creation order (12 random ids sorted: 1 in 12!)
    assert all(abs(b - a) > 1000 for a, b in zip(mine, mine[1:], strict=False))
