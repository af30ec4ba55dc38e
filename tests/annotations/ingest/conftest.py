"""Fixtures of the ingest tests: a case, who may add mosaics to it, and who may not."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from annotations.models import Case, Role
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member


@dataclass
class Study:
    case: Case
    contributor: Any
    lead: Any
    reader: Any
    other_center_contributor: Any
    outsider: Any


@pytest.fixture(autouse=True)
def _own_media_root(settings: Any, tmp_path: Path) -> None:
    """Each test its own media root, so "no file left behind" is checked on this test's files only."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def study(db: None) -> Study:
    project = ProjectFactory(keep_originals=True)
    center, other = CenterFactory(), CenterFactory()
    project.centers.add(center, other)
    case = CaseFactory(project=project, center=center)
    return Study(
        case=case,
        contributor=member(project, Role.CONTRIBUTOR, center),
        lead=member(project, Role.LEAD),
        reader=member(project, Role.READER),
        other_center_contributor=member(project, Role.CONTRIBUTOR, other),
        outsider=member(ProjectFactory(), Role.LEAD),
    )
