"""The audit trail: logins, failed logins, mosaics opened and writes (before and after) are
recorded; leads read their projects' events, readers none; nobody changes or deletes one."""

import csv
import io
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Role
from annotations.services.assignment import read_assign
from audit.models import AuditEvent
from tests.annotations.reading.conftest import Reading, add_region, square
from tests.factories import CaseFactory, ProjectFactory, UserFactory, member
from tests.mosaic_builders import ready_mosaic

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_login_and_a_failed_login_are_recorded_with_the_address() -> None:
    UserFactory(username="alice")
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert client.post("/login/", {"username": "alice", "password": "wrong-password"}).status_code == 200
    assert client.post("/login/", {"username": "alice", "password": "pw-for-tests"}).status_code == 302
    [failed] = _events("login_failed")
    assert (failed.username, failed.user_id, failed.ip) == ("alice", None, "203.0.113.9")
    assert "wrong-password" not in str(failed.before) + str(failed.after)
    [login] = _events("login")
    assert (login.username, login.ip) == ("alice", "203.0.113.9")
    assert str(login.user_id) == login.object_id != ""


def test_a_token_login_failure_for_an_unknown_name_is_recorded() -> None:
    response = APIClient(REMOTE_ADDR="198.51.100.4").post(
        "/api/auth/token/", {"username": "nobody-here", "password": "guess-guess-guess"}, format="json"
    )
    assert response.status_code == 400
    [failed] = _events("login_failed")
    assert (failed.username, failed.ip) == ("nobody-here", "198.51.100.4")


def test_opening_a_mosaic_is_recorded_once_per_page_and_descriptor(tmp_path: Any, settings: Any) -> None:
    settings.RCM_TILE_GRANT_DIR = str(tmp_path / "tilegrants")
    project = ProjectFactory()
    mosaic = ready_mosaic(case=CaseFactory(project=project))
    reader = member(project, Role.READER, username="reader_a")
    [read] = read_assign(mosaic=mosaic, readers=[reader], by=None)
    client = Client()
    client.force_login(reader)
    assert client.get(f"/reads/{read.pk}/").status_code == 200
    assert client.get(f"/api/mosaics/{mosaic.pk}/dzi.dzi").status_code == 200
    for level in (0, 1):  # tiles are not events
        assert client.get(f"/api/mosaics/{mosaic.pk}/dzi_files/{level}/0_0.jpeg").status_code == 200
    token = Token.objects.create(user=reader)
    assert Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(f"/api/mosaics/{mosaic.pk}/dzi.dzi").status_code == 200
    events = _events("mosaic.open")
    assert [(e.username, e.object_id, e.project_id) for e in events] == [("reader_a", str(mosaic.pk), project.pk)] * 3
    assert [e.after["via"] for e in events] == [f"workspace read {read.pk}", "dzi", "dzi"]


def test_a_region_edit_keeps_the_region_before_and_after(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    region = add_region(client, reading.read_a, square(100, 100, 200), read_version=1).json()["created"][0]
    edited = client.patch(
        f"/api/regions/{region['id']}/",
        {"version": region["version"], "label": "clefting", "geometry": square(100, 100, 300), "read_version": 2},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    [added] = _events("read.region_add")
    assert added.before == {"version": 1, "regions": []}
    assert [r["label"] for r in added.after["regions"]] == ["atypical_honeycomb"]
    [update] = _events("read.region_update")
    assert (update.username, update.object_type, update.object_id) == ("reader_a", "read", str(reading.read_a.pk))
    assert update.project_id == reading.project.pk
    [old] = update.before["regions"]
    [new] = update.after["regions"]
    assert (old["id"], old["label"], old["area_px"]) == (region["id"], "atypical_honeycomb", 200 * 200)
    assert old["geometry"] == square(100, 100, 200)
    assert (new["id"], new["label"], new["area_px"]) == (region["id"], "clefting", 300 * 300)
    assert update.before["version"] == 2 and update.after["version"] == 3


def test_a_region_delete_and_an_erase_keep_what_was_removed(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    first = add_region(client, reading.read_a, square(0, 0, 100)).json()["created"][0]
    second = add_region(client, reading.read_a, square(500, 500, 100)).json()["created"][0]
    assert client.delete(f"/api/regions/{first['id']}/?version=1").status_code == 204
    client.post(f"/api/reads/{reading.read_a.pk}/erase/", {"geometry": square(450, 450, 300)}, format="json")
    [deleted] = _events("read.region_delete")
    assert [r["id"] for r in deleted.before["regions"]] == [first["id"]]
    assert deleted.after["deleted"] == [first["id"]]
    [erased] = _events("read.erase")
    assert [r["geometry"] for r in erased.before["regions"]] == [square(500, 500, 100)]
    assert erased.after["deleted"] == [second["id"]]


def test_assignment_and_case_changes_are_recorded(reading: Reading) -> None:
    assert [(e.username, e.project_id) for e in _events("read.assign")] == [("lead", reading.project.pk)] * 2
    client = reading.client(reading.lead)
    case = reading.mosaic.case
    response = client.patch(f"/api/cases/{case.pk}/", {"site": "nose", "histopathology_confirmed": True}, format="json")
    assert response.status_code == 200, response.content
    [update] = _events("case.update")
    assert (update.username, update.object_id, update.project_id) == ("lead", str(case.pk), reading.project.pk)
    assert update.after["site"] == "nose" and update.after["histopathology_confirmed"] is True
    assert update.before["histopathology_confirmed"] is False


def _audit(client: APIClient, **params: Any) -> Any:
    return client.get("/api/audit/", params)


def test_leads_read_their_projects_events_and_readers_nothing(reading: Reading) -> None:
    other = ProjectFactory()
    outsider_lead = member(other, Role.LEAD, username="other-lead")
    client = Client()
    client.force_login(reading.reader_a)
    client.get(f"/reads/{reading.read_a.pk}/")  # one event in the project

    lead = _audit(reading.client(reading.lead), action="mosaic.open")
    assert lead.status_code == 200
    assert [(e["username"], e["project"]) for e in lead.json()["results"]] == [("reader_a", reading.project.pk)]
    assert _audit(reading.client(outsider_lead), action="mosaic.open").json()["results"] == []

    refused = _audit(reading.client(reading.reader_a))
    assert refused.status_code == 403
    assert "results" not in refused.json()
    assert _audit(reading.client(None)).status_code in (401, 403)


def test_admins_filter_and_export_csv(reading: Reading) -> None:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    UserFactory(username="alice")
    Client().post("/login/", {"username": "alice", "password": "not-it-at-all"})
    client = reading.client(admin)
    body = _audit(client, user="alice").json()
    assert [e["action"] for e in body["results"]] == ["login_failed"]
    assert _audit(client, action="read.", project=reading.project.slug).json()["count"] == 2  # the assignments
    assert _audit(client, since="2000-01-01", until="2000-01-02").json()["count"] == 0
    assert _audit(client, since="yesterday").status_code == 400
    export = client.get("/api/audit/", {"format": "csv", "action": "read."})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["read.assign", "read.assign"]
    assert {row["username"] for row in rows} == {"lead"}


def test_the_admin_shows_events_read_only_even_to_superusers() -> None:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    Client().post("/login/", {"username": "root", "password": "pw-for-tests"})
    event = AuditEvent.objects.get(action="login")
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_api_has_no_write() -> None:
    client = APIClient()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/audit/", {}, format="json").status_code == 405


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the guard is a PostgreSQL trigger")
@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET action = 'nothing'",
    "DELETE FROM audit_auditevent",
])  # fmt: skip
def test_the_database_refuses_to_change_or_delete_events(statement: str) -> None:
    UserFactory(username="alice")
    Client().post("/login/", {"username": "alice", "password": "pw-for-tests"})
    assert AuditEvent.objects.count() == 1
    with pytest.raises(DatabaseError, match="audit events are append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(username="someone-else")
    assert AuditEvent.objects.get().action == "login"


def test_an_admin_site_delete_records_the_signed_in_administrator(reading: Reading) -> None:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    case = reading.mosaic.case
    response = client.post(f"/admin/annotations/case/{case.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    [deleted] = _events("case.delete")
    assert (deleted.username, deleted.object_id, deleted.project_id) == ("root", str(case.pk), reading.project.pk)
    assert deleted.before["code"] == case.code and deleted.before["mosaics"] == [reading.mosaic.pk]
