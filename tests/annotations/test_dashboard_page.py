"""The lead's dashboard page: leads and admins see it, everyone else gets the same 404 as a missing project."""

import json
import re
from typing import Any

import pytest
from django.test import Client

from annotations.models import Role
from tests.factories import CenterFactory, ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def project() -> Any:
    return ProjectFactory(name="Secret melanoma study", slug="secret-study")


def _get(user: Any, url: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(url)


def _bootstrap(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries its starting data"
    return json.loads(match.group(1))


def test_lead_gets_the_dashboard_with_the_lead_api_urls(project: Any) -> None:
    lead = member(project, Role.LEAD, username="dash-lead")
    response = _get(lead, "/projects/secret-study/dashboard/")
    assert response.status_code == 200
    boot = _bootstrap(response.content.decode())
    assert boot["project"] == "secret-study"
    assert boot["urls"]["agreement"] == "/api/projects/secret-study/agreement/"
    assert boot["urls"]["assignment"] == "/api/projects/secret-study/assignment/"
    assert boot["urls"]["labelsets"] == "/api/projects/secret-study/labelsets/"
    assert "<script>" not in response.content.decode()  # no inline script: the CSP will forbid them


def test_superuser_gets_the_dashboard(project: Any) -> None:
    admin = UserFactory(username="dash-root", is_superuser=True, is_staff=True)
    assert _get(admin, "/projects/secret-study/dashboard/").status_code == 200


@pytest.mark.parametrize("role", [Role.READER, Role.CONTRIBUTOR])
def test_readers_and_contributors_get_a_404_that_tells_nothing(project: Any, role: Role) -> None:
    user = member(project, role, center=CenterFactory() if role == Role.CONTRIBUTOR else None, username=f"dash-{role}")
    response = _get(user, "/projects/secret-study/dashboard/")
    missing = _get(user, "/projects/no-such-project/dashboard/")
    body = response.content.decode()
    assert response.status_code == missing.status_code == 404
    assert "Secret melanoma study" not in body and "dashboard-data" not in body and "/api/projects/" not in body


def test_lead_of_another_project_gets_a_404(project: Any) -> None:
    other_lead = member(ProjectFactory(), Role.LEAD, username="dash-other-lead")
    response = _get(other_lead, "/projects/secret-study/dashboard/")
    assert response.status_code == 404 and "Secret melanoma study" not in response.content.decode()


def test_case_list_links_the_dashboard_for_leads_only(project: Any) -> None:
    lead = member(project, Role.LEAD, username="dash-lead2")
    reader = member(project, Role.READER, username="dash-reader2")
    assert 'href="/projects/secret-study/dashboard/"' in _get(lead, "/projects/secret-study/").content.decode()
    reader_page = _get(reader, "/projects/secret-study/")
    assert reader_page.status_code == 200 and "/dashboard/" not in reader_page.content.decode()
