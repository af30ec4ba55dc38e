"""Assigning mosaics to readers: by hand, or balanced across the project's readers.

Only members with the reader role can be assigned (a lead sees every read, so a
lead reading would break blindness). A mosaic gets at most the project's
``readers_per_mosaic`` reads, and only once it is ready (it must have a size to
clip regions to). Each new read starts with revision 1 ("assign").

Balanced assignment picks the readers with the fewest open (assigned or in
progress) reads in the project, then the fewest reads overall, then by username,
so the choice is deterministic and spreads work evenly.
"""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from annotations.models import Membership, Mosaic, MosaicStatus, Read, ReadStatus, Role
from annotations.selectors.access import can_manage_project

from .revisions import revision_write


def project_readers(*, mosaic: Mosaic) -> QuerySet[User]:
    """The users with the reader role in the mosaic's project, with their load there."""
    project = mosaic.case.project
    members = Membership.objects.filter(project=project, role=Role.READER).values("user")
    in_project = Q(reads__mosaic__case__project=project)
    return (
        get_user_model()
        .objects.filter(pk__in=members, is_active=True)
        .annotate(
            open_reads=Count("reads", filter=in_project & ~Q(reads__status=ReadStatus.SUBMITTED)),
            all_reads=Count("reads", filter=in_project),
        )
        .order_by("open_reads", "all_reads", "username")
    )


@transaction.atomic
def read_assign(*, mosaic: Mosaic, readers: Sequence[User], by: User | None) -> list[Read]:
    """One new read per reader; ``by`` None means the platform itself (a management command)."""
    mosaic = Mosaic.objects.select_for_update(of=("self",)).select_related("case__project").get(pk=mosaic.pk)
    project = mosaic.case.project
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins can assign reads")
    if mosaic.status != MosaicStatus.READY or not mosaic.width or not mosaic.height:
        raise ValidationError({"mosaic": f"mosaic {mosaic.pk} is {mosaic.status}, not ready; it cannot be read yet"})
    if not readers:
        raise ValidationError({"readers": "name at least one reader"})
    names = [str(reader.get_username()) for reader in readers]
    if len(set(names)) != len(names):
        raise ValidationError({"readers": "a reader is named twice"})
    allowed = set(project_readers(mosaic=mosaic).values_list("pk", flat=True))
    not_readers = [name for reader, name in zip(readers, names, strict=True) if reader.pk not in allowed]
    if not_readers:
        raise ValidationError({"readers": f"not a reader of project {project.slug}: {', '.join(not_readers)}"})
    existing = set(Read.objects.filter(mosaic=mosaic).values_list("reader_id", flat=True))
    already = [name for reader, name in zip(readers, names, strict=True) if reader.pk in existing]
    if already:
        raise ValidationError({"readers": f"already reading this mosaic: {', '.join(already)}"})
    if len(existing) + len(readers) > project.readers_per_mosaic:
        raise ValidationError(
            {"readers": f"the project reads each mosaic {project.readers_per_mosaic} times; "
                        f"{len(existing)} read(s) exist already"}
        )  # fmt: skip
    reads = []
    for reader in readers:
        read = Read.objects.create(mosaic=mosaic, reader=reader, assigned_by=by if by is not None else None)
        revision_write(read=read, action="assign", by=by)
        reads.append(read)
    return reads


def readers_for_balance(*, mosaic: Mosaic, count: int | None = None, pool: Sequence[User] | None = None) -> list[User]:
    """The least-loaded readers not yet reading ``mosaic`` (``count`` defaults to the reads still missing)."""
    project = mosaic.case.project
    existing = Read.objects.filter(mosaic=mosaic).values("reader")
    if count is None:
        count = project.readers_per_mosaic - Read.objects.filter(mosaic=mosaic).count()
    candidates = project_readers(mosaic=mosaic).exclude(pk__in=existing)
    if pool is not None:
        candidates = candidates.filter(pk__in=[user.pk for user in pool])
    chosen = list(candidates[: max(count, 0)])
    if len(chosen) < count:
        raise ValidationError(
            {"readers": f"{count} more reader(s) needed but only {len(chosen)} reader(s) of project "
                        f"{project.slug} are free for this mosaic"}
        )  # fmt: skip
    return chosen


@transaction.atomic
def read_assign_balanced(
    *,
    mosaic: Mosaic,
    by: User | None,
    count: int | None = None,
    pool: Sequence[User] | None = None,
) -> list[Read]:
    """Assign the mosaic to the least-loaded readers until it has its reads."""
    mosaic = Mosaic.objects.select_for_update(of=("self",)).select_related("case__project").get(pk=mosaic.pk)
    if by is not None and not can_manage_project(user=by, project=mosaic.case.project):
        raise PermissionDenied("only the project's leads and admins can assign reads")
    readers = readers_for_balance(mosaic=mosaic, count=count, pool=pool)
    if not readers:
        raise ValidationError({"readers": "the mosaic already has all its reads"})
    return read_assign(mosaic=mosaic, readers=readers, by=by)
