"""Which reads and regions a user may see, and the worklists built from them.

Blindness is enforced here, in the querysets every reading endpoint starts from,
not in the page: a read the caller may not see simply does not exist for it (404),
and listings never mention it. The rules:

- leads and admins of a project (and superusers) see every read of its mosaics,
  consensus reads included;
- a reader (its current role in the project) sees its own reads;
- it sees another reader's read of a mosaic it reads itself only when the project
  is not blind, or when every reader read of that mosaic is submitted;
- it sees the mosaic's consensus read (kind ``consensus``) only when every reader
  read of that mosaic is submitted, blind project or not: the consensus is the
  lead's judgement of the reads, never a hint while reading.

"Reads" in the conditions are reader reads (``ReadKind.READER``): an open
consensus does not keep the readers blind, and a consensus read does not make its
adjudicator a reader of the mosaic.

Membership is checked like in ``access``: a reader removed from a project, or
whose role there is no longer reader, loses its reads there too (access follows
the current role). Subqueries (``Exists``) keep the querysets free of duplicates.

The rules are written once, as the ORM filter ``_visible_reads``. The per-request
fetches of the reading endpoints are that filter compiled once per connection
(``annotations.prepared``), so PostgreSQL and SQLite run the same definition and
no hand-written twin exists. The viewport listing's JSON comes from
``region_json`` (PostgreSQL writes it on the hot path, Python elsewhere).
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotations.db import has_postgresql_fast_paths
from annotations.models import Membership, Read, ReadKind, ReadStatus, Region, Role
from annotations.prepared import PreparedQuery
from annotations.selectors.access import MANAGER_ROLES, AnyUser, _is_superuser, projects_managed_by
from annotations.selectors.region_json import (
    API_KEYS,
    region_body,
    region_json_expression,
    updated_at_expression,
    utc_timestamp,
    without_geometry,
)


@dataclass(frozen=True)
class BBox:
    """An axis-aligned box in full-resolution pixel coordinates."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float


def _visible_reads(user_id: int, *, superuser: bool, via: str = "") -> Q:
    """Who may see a read: the one statement of the rules above, as a filter.

    A filter on ``Read``, or with ``via="read__"`` on a model that points at a read
    (the region fetch joins the read rather than asking ``read IN (subquery)``,
    which PostgreSQL plans more slowly). Every path through which a read reaches a
    caller starts here: the listings filter with it, and the per-request fetches
    (``read_for``, ``region_for``) are this filter compiled once and run again.
    """
    if superuser:
        return Q()
    memberships = Membership.objects.filter(user_id=user_id)
    managed = memberships.filter(role__in=MANAGER_ROLES).values("project")
    # Only a current reader's own and peer reads count (a contributor's old reads do not).
    reading = memberships.filter(role=Role.READER).values("project")
    reader_reads = Read.objects.filter(kind=ReadKind.READER, mosaic=OuterRef(f"{via}mosaic"))
    caller_reads_mosaic = reader_reads.filter(reader_id=user_id)
    mosaic_has_open_read = reader_reads.exclude(status=ReadStatus.SUBMITTED)
    project = f"{via}mosaic__case__project"
    own = Q(**{f"{via}reader_id": user_id})
    peer_visible = Q(Exists(caller_reads_mosaic)) & (
        Q(**{f"{project}__blind_reading": False, f"{via}kind": ReadKind.READER}) | ~Q(Exists(mosaic_has_open_read))
    )
    return Q(**{f"{project}__in": managed}) | (Q(**{f"{project}__in": reading}) & (own | peer_visible))


def reads_visible_to(*, user: AnyUser) -> QuerySet[Read]:
    if not user.is_authenticated:
        return Read.objects.none()
    return Read.objects.filter(_visible_reads(user.pk, superuser=_is_superuser(user)))


# --- one query per request: a read (or region) with what every endpoint needs ------
#
# Every read and region endpoint starts by loading the read with its mosaic, case,
# project and reader, filtered by ``_visible_reads``. As a queryset that costs Django
# more to compile (~2-13 ms) than PostgreSQL to run; on the autosave path that was
# a tenth of the request. Compiled once per connection, each request only runs it.

# What every reading endpoint needs with a read (its outputs name the case, the
# project's pixel size and protocol, the reader).
READ_CONTEXT = ("mosaic__case__project", "reader")


def _read_in_context(*, user_id: int, read_id: int, superuser: bool) -> QuerySet[Read]:
    return Read.objects.select_related(*READ_CONTEXT).filter(_visible_reads(user_id, superuser=superuser), pk=read_id)


def _region_in_context(*, user_id: int, region_id: int, superuser: bool, with_geometry: bool) -> QuerySet[Region]:
    regions = Region.objects.select_related(*(f"read__{name}" for name in READ_CONTEXT))
    regions = regions.filter(_visible_reads(user_id, superuser=superuser, via="read__"), pk=region_id)
    return regions if with_geometry else regions.defer("geometry")


_READ_IN_CONTEXT = PreparedQuery(_read_in_context, user_id=int, read_id=int)
_REGION_IN_CONTEXT = PreparedQuery(_region_in_context, user_id=int, region_id=int)


def read_for(*, user: AnyUser, read_id: int) -> Read | None:
    """The read with its mosaic, case, project and reader loaded, or None if the user may not see it."""
    if not user.is_authenticated:
        return None
    return _READ_IN_CONTEXT.first({"superuser": _is_superuser(user)}, user_id=user.pk, read_id=read_id)


def region_for(*, user: AnyUser, region_id: int, with_geometry: bool = True) -> Region | None:
    """The region with its read (as ``read_for``), or None if the user may not see its read."""
    if not user.is_authenticated:
        return None
    options = {"superuser": _is_superuser(user), "with_geometry": with_geometry}
    return _REGION_IN_CONTEXT.first(options, user_id=user.pk, region_id=region_id)


def read_editable_by(*, read: Read, user: AnyUser) -> bool:
    """Whether ``user`` may write to ``read``: its own reader, until it is submitted.

    What pages and API outputs show (``can_edit``); ``read_lock_for_write`` enforces
    the same two conditions, each with its own error (403, then 409).
    """
    return read.reader_id == user.pk and read.status != ReadStatus.SUBMITTED


def worklist_for(*, user: AnyUser, status: str | None = None) -> QuerySet[Read]:
    """The caller's own reader reads, oldest assignment first (the order of "next case")."""
    reads = reads_visible_to(user=user).filter(reader_id=user.pk, kind=ReadKind.READER)
    if status:
        reads = reads.filter(status=status)
    return reads.select_related("mosaic", "mosaic__case", "reader").order_by("assigned_at", "id")


def reads_of_managed_projects(*, user: AnyUser, project_slug: str | None = None) -> QuerySet[Read]:
    """Everyone's reads of the projects the user leads (the lead's overview)."""
    reads = reads_visible_to(user=user).filter(mosaic__case__project__in=projects_managed_by(user=user))
    if project_slug:
        reads = reads.filter(mosaic__case__project__slug=project_slug)
    return reads.select_related("mosaic", "mosaic__case", "reader").order_by("assigned_at", "id")


def next_read_for(*, user: AnyUser, after: Read | None = None) -> Read | None:
    """The next open read of the caller's worklist (keyboard "next case"): in progress first, then to do."""
    open_reads = worklist_for(user=user).exclude(status=ReadStatus.SUBMITTED)
    if after is not None:
        open_reads = open_reads.exclude(pk=after.pk)
    return open_reads.order_by("-status", "assigned_at", "id").first()  # "in_progress" > "assigned"


def _regions_in(read_id: int, bbox: BBox | None = None, min_area: float | None = None) -> QuerySet[Region]:
    """A read's regions whose bounding box intersects ``bbox``, in ``Region.Meta.ordering`` (largest first)."""
    regions = Region.objects.filter(read_id=read_id)
    if bbox is not None:
        regions = regions.filter(
            min_x__lte=bbox.max_x, max_x__gte=bbox.min_x, min_y__lte=bbox.max_y, max_y__gte=bbox.min_y
        )
    if min_area is not None:
        regions = regions.filter(area_px__gte=min_area)
    return regions


def regions_in_viewport(*, read: Read, bbox: BBox | None = None, min_area: float = 0) -> QuerySet[Region]:
    """Regions whose bounding box intersects ``bbox``, largest first (as viewers draw them)."""
    return _regions_in(read.pk, bbox, min_area if min_area > 0 else None)


REGION_ROW_FIELDS = (
    "id", "label", "provenance", "version", "area_px", "min_x", "min_y", "max_x", "max_y",
    "vertex_count", "created_at", "updated_at",
)  # fmt: skip


def region_rows_in_viewport(
    *, read: Read, bbox: BBox | None = None, min_area: float = 0
) -> tuple[list[dict[str, Any]], list[str]]:
    """The viewport's regions as plain rows and their geometry as JSON text (never decoded)."""
    rows = list(
        regions_in_viewport(read=read, bbox=bbox, min_area=min_area)
        .annotate(geometry_text=Cast("geometry", output_field=TextField()))
        .values(*REGION_ROW_FIELDS, "geometry_text")
    )
    return rows, [row.pop("geometry_text") for row in rows]


def region_geometry_texts(*, read: Read, region_ids: list[int]) -> dict[int, str]:
    """Geometry as JSON text for some regions of ``read``."""
    texts = (
        Region.objects.filter(read=read, pk__in=region_ids)
        .annotate(geometry_text=Cast("geometry", output_field=TextField()))
        .values_list("pk", "geometry_text")
    )
    return dict(texts)


def _region_json_rows(
    *, read_id: int, min_x: float, min_y: float, max_x: float, max_y: float, min_area: float, mm2_per_px: float,
    has_bbox: bool, has_min_area: bool, with_geometry: bool, outline: bool,
) -> QuerySet[Region, Any]:  # fmt: skip
    """``(id, updated_at, region JSON)`` rows, the JSON written by PostgreSQL from ``REGION_JSON``."""
    bbox = BBox(min_x, min_y, max_x, max_y) if has_bbox else None
    keys = API_KEYS if with_geometry else without_geometry(API_KEYS)
    return _regions_in(read_id, bbox, min_area if has_min_area else None).values_list(
        "id", updated_at_expression(), region_json_expression(keys=keys, mm2_per_px=mm2_per_px, outline=outline)
    )


_REGION_JSON_ROWS = PreparedQuery(
    _region_json_rows, read_id=int, min_x=float, min_y=float, max_x=float, max_y=float, min_area=float,
    mm2_per_px=float,
)  # fmt: skip


def region_json_in_viewport(
    *, read: Read, bbox: BBox | None = None, min_area: float = 0, mm2_per_px: float, with_geometry: bool = True,
    outline: bool = False,
) -> list[tuple[int, str, str]]:  # fmt: skip
    """``(id, updated_at, region JSON text)`` of the viewport's regions, largest first.

    The API's viewport endpoint is the hot path of the workspace (thousands of
    regions of hundreds of vertices): on PostgreSQL the database writes each
    region's JSON (geometry included, as stored), so Python neither decodes GeoJSON
    nor parses timestamps; it only joins the texts. Elsewhere (``make run`` on
    SQLite) Python renders the same ``REGION_JSON``. Without ``with_geometry`` the
    JSON has no ``geometry`` key (the caller adds one); with ``outline`` the
    ``geometry`` key is the stored low-resolution outline (the workspace's first paint).
    """
    if not has_postgresql_fast_paths():
        return _region_json_portable(
            read=read, bbox=bbox, min_area=min_area, mm2_per_px=mm2_per_px, with_geometry=with_geometry,
            outline=outline,
        )  # fmt: skip
    options = {"has_bbox": bbox is not None, "has_min_area": min_area > 0, "with_geometry": with_geometry,
               "outline": outline}  # fmt: skip
    corners = {"min_x": bbox.min_x, "min_y": bbox.min_y, "max_x": bbox.max_x, "max_y": bbox.max_y} if bbox else {}
    rows = _REGION_JSON_ROWS.rows(options, read_id=read.pk, min_area=min_area, mm2_per_px=mm2_per_px, **corners)
    return [(region_id, updated, text) for region_id, updated, text in rows]


def _region_json_portable(
    *, read: Read, bbox: BBox | None, min_area: float, mm2_per_px: float, with_geometry: bool, outline: bool = False
) -> list[tuple[int, str, str]]:
    """The Python rendering of ``region_json_in_viewport`` (same keys, order and formats)."""
    keys = API_KEYS if with_geometry else without_geometry(API_KEYS)
    rows = []
    for region in regions_in_viewport(read=read, bbox=bbox, min_area=min_area):
        body = region_body(region, keys=keys, mm2_per_px=mm2_per_px, outline=outline)
        rows.append((region.pk, utc_timestamp(region.updated_at) or "", json.dumps(body)))
    return rows
