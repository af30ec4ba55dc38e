"""Access follows the current role (issue 11): a reader made contributor of another center
keeps nothing through its old reads: not the case (API and pages), not the mosaic, not the reads.
"""

from typing import Any

import pytest

from annotations.models import Membership, Role
from annotations.services.assignment import read_assign
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, member


@pytest.fixture
def promoted(db: None) -> dict[str, Any]:
    """A reader with a read of center A's case, then made contributor of center B."""
    center_a, center_b = CenterFactory(), CenterFactory()
    project = ProjectFactory()
    project.centers.add(center_a, center_b)
    case = CaseFactory(project=project, center=center_a)
    mosaic = MosaicFactory(case=case)
    lead = member(project, Role.LEAD)
    reader = member(project, Role.READER)
    (read,) = read_assign(mosaic=mosaic, readers=[reader], by=lead)
    return {"project": project, "case": case, "mosaic": mosaic, "read": read, "reader": reader, "center_b": center_b}


def _become_contributor(world: dict[str, Any]) -> None:
    Membership.objects.filter(user=world["reader"], project=world["project"]).update(
        role=Role.CONTRIBUTOR, center=world["center_b"]
    )


def _api_urls(world: dict[str, Any]) -> list[str]:
    case, mosaic, read = world["case"], world["mosaic"], world["read"]
    return [f"/api/cases/{case.pk}/", f"/api/mosaics/{mosaic.pk}/", f"/api/reads/{read.pk}/",
            f"/api/reads/{read.pk}/regions/", f"/api/reads/{read.pk}/history/", f"/api/mosaics/{mosaic.pk}/reads/"]  # fmt: skip


def test_a_reader_made_contributor_loses_the_case_mosaic_and_reads_in_the_api(
    promoted: dict[str, Any], api_client_for: Any
) -> None:
    client = api_client_for(promoted["reader"])
    before = {url: client.get(url).status_code for url in _api_urls(promoted)}
    assert set(before.values()) == {200}, before
    _become_contributor(promoted)
    after = {url: client.get(url).status_code for url in _api_urls(promoted)}
    assert set(after.values()) == {404}, after
    for listing in ("/api/cases/", "/api/mosaics/", "/api/reads/"):
        body = client.get(listing).json()
        assert body["results"] == [], (listing, body)
    assert promoted["case"].code not in client.get("/api/cases/").content.decode()


def test_a_reader_made_contributor_loses_the_case_and_workspace_pages(promoted: dict[str, Any], client: Any) -> None:
    case, read = promoted["case"], promoted["read"]
    client.force_login(promoted["reader"])
    assert case.code in client.get(f"/projects/{promoted['project'].slug}/").content.decode()
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    _become_contributor(promoted)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/reads/{read.pk}/").status_code == 404
    assert client.get(f"/mosaics/{promoted['mosaic'].pk}/").status_code == 404
    assert case.code not in client.get(f"/projects/{promoted['project'].slug}/").content.decode()
    assert f"/reads/{read.pk}/" not in client.get("/worklist/").content.decode()


def test_made_reader_again_the_reads_come_back(promoted: dict[str, Any], api_client_for: Any) -> None:
    _become_contributor(promoted)
    Membership.objects.filter(user=promoted["reader"], project=promoted["project"]).update(
        role=Role.READER, center=None
    )
    assert api_client_for(promoted["reader"]).get(f"/api/reads/{promoted['read'].pk}/").status_code == 200
