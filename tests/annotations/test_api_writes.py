"""Who may write centers, projects and cases through the API: every role × every write.

The services make each permission check (``annotations.services.projects`` and
``.cases``); this matrix checks the answers through the API and that a refused
write changes nothing. What a role may not see answers 404, as for reads.
"""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from annotations.models import Case, Center, Project, Role
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, ReadFactory, UserFactory, member

ROLES = ["admin", "lead", "reader", "contributor", "outsider", "staff", "staff_member", "nobody"]

# write -> role -> expected status (2xx: done; 403: seen but not allowed; 404: not seen)
EXPECTED: dict[str, dict[str, int]] = {
    "center_create": {"admin": 403, "lead": 403, "reader": 403, "contributor": 403, "outsider": 403,
                      "staff": 201, "staff_member": 201, "nobody": 403},
    # Staff rename the centers they see (a superuser sees all; this staff user is in no project).
    "center_rename": {"admin": 403, "lead": 403, "reader": 403, "contributor": 403, "outsider": 404,
                      "staff": 404, "staff_member": 200, "nobody": 404},
    "project_update": {"admin": 200, "lead": 200, "reader": 403, "contributor": 403, "outsider": 404,
                       "staff": 404, "staff_member": 403, "nobody": 404},
    "case_create_own_center": {"admin": 201, "lead": 201, "reader": 403, "contributor": 201, "outsider": 400,
                               "staff": 400, "staff_member": 403, "nobody": 400},
    # The reader sees the case through its read of the case's mosaic.
    "case_update": {"admin": 200, "lead": 200, "reader": 403, "contributor": 200, "outsider": 404,
                    "staff": 404, "staff_member": 404, "nobody": 404},
    "case_delete": {"admin": 204, "lead": 204, "reader": 403, "contributor": 403, "outsider": 404,
                    "staff": 404, "staff_member": 404, "nobody": 404},
}  # fmt: skip


def _world() -> dict[str, Any]:
    center_a, center_b = CenterFactory(code="ALPHA", name="Alpha"), CenterFactory(code="BETA", name="Beta")
    project = ProjectFactory(slug="a", name="A")
    project.centers.add(center_a)
    other = ProjectFactory(slug="b")
    other.centers.add(center_b)
    case = CaseFactory(project=project, center=center_a, code="CASE1")
    users = {
        "admin": member(project, Role.ADMIN),
        "lead": member(project, Role.LEAD),
        "reader": member(project, Role.READER),
        "contributor": member(project, Role.CONTRIBUTOR, center=center_a),
        "outsider": member(other, Role.LEAD),
        "staff": UserFactory(is_staff=True),
        "staff_member": member(project, Role.READER, is_staff=True),
        "nobody": UserFactory(),
    }
    ReadFactory(mosaic=MosaicFactory(case=case), reader=users["reader"])
    return {"users": users, "center": center_a, "project": project, "case": case}


def _write(client: APIClient, write: str, world: dict[str, Any]) -> Any:
    case, center = world["case"], world["center"]
    if write == "center_create":
        return client.post("/api/centers/", {"code": "GAMMA", "name": "Gamma"}, format="json")
    if write == "center_rename":
        return client.patch(f"/api/centers/{center.pk}/", {"name": "Renamed"}, format="json")
    if write == "project_update":
        return client.patch("/api/projects/a/", {"readers_per_mosaic": 3, "name": "Renamed"}, format="json")
    if write == "case_create_own_center":
        return client.post("/api/cases/", {"project": "a", "center": "ALPHA", "code": "NEW1", "patient_code": "P9"},
                           format="json")  # fmt: skip
    if write == "case_update":
        return client.patch(f"/api/cases/{case.pk}/", {"site": "nose"}, format="json")
    return client.delete(f"/api/cases/{case.pk}/")


def _state() -> tuple[Any, ...]:
    project = Project.objects.get(slug="a")
    case = Case.objects.filter(code="CASE1").values_list("site", flat=True).first()
    return (
        sorted(Center.objects.values_list("code", "name")),
        (project.name, project.readers_per_mosaic),
        sorted(Case.objects.values_list("code", flat=True)),
        case,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", sorted(EXPECTED))
def test_each_write_is_allowed_to_exactly_the_roles_it_names(
    db: None, api_client_for: Callable[[Any], APIClient], write: str, role: str
) -> None:
    world = _world()
    before = _state()

    response = _write(api_client_for(world["users"][role]), write, world)

    expected = EXPECTED[write][role]
    assert response.status_code == expected, (write, role, response.content[:300])
    if expected >= 300:
        assert _state() == before, "a refused write changed something"
        return
    after = _state()
    assert after != before
    if write == "center_create":
        assert ("GAMMA", "Gamma") in after[0]
    elif write == "project_update":
        assert after[1] == ("Renamed", 3) and response.json()["readers_per_mosaic"] == 3
    elif write == "case_update":
        assert after[3] == "nose" and response.json()["site"] == "nose"
    elif write == "case_delete":
        assert "CASE1" not in after[2]


def test_operator_commands_write_through_the_same_services(db: None) -> None:
    """``by=None`` (a management command) skips the role check, not the validation."""
    from django.core.exceptions import ValidationError

    from annotations.services.projects import center_upsert, project_upsert

    center, created = center_upsert(code="NAP", name="Naples")
    assert created and center_upsert(code="NAP", name="Napoli") == (center, False)
    assert Center.objects.get(code="NAP").name == "Napoli"
    with pytest.raises(ValidationError):
        center_upsert(code="bad code!", name="x")
    project, created = project_upsert(slug="face", name="Face", readers_per_mosaic=2)
    assert created and project_upsert(slug="face", name="Face 2")[1] is False
    with pytest.raises(ValidationError):
        project_upsert(slug="face", name="Face", readers_per_mosaic=0)
