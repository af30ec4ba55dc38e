"""Server-rendered pages, the schema and /healthz."""

from typing import Any

import pytest
from django.test import Client

from annotations.models import Role
from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, UserFactory, member


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_to_staff(client: Client) -> None:
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker_to_staff(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] != "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_healthz_tells_others_only_up_or_down(client: Client, settings: Any, who: str) -> None:
    if who == "member":
        client.force_login(member(ProjectFactory(), Role.LEAD))
    assert client.get("/healthz").json() == {"status": "ok"}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


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


@pytest.mark.django_db
def test_pages_link_a_favicon_that_is_a_static_icon(client: Client) -> None:
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static
    from PIL import Image

    page = client.get("/login/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in page
    icon = finders.find("favicon.ico")
    assert icon and Image.open(icon).format == "ICO"
    # Browsers still ask /favicon.ico on pages without the link (admin, API docs).
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("favicon.ico")
