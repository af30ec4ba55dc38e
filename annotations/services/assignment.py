"""Assigning mosaics to readers: by hand, or balanced across the project's readers.

Only members with the reader role can be assigned (a lead sees every read, so a
lead reading would break blindness). A mosaic gets at most the project's
``readers_per_mosaic`` reads, and only once it is ready (it must have a size to
clip regions to). Each new read starts with revision 1 ("assign").

A lead may add one more reader to a mosaic whose reads are all submitted
(``extra``: a third reader for adjudication), beyond ``readers_per_mosaic``.
Only reader reads count here: a mosaic's consensus read is not a reading slot.

Balanced assignment picks the readers with the fewest open (assigned or in
progress) reads in the project, then the fewest reads overall, then by username,
so the choice is deterministic and spreads work evenly.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from annotations.models import Mosaic, MosaicStatus, Project, Read, ReadKind, ReadStatus
from annotations.selectors.access import can_manage_project
from annotations.selectors.dashboard import mosaics_awaiting_readers, readers_of_project
from audit.services import audit_record
from users.models import User

from .revisions import revision_write


def project_readers(*, mosaic: Mosaic) -> QuerySet[User]:
    """The users with the reader role in the mosaic's project, with their load there."""
    return readers_of_project(project=mosaic.case.project)


def _check_can_assign(by: User | None, project: Project) -> None:
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins can assign reads")


def project_readers_named(*, mosaic: Mosaic, usernames: Sequence[str], by: User, field: str = "readers") -> list[User]:
    """The readers of the mosaic's project named ``usernames``, for a lead naming whom to assign.

    The caller's right to assign is checked first, and a name that is no reader of
    the project gets one answer whether the user does not exist, belongs to no
    project of the caller, or has another role: assignment cannot be used to learn
    which usernames exist (issue 11).
    """
    _check_can_assign(by, mosaic.case.project)
    found = {user.get_username(): user for user in project_readers(mosaic=mosaic).filter(username__in=usernames)}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise ValidationError({field: f"not a reader of this project: {', '.join(missing)}"})
    return [found[name] for name in usernames]


@transaction.atomic
def read_assign(*, mosaic: Mosaic, readers: Sequence[User], by: User | None, extra: bool = False) -> list[Read]:
    """One new read per reader; ``by`` None means the platform itself (a management command).

    With ``extra`` the reads go beyond the project's ``readers_per_mosaic``, and only
    once every existing read of the mosaic is submitted (a third reader).
    """
    mosaic = Mosaic.objects.select_for_update(of=("self",)).select_related("case__project").get(pk=mosaic.pk)
    project = mosaic.case.project
    _check_can_assign(by, project)
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
        raise ValidationError({"readers": f"not a reader of this project: {', '.join(not_readers)}"})
    reader_reads = Read.objects.filter(mosaic=mosaic, kind=ReadKind.READER)
    existing = set(reader_reads.values_list("reader_id", flat=True))
    already = [name for reader, name in zip(readers, names, strict=True) if reader.pk in existing]
    if already:
        raise ValidationError({"readers": f"already reading this mosaic: {', '.join(already)}"})
    if extra and reader_reads.exclude(status=ReadStatus.SUBMITTED).exists():
        raise ValidationError({"readers": "an extra reader is added once every read of the mosaic is submitted"})
    if not extra and len(existing) + len(readers) > project.readers_per_mosaic:
        raise ValidationError(
            {"readers": f"the project reads each mosaic {project.readers_per_mosaic} times; "
                        f"{len(existing)} read(s) exist already"}
        )  # fmt: skip
    reads = []
    for reader in readers:
        read = Read.objects.create(mosaic=mosaic, reader=reader, assigned_by=by if by is not None else None)
        revision_write(read=read, action="assign", by=by)
        audit_record(action="read.assign", by=by, obj=read, project=project,
                     after={"mosaic": mosaic.pk, "reader": reader.get_username(), "extra": extra})  # fmt: skip
        reads.append(read)
    return reads


def readers_for_balance(*, mosaic: Mosaic, count: int | None = None, pool: Sequence[User] | None = None) -> list[User]:
    """The least-loaded readers not yet reading ``mosaic`` (``count`` defaults to the reads still missing)."""
    project = mosaic.case.project
    reader_reads = Read.objects.filter(mosaic=mosaic, kind=ReadKind.READER)
    existing = reader_reads.values("reader")
    if count is None:
        count = project.readers_per_mosaic - reader_reads.count()
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
    _check_can_assign(by, mosaic.case.project)
    readers = readers_for_balance(mosaic=mosaic, count=count, pool=pool)
    if not readers:
        raise ValidationError({"readers": "the mosaic already has all its reads"})
    return read_assign(mosaic=mosaic, readers=readers, by=by)


@dataclass
class BulkAssignment:
    assigned: list[tuple[Mosaic, list[Read]]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (mosaic id, reason)


def reads_assign_bulk(
    *, project: Project, mosaic_ids: Sequence[int] | None, by: User | None,
    readers: Sequence[User] | None = None, auto: bool = False,
) -> BulkAssignment:  # fmt: skip
    """Assign many mosaics at once; each mosaic is its own unit (one that fails is reported, not fatal).

    ``mosaic_ids`` None means every mosaic still missing reads. With ``auto`` each
    mosaic gets its missing reads from the least-loaded readers (among ``readers``
    when given); otherwise each mosaic gets exactly ``readers``.
    """
    _check_can_assign(by, project)
    if not auto and not readers:
        raise ValidationError({"readers": 'name the readers, or send "auto": true'})
    mosaics: list[Mosaic]
    if mosaic_ids is None:
        mosaics = list(mosaics_awaiting_readers(project=project))
        missing: list[int] = []
    else:
        found = {m.pk: m for m in Mosaic.objects.filter(case__project=project, pk__in=list(mosaic_ids))}
        mosaics = [found[pk] for pk in dict.fromkeys(mosaic_ids) if pk in found]
        missing = [pk for pk in dict.fromkeys(mosaic_ids) if pk not in found]
    outcome = BulkAssignment(failed=[(pk, f"no mosaic {pk} in project {project.slug}") for pk in missing])
    for mosaic in mosaics:
        try:
            if auto:
                reads = read_assign_balanced(mosaic=mosaic, by=by, pool=readers or None)
            else:
                reads = read_assign(mosaic=mosaic, readers=list(readers or []), by=by)
        except ValidationError as error:
            outcome.failed.append((mosaic.pk, "; ".join(error.messages)))
            continue
        outcome.assigned.append((mosaic, reads))
    return outcome
