"""A small study made through the services: a project, its lead and readers, mosaics, submitted reads.

For the tests of what comes after reading (agreement, adjudication, label sets,
the lead's dashboard): reads are drawn and submitted the way the API does it,
so their versions and revisions are real.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotations.models import Center, Mosaic, Project, Read, Role
from annotations.services.assignment import read_assign
from annotations.services.reads import read_submit, read_update_fields
from annotations.services.regions import region_add
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, member


@dataclass
class Study:
    project: Project
    center: Center
    lead: Any
    readers: dict[str, Any] = field(default_factory=dict)

    def mosaic(self, name: str, *, patient: str, diagnosis: str = "actinic_keratosis", width: int = 400,
               height: int = 200, center: Center | None = None) -> Mosaic:  # fmt: skip
        case = CaseFactory(project=self.project, center=center or self.center, code=f"C-{name}",
                           patient_code=patient, diagnosis=diagnosis)  # fmt: skip
        return MosaicFactory(case=case, original_filename=f"{name}.tif", width=width, height=height, um_per_px=0.5)

    def assign(self, mosaic: Mosaic, *names: str) -> list[Read]:
        return read_assign(mosaic=mosaic, readers=[self.readers[name] for name in names], by=self.lead)


def make_study(readers: Sequence[str] = ("ann", "bob"), *, blind: bool = True, **protocol: Any) -> Study:
    project = ProjectFactory(blind_reading=blind, **protocol)
    center = CenterFactory()
    study = Study(project=project, center=center, lead=member(project, Role.LEAD))
    study.readers = {name: member(project, Role.READER, username=name) for name in readers}
    return study


def draw(read: Read, regions: Sequence[tuple[str, dict[str, Any]]]) -> Read:
    for label, geometry in regions:
        read = region_add(
            read=read, by=read.reader, label=label, geometry=geometry, merge=False, read_version=read.version
        ).read
    return read


def submit(read: Read, regions: Sequence[tuple[str, dict[str, Any]]] = (), diagnosis: str = "actinic_keratosis"
           ) -> Read:  # fmt: skip
    """Draw ``regions`` into the read and submit it (a read without regions as an explicit negative)."""
    read = draw(read, regions)
    read = read_update_fields(
        read=read, by=read.reader, read_version=read.version, diagnosis=diagnosis, no_suspicious_area=not regions
    )
    return read_submit(read=read, by=read.reader, read_version=read.version, confirm_low_coverage=True)
