"""A blind-reading project with one 2000 x 1500 ready mosaic read by two readers."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from annotations.models import Read, Role
from annotations.services.assignment import read_assign
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, member


def square(x: float, y: float, size: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


@dataclass
class Reading:
    project: Any
    mosaic: Any
    lead: Any
    reader_a: Any
    reader_b: Any
    read_a: Read
    read_b: Read
    client: Callable[[Any], APIClient]

    def refresh(self) -> None:
        self.read_a.refresh_from_db()
        self.read_b.refresh_from_db()


@pytest.fixture
def reading(db: None, workspace_client_for: Callable[[Any], APIClient]) -> Reading:
    center = CenterFactory()
    project = ProjectFactory(blind_reading=True)
    mosaic = MosaicFactory(case=CaseFactory(project=project, center=center))
    lead = member(project, Role.LEAD, username="lead")
    reader_a = member(project, Role.READER, username="reader_a")
    reader_b = member(project, Role.READER, username="reader_b")
    read_a, read_b = read_assign(mosaic=mosaic, readers=[reader_a, reader_b], by=lead)
    # The clients write as the workspace does: with the read's version (tests.workspace_client).
    return Reading(project, mosaic, lead, reader_a, reader_b, read_a, read_b, workspace_client_for)


def current_version(read: Read) -> int:
    """The read's version now, as a client knows it from its last answer (every write must send it)."""
    return Read.objects.values_list("version", flat=True).get(pk=read.pk)


def add_region(client: APIClient, read: Read, geometry: dict[str, Any], label: str = "atypical_honeycomb",
               **extra: Any) -> Any:  # fmt: skip
    if "read_version" not in extra:
        extra["read_version"] = current_version(read)
    return client.post(f"/api/reads/{read.pk}/regions/", {"label": label, "geometry": geometry, **extra}, format="json")
