"""Who may see a read, over the whole matrix: roles × read status × blind or not × membership.

The mosaic also has an open consensus read (the lead's adjudication, kind
``consensus``): it must not keep the readers blind, and the readers see it only
once every reader read of the mosaic is submitted.

The platform states the rules once (``annotations.selectors.reads._visible_reads``).
This test states them again, independently and plainly (``expected_visible``), and
checks every path by which a read reaches a caller against them: the listing
queryset, the compiled per-request fetches of a read and of a region, and the API
(status and body of a read and of a region, the reader's name, a mosaic's list of
reads). ``tests/test_make_run_profile.py`` runs this module on SQLite as well.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from annotations.models import Membership, Read, ReadKind, ReadStatus, Region, Role
from annotations.selectors.reads import read_for, reads_visible_to, region_for
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, ReadFactory, UserFactory, member

STATUSES = [ReadStatus.ASSIGNED, ReadStatus.IN_PROGRESS, ReadStatus.SUBMITTED]
MANAGERS = (Role.LEAD, Role.ADMIN)


@dataclass
class World:
    blind: bool
    callers: dict[str, Any]  # name -> user (AnonymousUser for "anonymous")
    roles: dict[str, Role | None]  # name -> role in the project, after removals
    reads: list[Read]
    regions: list[Region]


def build_world(blind: bool, status_a: str, status_b: str) -> World:
    center = CenterFactory()
    project = ProjectFactory(blind_reading=blind)
    mosaic = MosaicFactory(case=CaseFactory(project=project, center=center))
    other_mosaic = MosaicFactory(case=CaseFactory(project=project, center=center))
    roles: dict[str, Role | None] = {
        "lead": Role.LEAD, "admin": Role.ADMIN, "a": Role.READER, "b": Role.READER, "unassigned": Role.READER,
        "elsewhere": Role.READER, "contributor": Role.CONTRIBUTOR, "removed": Role.READER,
    }  # fmt: skip
    callers: dict[str, Any] = {
        name: member(project, role, center=center if role == Role.CONTRIBUTOR else None)
        for name, role in roles.items()
        if role is not None
    }
    callers["outsider"] = member(ProjectFactory(), Role.LEAD)  # a lead, of another project
    callers["nobody"] = UserFactory()
    callers["superuser"] = UserFactory(is_superuser=True)
    callers["anonymous"] = AnonymousUser()
    reads = [
        ReadFactory(mosaic=mosaic, reader=callers["a"], status=status_a),
        ReadFactory(mosaic=mosaic, reader=callers["b"], status=status_b),
        ReadFactory(mosaic=other_mosaic, reader=callers["elsewhere"], status=ReadStatus.SUBMITTED),
        ReadFactory(mosaic=other_mosaic, reader=callers["removed"], status=ReadStatus.SUBMITTED),
        ReadFactory(mosaic=mosaic, reader=callers["lead"], kind=ReadKind.CONSENSUS, status=ReadStatus.IN_PROGRESS),
    ]
    regions = [
        Region.objects.create(read=read, label="clefting", geometry={"type": "Polygon", "coordinates": []},
                              min_x=0, min_y=0, max_x=1, max_y=1, area_px=1)
        for read in reads
    ]  # fmt: skip
    Membership.objects.filter(user=callers["removed"]).delete()  # removed from the project, reads kept
    roles["removed"] = None
    return World(blind, callers, roles, reads, regions)


def expected_visible(world: World, name: str, read: Read) -> bool:
    """The rules, as a person would state them."""
    if name == "superuser":
        return True
    role = world.roles.get(name)
    if role is None:  # anonymous, never a member, or removed from the project
        return False
    if role in MANAGERS:
        return True
    caller = world.callers[name]
    if read.reader_id == caller.pk:
        return True
    # Only reader reads make a reader of the mosaic, and only they keep it blind.
    same_mosaic = [other for other in world.reads if other.mosaic_id == read.mosaic_id and other.kind == ReadKind.READER]
    if not any(other.reader_id == caller.pk for other in same_mosaic):
        return False
    all_submitted = all(other.status == ReadStatus.SUBMITTED for other in same_mosaic)
    if read.kind == ReadKind.CONSENSUS:  # the lead's judgement: never before every read is in, blind or not
        return all_submitted
    return not world.blind or all_submitted


def expected_name(world: World, name: str, read: Read) -> str | None:
    """A read's reader is named to itself, the project's leads and admins, and superusers."""
    caller = world.callers[name]
    if name == "superuser" or world.roles.get(name) in MANAGERS or read.reader_id == caller.pk:
        return read.reader.username
    return None


STATUS_PAIRS = list(itertools.product(STATUSES, repeat=2))


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize(("status_a", "status_b"), STATUS_PAIRS)
def test_every_path_to_a_read_follows_the_rules(
    db: None, api_client_for: Callable[[Any], APIClient], blind: bool, status_a: str, status_b: str
) -> None:
    world = build_world(blind, status_a, status_b)
    # Anchors, spelled out: the blind peer, the lead, the reader removed from the project.
    callers, reads = world.callers, world.reads
    a_sees_b = read_for(user=callers["a"], read_id=reads[1].pk) is not None
    assert a_sees_b == (not blind or status_a == status_b == ReadStatus.SUBMITTED)
    assert read_for(user=callers["lead"], read_id=reads[1].pk) is not None
    assert read_for(user=callers["removed"], read_id=reads[3].pk) is None
    a_sees_consensus = read_for(user=callers["a"], read_id=reads[4].pk) is not None
    assert a_sees_consensus == (status_a == status_b == ReadStatus.SUBMITTED)

    for name, user in world.callers.items():
        listed = set(reads_visible_to(user=user).values_list("pk", flat=True))
        client = api_client_for(None if name == "anonymous" else user)
        for read, region in zip(world.reads, world.regions, strict=True):
            where = (name, read.reader.username, status_a, status_b, blind)
            visible = expected_visible(world, name, read)
            assert (read.pk in listed) == visible, where
            fetched = read_for(user=user, read_id=read.pk)
            assert (fetched is not None) == visible, where
            fetched_region = region_for(user=user, region_id=region.pk, with_geometry=False)
            assert (fetched_region is not None) == visible, where
            if fetched is not None and fetched_region is not None:
                # The compiled fetches load what the endpoints use, without extra queries.
                assert fetched.mosaic.case.project == read.mosaic.case.project and fetched.reader == read.reader
                assert fetched_region.read == read and fetched_region.read.mosaic.width == read.mosaic.width
                assert "geometry" in fetched_region.get_deferred_fields()

            response = client.get(f"/api/reads/{read.pk}/")
            region_response = client.get(f"/api/regions/{region.pk}/")
            if name == "anonymous":
                assert response.status_code == region_response.status_code == 403, where
                continue
            assert response.status_code == (200 if visible else 404), where
            assert region_response.status_code == (200 if visible else 404), where
            if visible:
                assert response.json()["id"] == read.pk and region_response.json()["read"] == read.pk
                assert response.json()["reader"] == expected_name(world, name, read), where
            else:
                assert read.reader.username.encode() not in response.content, where

        if name != "anonymous":
            for mosaic_id in sorted({read.mosaic_id for read in world.reads}):
                response = client.get(f"/api/mosaics/{mosaic_id}/reads/")
                if response.status_code == 404:  # the mosaic itself is out of the caller's sight
                    assert not any(expected_visible(world, name, r) for r in world.reads if r.mosaic_id == mosaic_id)
                    continue
                shown = {item["id"]: item["reader"] for item in response.json()}
                wanted = {r.pk: expected_name(world, name, r) for r in world.reads
                          if r.mosaic_id == mosaic_id and expected_visible(world, name, r)}  # fmt: skip
                assert shown == wanted, (name, mosaic_id)
