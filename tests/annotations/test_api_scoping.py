"""Role scoping of every list and detail endpoint: a matrix of role × endpoint.

Two projects, two centers; each role sees only its part of project A and nothing
of project B. What is not visible answers 404 on detail, and is absent on list.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from annotations.models import Role
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, ReadFactory, UserFactory, member


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Any]


@pytest.fixture
def world(db: None) -> World:
    center_a, center_b = CenterFactory(code="ALPHA"), CenterFactory(code="BETA")
    project, other_project = ProjectFactory(slug="a"), ProjectFactory(slug="b")
    project.centers.add(center_a, center_b)
    other_project.centers.add(center_b)
    case_a = CaseFactory(project=project, center=center_a)
    case_b = CaseFactory(project=project, center=center_b)
    other_case = CaseFactory(project=other_project, center=center_b)
    mosaic_a, mosaic_a2 = MosaicFactory(case=case_a), MosaicFactory(case=case_a)
    mosaic_b = MosaicFactory(case=case_b)
    other_mosaic = MosaicFactory(case=other_case)
    users = {
        "admin": member(project, Role.ADMIN),
        "lead": member(project, Role.LEAD),
        "reader": member(project, Role.READER),
        "contributor": member(project, Role.CONTRIBUTOR, center=center_a),
        "outsider": member(other_project, Role.LEAD),
        "nobody": UserFactory(),
    }
    ReadFactory(mosaic=mosaic_a, reader=users["reader"])
    objects = {
        "center_a": center_a, "center_b": center_b, "project": project, "other_project": other_project,
        "case_a": case_a, "case_b": case_b, "other_case": other_case,
        "mosaic_a": mosaic_a, "mosaic_a2": mosaic_a2, "mosaic_b": mosaic_b, "other_mosaic": other_mosaic,
    }  # fmt: skip
    return World(users=users, objects=objects)


# role -> endpoint -> names of the objects it must see (and no others among the world's)
EXPECTED: dict[str, dict[str, set[str]]] = {
    "admin": {
        "projects": {"project"}, "centers": {"center_a", "center_b"},
        "cases": {"case_a", "case_b"}, "mosaics": {"mosaic_a", "mosaic_a2", "mosaic_b"},
    },
    "lead": {
        "projects": {"project"}, "centers": {"center_a", "center_b"},
        "cases": {"case_a", "case_b"}, "mosaics": {"mosaic_a", "mosaic_a2", "mosaic_b"},
    },
    "reader": {"projects": {"project"}, "centers": {"center_a", "center_b"}, "cases": {"case_a"}, "mosaics": {"mosaic_a"}},
    "contributor": {
        "projects": {"project"}, "centers": {"center_a", "center_b"},
        "cases": {"case_a"}, "mosaics": {"mosaic_a", "mosaic_a2"},
    },
    "outsider": {
        "projects": {"other_project"}, "centers": {"center_b"}, "cases": {"other_case"}, "mosaics": {"other_mosaic"},
    },
    "nobody": {"projects": set(), "centers": set(), "cases": set(), "mosaics": set()},
}  # fmt: skip
PREFIX = {"projects": "project", "centers": "center", "cases": "case", "mosaics": "mosaic"}
ALL_NAMES = {
    endpoint: {name for name in
               ["project", "other_project", "center_a", "center_b", "case_a", "case_b", "other_case",
                "mosaic_a", "mosaic_a2", "mosaic_b", "other_mosaic"]
               if name.startswith(PREFIX[endpoint]) or name.startswith(f"other_{PREFIX[endpoint]}")}
    for endpoint in PREFIX
}  # fmt: skip


def _detail_key(endpoint: str, obj: Any) -> Any:
    return obj.slug if endpoint == "projects" else obj.pk


@pytest.mark.parametrize("endpoint", sorted(PREFIX))
@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_list_shows_only_what_the_role_may_see(world: World, api_client_for: Any, role: str, endpoint: str) -> None:
    response = api_client_for(world.users[role]).get(f"/api/{endpoint}/", {"page_size": 500})
    assert response.status_code == 200
    seen = {row["id"] for row in response.json()["results"]}
    expected = {world.objects[name].pk for name in EXPECTED[role][endpoint]}
    world_ids = {world.objects[name].pk for name in ALL_NAMES[endpoint]}
    assert seen & world_ids == expected


@pytest.mark.parametrize("endpoint", sorted(PREFIX))
@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_detail_answers_404_for_what_the_role_may_not_see(
    world: World, api_client_for: Any, role: str, endpoint: str
) -> None:
    client = api_client_for(world.users[role])
    for name in ALL_NAMES[endpoint]:
        obj = world.objects[name]
        response = client.get(f"/api/{endpoint}/{_detail_key(endpoint, obj)}/")
        expected = 200 if name in EXPECTED[role][endpoint] else 404
        assert response.status_code == expected, f"{role} GET {endpoint}/{name}: {response.status_code}"


@pytest.mark.parametrize("endpoint", sorted(PREFIX))
def test_anonymous_requests_are_refused(world: World, api_client_for: Any, endpoint: str) -> None:
    assert api_client_for(None).get(f"/api/{endpoint}/").status_code in (401, 403)


REFERENCE = ("patient_code", "diagnosis", "histopathology_confirmed")


@pytest.mark.parametrize("role", ["admin", "lead", "contributor"])
def test_roles_that_see_a_case_through_their_role_get_its_reference(
    world: World, api_client_for: Any, role: str
) -> None:
    case = world.objects["case_a"]
    client = api_client_for(world.users[role])
    detail = client.get(f"/api/cases/{case.pk}/").json()
    assert (detail["patient_code"], detail["diagnosis"]) == (case.patient_code, case.diagnosis)
    assert "histopathology_confirmed" in detail
    listed = client.get("/api/cases/", {"diagnosis": case.diagnosis, "patient_code": case.patient_code}).json()
    assert case.pk in {row["id"] for row in listed["results"]}


def test_a_reader_gets_the_reader_safe_view_of_its_cases(world: World, api_client_for: Any) -> None:
    """No patient code, diagnosis or histopathology in any body a reader gets (issue 11)."""
    case = world.objects["case_a"]
    client = api_client_for(world.users["reader"])
    detail = client.get(f"/api/cases/{case.pk}/")
    listing = client.get("/api/cases/")
    assert detail.status_code == listing.status_code == 200
    assert detail.json()["code"] == case.code and [row["id"] for row in listing.json()["results"]] == [case.pk]
    for body in (detail.json(), listing.json()["results"][0]):
        assert not set(REFERENCE) & set(body), body
    for raw in (detail.content.decode(), listing.content.decode()):
        assert case.patient_code not in raw and case.diagnosis not in raw
    # Only the reader's own mosaic of the case counts (mosaic_a2 is not assigned to it).
    assert detail.json()["mosaic_count"] == 1


@pytest.mark.parametrize(
    "query", [{"diagnosis": "basal_cell_carcinoma"}, {"patient_code": "PATIENT"}, {"histopathology_confirmed": "false"}]
)
def test_a_reader_cannot_filter_its_cases_by_their_reference(world: World, api_client_for: Any, query: Any) -> None:
    case = world.objects["case_a"]
    values = {"diagnosis": case.diagnosis, "patient_code": case.patient_code, "histopathology_confirmed": "false"}
    query = {name: values[name] for name in query}
    assert api_client_for(world.users["lead"]).get("/api/cases/", query).json()["count"] >= 1
    response = api_client_for(world.users["reader"]).get("/api/cases/", query)
    assert response.status_code == 200 and response.json()["results"] == []


def test_reader_cannot_create_cases(world: World, api_client_for: Any) -> None:
    response = api_client_for(world.users["reader"]).post(
        "/api/cases/", {"project": "a", "center": "ALPHA", "code": "NEW1", "patient_code": "P9"}, format="json"
    )
    assert response.status_code == 403


def test_contributor_creates_cases_only_for_its_center(world: World, api_client_for: Any) -> None:
    client = api_client_for(world.users["contributor"])
    own = client.post(
        "/api/cases/", {"project": "a", "center": "ALPHA", "code": "NEW1", "patient_code": "P9"}, format="json"
    )
    other = client.post(
        "/api/cases/", {"project": "a", "center": "BETA", "code": "NEW2", "patient_code": "P9"}, format="json"
    )
    assert own.status_code == 201, own.content
    assert other.status_code == 403


def test_outsider_cannot_name_another_projects_slug(world: World, api_client_for: Any) -> None:
    response = api_client_for(world.users["outsider"]).post(
        "/api/cases/", {"project": "a", "center": "BETA", "code": "X1", "patient_code": "P1"}, format="json"
    )
    assert response.status_code == 400
    assert "project" in response.json()


def test_token_authentication_for_scripts(world: World) -> None:
    from rest_framework.test import APIClient

    lead = world.users["lead"]
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": lead.username, "password": "pw-for-tests"}, format="json")
    assert token.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert [p["slug"] for p in client.get("/api/projects/").json()["results"]] == ["a"]
