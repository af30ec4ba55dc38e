"""Server-rendered pages, the schema and /healthz."""

from typing import Any

import pytest
from django.test import Client

from annotations.models import Role
from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, member


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] != "ok"


@pytest.mark.django_db
def test_login_then_project_and_case_pages(client: Client) -> None:
    project = ProjectFactory(slug="face", name="Facial lesions")
    lead = member(project, Role.LEAD, username="lead-x")
    case = CaseFactory(project=project, code="VISIBLE1")
    mosaic = MosaicFactory(case=case)  # ready
    assert client.get("/").status_code == 302  # to the login page
    response = client.post("/login/", {"username": "lead-x", "password": "pw-for-tests"})
    assert response.status_code == 302
    assert "Facial lesions" in client.get("/").content.decode()
    page = client.get("/projects/face/").content.decode()
    assert "VISIBLE1" in page
    assert f'href="/mosaics/{mosaic.pk}/"' in page
    assert lead.is_authenticated


@pytest.mark.django_db
def test_case_page_of_a_foreign_project_is_404(client: Client) -> None:
    ProjectFactory(slug="secret")
    other = ProjectFactory(slug="mine")
    user = member(other, Role.READER)
    client.force_login(user)
    assert client.get("/projects/secret/").status_code == 404


@pytest.mark.django_db
def test_openapi_schema_is_served(client: Client) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/cases/" in response.content
