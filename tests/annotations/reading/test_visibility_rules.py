"""The fast per-read access check agrees with the ``reads_visible_to`` queryset, case by case."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from annotations.models import Membership, ReadStatus, Role
from annotations.selectors.reads import read_is_visible_to, reads_visible_to
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
    Membership.objects.filter(user=users["removed"]).delete()
    for name, user in [*users.items(), ("anonymous", AnonymousUser())]:
        for read in reads:
            expected = reads_visible_to(user=user).filter(pk=read.pk).exists()
            assert read_is_visible_to(user=user, read=read) == expected, (name, read.reader.username)
    # The rules themselves, spelled out for the blind case.
    if blind and ReadStatus.SUBMITTED not in (status_a, status_b):
        assert not read_is_visible_to(user=users["a"], read=reads[1])
    assert read_is_visible_to(user=users["lead"], read=reads[1])
    assert not read_is_visible_to(user=users["removed"], read=reads[3])
