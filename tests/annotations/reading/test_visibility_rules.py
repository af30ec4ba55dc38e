"""The fast per-read access check agrees with the ``reads_visible_to`` queryset, case by case."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from annotations.models import Membership, ReadStatus, Region, Role
from annotations.selectors.reads import read_for, read_is_visible_to, reads_visible_to, region_for
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, ReadFactory, UserFactory, member

STATUS_PAIRS = list(itertools.product([ReadStatus.ASSIGNED, ReadStatus.IN_PROGRESS, ReadStatus.SUBMITTED], repeat=2))


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize(("status_a", "status_b"), STATUS_PAIRS)
def test_fast_check_matches_the_queryset(db: None, blind: bool, status_a: str, status_b: str) -> None:
    center = CenterFactory()
    project = ProjectFactory(blind_reading=blind)
    mosaic = MosaicFactory(case=CaseFactory(project=project, center=center))
    other_mosaic = MosaicFactory(case=CaseFactory(project=project, center=center))
    users = {
        "lead": member(project, Role.LEAD),
        "admin": member(project, Role.ADMIN),
        "a": member(project, Role.READER),
        "b": member(project, Role.READER),
        "unassigned": member(project, Role.READER),
        "elsewhere": member(project, Role.READER),
        "contributor": member(project, Role.CONTRIBUTOR, center=center),
        "outsider": member(ProjectFactory(), Role.LEAD),
        "removed": member(project, Role.READER),
        "nobody": UserFactory(),
        "superuser": UserFactory(is_superuser=True),
    }
    reads = [
        ReadFactory(mosaic=mosaic, reader=users["a"], status=status_a),
        ReadFactory(mosaic=mosaic, reader=users["b"], status=status_b),
        ReadFactory(mosaic=other_mosaic, reader=users["elsewhere"], status=ReadStatus.SUBMITTED),
        ReadFactory(mosaic=other_mosaic, reader=users["removed"], status=ReadStatus.SUBMITTED),
    ]
    regions = [
        Region.objects.create(read=read, label="clefting", geometry={"type": "Polygon", "coordinates": []},
                              min_x=0, min_y=0, max_x=1, max_y=1, area_px=1)
        for read in reads
    ]  # fmt: skip
    Membership.objects.filter(user=users["removed"]).delete()
    for name, user in [*users.items(), ("anonymous", AnonymousUser())]:
        for read, region in zip(reads, regions, strict=True):
            expected = reads_visible_to(user=user).filter(pk=read.pk).exists()
            assert read_is_visible_to(user=user, read=read) == expected, (name, read.reader.username)
            # The one-query fetches of the endpoints apply the same rules.
            fetched = read_for(user=user, read_id=read.pk)
            assert (fetched is not None) == expected, (name, read.reader.username)
            fetched_region = region_for(user=user, region_id=region.pk, with_geometry=False)
            assert (fetched_region is not None) == expected, (name, read.reader.username)
            if expected:
                assert fetched is not None and fetched_region is not None
                assert fetched.mosaic.case.project == project and fetched.reader == read.reader
                assert fetched_region.read == read and fetched_region.read.mosaic.width == read.mosaic.width
                assert "geometry" in fetched_region.get_deferred_fields()
    # The rules themselves, spelled out for the blind case.
    if blind and ReadStatus.SUBMITTED not in (status_a, status_b):
        assert not read_is_visible_to(user=users["a"], read=reads[1])
    assert read_is_visible_to(user=users["lead"], read=reads[1])
    assert not read_is_visible_to(user=users["removed"], read=reads[3])
