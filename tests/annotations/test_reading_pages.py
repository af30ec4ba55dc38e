"""The reading pages: the worklist and the workspace's starting data, scoped like the API."""

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from annotations.models import Read, ReadStatus, Role
from annotations.services.assignment import read_assign
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, member
from tests.mosaic_builders import ready_mosaic, textured_gray

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    project = ProjectFactory(blind_reading=True)
    case = CaseFactory(project=project, center=CenterFactory(), code="WS-CASE")
    mosaic = ready_mosaic(textured_gray(600, 400), case=case, um_per_px=0.5)
    lead = member(project, Role.LEAD, username="pages-lead")
    reader_a = member(project, Role.READER, username="pages-a")
    reader_b = member(project, Role.READER, username="pages-b")
    outsider = member(ProjectFactory(), Role.READER, username="pages-outsider")
    read_a, read_b = read_assign(mosaic=mosaic, readers=[reader_a, reader_b], by=lead)
    return {"mosaic": mosaic, "lead": lead, "a": reader_a, "b": reader_b, "outsider": outsider,
            "read_a": read_a, "read_b": read_b, "project": project}  # fmt: skip


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bootstrap(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="workspace-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "json_script tag missing"
    return dict(json.loads(match.group(1)))


def test_reader_gets_its_workspace_with_mosaic_numbers_and_api_urls(world: dict[str, Any]) -> None:
    read = world["read_a"]
    response = _client(world["a"]).get(f"/reads/{read.pk}/")
    assert response.status_code == 200
    data = _bootstrap(response.content.decode())
    assert data["readId"] == read.pk
    assert data["mosaic"] == {"id": world["mosaic"].pk, "width": 600, "height": 400, "umPerPx": 0.5,
                              "dziUrl": f"/api/mosaics/{world['mosaic'].pk}/dzi.dzi"}  # fmt: skip
    assert data["canEdit"] is True and data["isLead"] is False
    assert data["urls"]["regions"] == f"/api/reads/{read.pk}/regions/"
    assert data["urls"]["regionBase"] == "/api/regions/"
    assert data["urls"]["nextRead"] is None  # its only read is this one


@pytest.mark.parametrize("who", ["b", "outsider"])
def test_workspace_of_a_read_the_user_may_not_see_is_404(world: dict[str, Any], who: str) -> None:
    assert _client(world[who]).get(f"/reads/{world['read_a'].pk}/").status_code == 404


def test_workspace_sends_anonymous_users_to_log_in(world: dict[str, Any]) -> None:
    response = Client().get(f"/reads/{world['read_a'].pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_lead_opens_a_readers_workspace_read_only(world: dict[str, Any]) -> None:
    data = _bootstrap(_client(world["lead"]).get(f"/reads/{world['read_a'].pk}/").content.decode())
    assert data["canEdit"] is False and data["isLead"] is True


def test_submitted_read_opens_read_only(world: dict[str, Any]) -> None:
    Read.objects.filter(pk=world["read_a"].pk).update(status=ReadStatus.SUBMITTED)
    data = _bootstrap(_client(world["a"]).get(f"/reads/{world['read_a'].pk}/").content.decode())
    assert data["canEdit"] is False


def test_workspace_does_not_show_the_case_diagnosis_to_a_blind_reader(world: dict[str, Any]) -> None:
    html = _client(world["a"]).get(f"/reads/{world['read_a'].pk}/").content.decode()
    assert world["mosaic"].case.get_diagnosis_display() not in html


def test_workspace_of_a_mosaic_still_in_ingest_says_so(world: dict[str, Any]) -> None:
    mosaic = MosaicFactory(case=world["mosaic"].case, status="processing")
    read = Read.objects.create(mosaic=mosaic, reader=world["a"])
    response = _client(world["a"]).get(f"/reads/{read.pk}/")
    assert response.status_code == 409
    assert "not ready" in response.content.decode()


def test_worklist_groups_own_reads_oldest_first_and_points_at_the_next_case(world: dict[str, Any]) -> None:
    reader = world["a"]
    older = ready_mosaic(textured_gray(300, 200), case=CaseFactory(project=world["project"], code="OLDER"))
    newer = ready_mosaic(textured_gray(300, 200), case=CaseFactory(project=world["project"], code="NEWER"))
    now = timezone.now()
    read_older = Read.objects.create(mosaic=older, reader=reader)
    read_newer = Read.objects.create(mosaic=newer, reader=reader)
    Read.objects.filter(pk=read_older.pk).update(assigned_at=now - timedelta(days=3))
    Read.objects.filter(pk=read_newer.pk).update(assigned_at=now - timedelta(days=1))
    Read.objects.filter(pk=world["read_a"].pk).update(assigned_at=now - timedelta(days=2), status=ReadStatus.SUBMITTED)
    html = _client(reader).get("/worklist/").content.decode()
    todo = html.split('data-status="assigned"')[1].split("</section>")[0]
    assert todo.index("OLDER") < todo.index("NEWER")
    submitted = html.split('data-status="submitted"')[1].split("</section>")[0]
    assert "WS-CASE" in submitted
    assert f'data-next-url="/reads/{read_older.pk}/"' in html
    assert "pages-b" not in html  # only the caller's own reads


def test_worklist_of_a_reader_with_nothing_to_do(world: dict[str, Any]) -> None:
    html = _client(world["outsider"]).get("/worklist/").content.decode()
    assert "Nothing left to read" in html
    assert "data-next-url" not in html
