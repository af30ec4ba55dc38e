"""Assignment (by hand, balanced, by command) and submission."""

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from annotations.models import MosaicStatus, Read, ReadStatus, Role
from annotations.services.assignment import read_assign_balanced
from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, ReadFactory, member

from .conftest import Reading, add_region, square

World = tuple[Any, list[Any], Any]
ClientFor = Callable[[Any], APIClient]


@pytest.fixture
def project_with_readers(db: None) -> World:
    project = ProjectFactory()
    readers = [member(project, Role.READER, username=f"r{i}") for i in range(4)]
    return project, readers, member(project, Role.LEAD, username="boss")


def test_lead_assigns_two_readers_by_name(project_with_readers: World, api_client_for: ClientFor) -> None:
    project, readers, lead = project_with_readers
    mosaic = MosaicFactory(case=CaseFactory(project=project))
    response = api_client_for(lead).post(f"/api/mosaics/{mosaic.pk}/assign/", {"readers": ["r0", "r2"]}, format="json")
    assert response.status_code == 201, response.content
    assert [read["reader"] for read in response.json()] == ["r0", "r2"]
    assert all(read["status"] == "assigned" and read["version"] == 1 for read in response.json())


def test_assignment_refuses_non_readers_duplicates_and_too_many(project_with_readers: World, api_client_for: ClientFor) -> None:
    project, readers, lead = project_with_readers
    mosaic = MosaicFactory(case=CaseFactory(project=project))
    client = api_client_for(lead)
    url = f"/api/mosaics/{mosaic.pk}/assign/"
    assert "boss" in client.post(url, {"readers": ["boss"]}, format="json").json()["readers"][0]
    assert client.post(url, {"readers": ["ghost"]}, format="json").status_code == 400
    assert client.post(url, {"readers": ["r0", "r0"]}, format="json").status_code == 400
    assert client.post(url, {"readers": ["r0", "r1", "r2"]}, format="json").status_code == 400
    assert client.post(url, {}, format="json").status_code == 400
    assert Read.objects.filter(mosaic=mosaic).count() == 0


def test_only_leads_assign_and_only_ready_mosaics(project_with_readers: World, api_client_for: ClientFor) -> None:
    project, readers, lead = project_with_readers
    mosaic = MosaicFactory(case=CaseFactory(project=project))
    ReadFactory(mosaic=mosaic, reader=readers[3])
    response = api_client_for(readers[3]).post(f"/api/mosaics/{mosaic.pk}/assign/", {"auto": True}, format="json")
    assert response.status_code == 403
    pending = MosaicFactory(case=CaseFactory(project=project), status=MosaicStatus.PROCESSING)
    response = api_client_for(lead).post(f"/api/mosaics/{pending.pk}/assign/", {"auto": True}, format="json")
    assert response.status_code == 400 and "not ready" in response.json()["mosaic"][0]


def test_balanced_assignment_picks_the_least_loaded_readers(project_with_readers: World, api_client_for: ClientFor) -> None:
    project, readers, lead = project_with_readers
    for reader, open_reads in zip(readers, [2, 0, 1, 0], strict=True):
        for _ in range(open_reads):
            ReadFactory(mosaic=MosaicFactory(case=CaseFactory(project=project)), reader=reader)
    # A submitted read is not load.
    ReadFactory(mosaic=MosaicFactory(case=CaseFactory(project=project)), reader=readers[1], status=ReadStatus.SUBMITTED)
    mosaic = MosaicFactory(case=CaseFactory(project=project))
    response = api_client_for(lead).post(f"/api/mosaics/{mosaic.pk}/assign/", {"auto": True}, format="json")
    assert response.status_code == 201, response.content
    # r1 and r3 have no open reads; r3 has fewer reads overall.
    assert sorted(read["reader"] for read in response.json()) == ["r1", "r3"]


def test_balanced_assignment_without_enough_free_readers_is_a_400(db: None) -> None:
    project = ProjectFactory()
    lead = member(project, Role.LEAD)
    member(project, Role.READER)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="reader"):
        read_assign_balanced(mosaic=MosaicFactory(case=CaseFactory(project=project)), by=lead)


def test_assign_reads_command_spreads_all_ready_mosaics_evenly(project_with_readers: World) -> None:
    project, readers, lead = project_with_readers
    for _ in range(6):
        MosaicFactory(case=CaseFactory(project=project))
    MosaicFactory(case=CaseFactory(project=project), status=MosaicStatus.FAILED)
    out = StringIO()
    call_command("assign_reads", "--project", project.slug, stdout=out, stderr=StringIO())
    assert "assigned 12 read(s) over 6 mosaic(s)" in out.getvalue()
    loads = sorted(Read.objects.filter(reader=reader).count() for reader in readers)
    assert loads == [3, 3, 3, 3]
    again = StringIO()
    call_command("assign_reads", "--project", project.slug, stdout=again)
    assert "assigned 0 read(s) over 0 mosaic(s)" in again.getvalue()


def test_assign_reads_command_limited_to_named_readers(project_with_readers: World) -> None:
    project, readers, lead = project_with_readers
    MosaicFactory(case=CaseFactory(project=project))
    call_command("assign_reads", "--project", project.slug, "--readers", "r2,r3", stdout=StringIO())
    assert sorted(Read.objects.values_list("reader__username", flat=True)) == ["r2", "r3"]
    with pytest.raises(CommandError, match="unknown user"):
        call_command("assign_reads", "--project", project.slug, "--readers", "nobody", stdout=StringIO())


def test_submit_needs_a_diagnosis_and_regions_or_an_explicit_negative(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    url = f"/api/reads/{reading.read_a.pk}/"
    errors = client.post(f"{url}submit/", {}, format="json").json()
    assert set(errors) == {"diagnosis", "regions"}
    client.patch(url, {"diagnosis": "solar_lentigo", "no_suspicious_area": True}, format="json")
    response = client.post(f"{url}submit/", {"read_version": 2}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["can_edit"] is False and body["submitted_at"]


def test_submit_refuses_regions_marked_as_no_suspicious_area(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 10))
    client.patch(f"/api/reads/{reading.read_a.pk}/", {"diagnosis": "solar_lentigo", "no_suspicious_area": True},
                 format="json")  # fmt: skip
    response = client.post(f"/api/reads/{reading.read_a.pk}/submit/", {}, format="json")
    assert response.status_code == 400 and "no_suspicious_area" in response.json()
    assert Read.objects.get(pk=reading.read_a.pk).status == ReadStatus.IN_PROGRESS


def test_worklist_filters_by_status_oldest_first(reading: Reading) -> None:
    other = MosaicFactory(case=CaseFactory(project=reading.project))
    later = ReadFactory(mosaic=other, reader=reading.reader_a)
    client = reading.client(reading.reader_a)
    body = client.get("/api/reads/?status=assigned").json()
    assert [read["id"] for read in body["results"]] == [reading.read_a.pk, later.pk]
    assert client.get("/api/reads/?status=bogus").status_code == 400


def test_vocabulary_lists_labels_with_colours(reading: Reading) -> None:
    body = reading.client(reading.reader_a).get("/api/vocabulary/").json()
    assert {"value": "clefting", "label": "Clefting", "colour": "#911eb4"} in body["labels"]
    assert len(body["labels"]) == 10 and {p["value"] for p in body["provenances"]} == {
        "manual", "ai_accepted", "ai_edited", "imported", "consensus"}
