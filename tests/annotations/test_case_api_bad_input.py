"""Bad input on the case API: a 400 naming the field, and nothing written."""

from typing import Any

import pytest

from annotations.models import Case, Role
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member


@pytest.fixture
def lead_client(db: None, api_client_for: Any) -> Any:
    project = ProjectFactory(slug="study")
    center = CenterFactory(code="NAP")
    project.centers.add(center)
    CaseFactory(project=project, center=center, code="DUP1")
    return api_client_for(member(project, Role.LEAD))


VALID = {"project": "study", "center": "NAP", "code": "C1", "patient_code": "P1", "diagnosis": "basal_cell_carcinoma"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**VALID, "unexpected": 1}, "unexpected"),
        ({**VALID, "histopathology_confirmed": "perhaps"}, "histopathology_confirmed"),
        ({**VALID, "code": "x" * 65}, "code"),
        ({**VALID, "diagnosis": "melanoma-ish"}, "diagnosis"),
        ({**VALID, "patient_code": "Mario Rossi"}, "patient_code"),
        ({**VALID, "code": "DUP1"}, "code"),
        ({**VALID, "center": "NOPE"}, "center"),
        ({k: v for k, v in VALID.items() if k != "patient_code"}, "patient_code"),
    ],
    ids=[
        "unknown-field",
        "wrong-type",
        "too-long",
        "bad-choice",
        "name-not-code",
        "duplicate",
        "bad-center",
        "missing",
    ],
)
def test_bad_case_payload_is_a_400_naming_the_field(lead_client: Any, payload: dict[str, Any], field: str) -> None:
    before = Case.objects.count()
    response = lead_client.post("/api/cases/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Case.objects.count() == before


def test_malformed_json_is_a_400_and_writes_nothing(lead_client: Any) -> None:
    before = Case.objects.count()
    response = lead_client.post("/api/cases/", data='{"project": "study",', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert Case.objects.count() == before


def test_valid_case_is_created(lead_client: Any) -> None:
    response = lead_client.post("/api/cases/", VALID, format="json")
    assert response.status_code == 201, response.content
    assert Case.objects.filter(code="C1", center__code="NAP").exists()


def test_filter_cases_by_diagnosis(lead_client: Any) -> None:
    lead_client.post("/api/cases/", {**VALID, "diagnosis": "solar_lentigo"}, format="json")
    rows = lead_client.get("/api/cases/", {"diagnosis": "solar_lentigo"}).json()["results"]
    assert [r["code"] for r in rows] == ["C1"]


def test_absurdly_nested_json_is_a_400_not_a_500(lead_client: Any) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = lead_client.post("/api/cases/", data=body, content_type="application/json")
    assert response.status_code == 400
