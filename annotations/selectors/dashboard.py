"""The lead's dashboard data: what is left to assign, and progress per center and reader.

Callers pass a project the user manages (``agreement.project_managed``); these
functions do not scope again. Only reader reads count as reading work; a
mosaic's consensus only decides whether it is adjudicated.

**A mosaic's state** (``mosaic_state``), for progress per center:

- ``not_ready``: not ingested (yet), or its ingest failed: it cannot be read;
- ``unassigned``: ready, no reader read;
- ``assigned``: reader reads exist, none started;
- ``in_progress``: some read started, or fewer reads than the protocol's
  ``readers_per_mosaic``, and not every read submitted;
- ``submitted``: every reader read submitted, at least ``readers_per_mosaic`` of them;
- ``adjudicated``: its consensus read is submitted.
"""

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from annotations.models import Membership, Mosaic, MosaicStatus, Project, Read, ReadKind, ReadStatus, Role
from users.models import User

from .labels import source_stem

if TYPE_CHECKING:  # the stubs' helper for annotated querysets (a dev dependency)
    from django_stubs_ext import WithAnnotations


class _ReadCount(TypedDict):
    read_count: int


class _ReaderLoad(TypedDict):
    open_reads: int
    all_reads: int


MOSAIC_STATES = ("not_ready", "unassigned", "assigned", "in_progress", "submitted", "adjudicated")
READ_STATES = tuple(ReadStatus.values)


def mosaics_awaiting_readers(
    *, project: Project, per_mosaic: int | None = None
) -> "QuerySet[WithAnnotations[Mosaic, _ReadCount]]":
    """Ready mosaics with fewer reader reads than ``per_mosaic`` (the project's by default), oldest first."""
    wanted = per_mosaic or project.readers_per_mosaic
    return (
        Mosaic.objects.filter(case__project=project, status=MosaicStatus.READY)
        .annotate(read_count=Count("reads", filter=Q(reads__kind=ReadKind.READER)))
        .filter(read_count__lt=wanted)
        .order_by("created_at", "id")
    )


def readers_of_project(*, project: Project) -> "QuerySet[WithAnnotations[User, _ReaderLoad]]":
    """The project's active readers, least loaded first: ``open_reads`` and ``all_reads`` annotated."""
    members = Membership.objects.filter(project=project, role=Role.READER).values("user")
    in_project = Q(reads__mosaic__case__project=project, reads__kind=ReadKind.READER)
    return (
        get_user_model()
        .objects.filter(pk__in=members, is_active=True)
        .annotate(
            open_reads=Count("reads", filter=in_project & ~Q(reads__status=ReadStatus.SUBMITTED)),
            all_reads=Count("reads", filter=in_project),
        )
        .order_by("open_reads", "all_reads", "username")
    )


def assignment_overview(*, project: Project, limit: int, offset: int = 0) -> dict[str, Any]:
    """Mosaics still missing reads (a page of them, with their readers) and the readers with their load."""
    awaiting = mosaics_awaiting_readers(project=project).select_related("case__center")
    page = list(awaiting[offset : offset + limit])
    readers: dict[int, list[str]] = defaultdict(list)
    for mosaic_id, username in (
        Read.objects.filter(mosaic__in=[m.pk for m in page], kind=ReadKind.READER)
        .order_by("assigned_at", "id")
        .values_list("mosaic_id", "reader__username")
    ):
        readers[mosaic_id].append(username)
    return {
        "readers_per_mosaic": project.readers_per_mosaic,
        "count": awaiting.count(),
        "mosaics": [
            {
                "id": mosaic.pk, "name": source_stem(mosaic), "case_code": mosaic.case.code,
                "center": mosaic.case.center.code, "readers": readers[mosaic.pk],
                "missing": project.readers_per_mosaic - len(readers[mosaic.pk]),
            }
            for mosaic in page
        ],
        "readers": list(readers_of_project(project=project).values("username", "open_reads", "all_reads")),
    }  # fmt: skip


def mosaic_state(*, ready: bool, statuses: list[str], consensus: str | None, readers_per_mosaic: int) -> str:
    """One mosaic's state (see the module docstring) from its reader reads' statuses and its consensus's."""
    if consensus == ReadStatus.SUBMITTED:
        return "adjudicated"
    if not ready:
        return "not_ready"
    if not statuses:
        return "unassigned"
    if all(status == ReadStatus.SUBMITTED for status in statuses) and len(statuses) >= readers_per_mosaic:
        return "submitted"
    if all(status == ReadStatus.ASSIGNED for status in statuses):
        return "assigned"
    return "in_progress"


def project_progress(*, project: Project) -> dict[str, Any]:
    """Mosaics per center by state, reads per reader by status (with their mean viewed fraction)."""
    from .coverage import viewed_fraction_expression

    mosaics = dict(Mosaic.objects.filter(case__project=project).values_list("pk", "case__center__code"))
    ready = set(Mosaic.objects.filter(case__project=project, status=MosaicStatus.READY).values_list("pk", flat=True))
    statuses: dict[int, list[str]] = defaultdict(list)
    consensus: dict[int, str] = {}
    per_reader: dict[str, Counter[str]] = defaultdict(Counter)
    viewed: dict[str, list[float]] = defaultdict(list)
    low: Counter[str] = Counter()
    reads = (
        Read.objects.filter(mosaic__case__project=project)
        .annotate(viewed=viewed_fraction_expression())
        .values_list("mosaic_id", "kind", "status", "reader__username", "viewed")
    )
    for mosaic_id, kind, status, reader, fraction in reads:
        if kind == ReadKind.CONSENSUS:
            consensus[mosaic_id] = status
            continue
        if kind == ReadKind.AIDED:
            continue  # a second, AI-aided read of a mosaic already read (inference.services.suggestions)
        statuses[mosaic_id].append(status)
        per_reader[reader][status] += 1
        viewed[reader].append(float(fraction))
        if status == ReadStatus.SUBMITTED and float(fraction) < project.min_viewed_fraction:
            low[reader] += 1
    by_center: dict[str, Counter[str]] = defaultdict(Counter)
    for mosaic_id, center in mosaics.items():
        state = mosaic_state(ready=mosaic_id in ready, statuses=statuses[mosaic_id],
                             consensus=consensus.get(mosaic_id), readers_per_mosaic=project.readers_per_mosaic)  # fmt: skip
        by_center[center][state] += 1
    totals: Counter[str] = sum(by_center.values(), Counter())
    return {
        "readers_per_mosaic": project.readers_per_mosaic,
        "min_viewed_fraction": project.min_viewed_fraction,
        "totals": {"mosaics": len(mosaics), **{state: totals[state] for state in MOSAIC_STATES}},
        "by_center": [
            {"center": center, "mosaics": sum(counts.values()), **{state: counts[state] for state in MOSAIC_STATES}}
            for center, counts in sorted(by_center.items())
        ],
        "by_reader": [
            {
                "reader": reader, "reads": sum(counts.values()), **{status: counts[status] for status in READ_STATES},
                "mean_viewed_fraction": sum(viewed[reader]) / len(viewed[reader]) if viewed[reader] else None,
                "submitted_below_min_viewed": low[reader],
            }
            for reader, counts in sorted(per_reader.items())
        ],
    }  # fmt: skip
