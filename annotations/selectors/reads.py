"""Which reads and regions a user may see, and the worklists built from them.

Blindness is enforced here, in the querysets every reading endpoint starts from,
not in the page: a read the caller may not see simply does not exist for it (404),
and listings never mention it. The rules:

- leads and admins of a project (and superusers) see every read of its mosaics;
- any other member sees its own reads;
- it sees another reader's read of a mosaic it reads itself only when the project
  is not blind, or when every read of that mosaic is submitted.

Membership is checked like in ``access``: a reader removed from a project loses
its reads there too. Subqueries (``Exists``) keep the querysets free of duplicates.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Exists, Field, Model, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotations.db import has_postgresql_fast_paths
from annotations.models import Case, Membership, Mosaic, Project, Read, ReadStatus, Region
from annotations.selectors.access import MANAGER_ROLES, AnyUser, _is_superuser


@dataclass(frozen=True)
class BBox:
    """An axis-aligned box in full-resolution pixel coordinates."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float


def _user_id(user: AnyUser) -> int:
    """The user's id for a lookup; -1 (no such user) for an anonymous caller."""
    return user.pk if user.pk is not None else -1


def reads_visible_to(*, user: AnyUser) -> QuerySet[Read]:
    if _is_superuser(user):
        return Read.objects.all()
    if not user.is_authenticated:
        return Read.objects.none()
    memberships = Membership.objects.filter(user=user)
    managed = memberships.filter(role__in=MANAGER_ROLES).values("project")
    member_of = memberships.values("project")
    caller_reads_mosaic = Read.objects.filter(reader_id=user.pk, mosaic=OuterRef("mosaic"))
    mosaic_has_open_read = Read.objects.filter(mosaic=OuterRef("mosaic")).exclude(status=ReadStatus.SUBMITTED)
    peer_visible = (
        Q(Exists(caller_reads_mosaic))
        & Q(mosaic__case__project__in=member_of)
        & (Q(mosaic__case__project__blind_reading=False) | ~Q(Exists(mosaic_has_open_read)))
    )
    own = Q(reader_id=user.pk) & Q(mosaic__case__project__in=member_of)
    return Read.objects.filter(Q(mosaic__case__project__in=managed) | own | peer_visible)


# The access row every visibility decision reads: (role, blind, caller_reads_mosaic,
# mosaic_has_open_read), and the joins that reach it from a read ``r``.
_ACCESS_COLUMNS = """m.role, p.blind_reading,
           EXISTS (SELECT 1 FROM annotations_read o WHERE o.mosaic_id = r.mosaic_id AND o.reader_id = %(user)s),
           EXISTS (SELECT 1 FROM annotations_read o WHERE o.mosaic_id = r.mosaic_id AND o.status <> %(submitted)s)"""
_ACCESS_JOINS = """JOIN annotations_mosaic mo ON mo.id = r.mosaic_id
    JOIN annotations_case c ON c.id = mo.case_id
    JOIN annotations_project p ON p.id = c.project_id
    LEFT JOIN annotations_membership m ON m.project_id = c.project_id AND m.user_id = %(user)s"""
_ACCESS_SQL = f"""
    SELECT {_ACCESS_COLUMNS}
    FROM annotations_read r
    {_ACCESS_JOINS}
    WHERE r.id = %(read)s
"""  # noqa: S608 - constant SQL, values are parameters


def _visible(user: AnyUser, reader_id: int, row: tuple[Any, ...] | None) -> bool:
    """The decision on an access row ``(role, blind, caller_reads_mosaic, mosaic_has_open_read)``."""
    if row is None or row[0] is None:  # no such read, or not a member of its project
        return False
    role, blind, caller_reads_mosaic, mosaic_has_open_read = row
    if role in MANAGER_ROLES or reader_id == user.pk:
        return True
    return bool(caller_reads_mosaic and (not blind or not mosaic_has_open_read))


def read_is_visible_to(*, user: AnyUser, read: Read) -> bool:
    """``reads_visible_to(user=user).filter(pk=read.pk).exists()``, in one cheap query.

    The per-request path of every read and region endpoint (autosave included):
    the queryset form costs more to compile than to run. The two must agree; a test
    checks them against each other over a matrix of roles, statuses and protocols.
    """
    if _is_superuser(user):
        return True
    if not user.is_authenticated:
        return False
    if not has_postgresql_fast_paths():
        return reads_visible_to(user=user).filter(pk=read.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute(_ACCESS_SQL, {"user": user.pk, "read": read.pk, "submitted": ReadStatus.SUBMITTED})
        row = cursor.fetchone()
    return _visible(user, read.reader_id, row)


# --- one-query fetch of a read (or region) with what every endpoint needs ------------
#
# Every read and region endpoint starts by loading the read with its mosaic, case,
# project and reader, then checking access: two queries, the first of which (a
# four-join ``select_related``) cost Django ~2 ms just to compile. On the autosave
# path that was a tenth of the whole request, so both are one hand-written query here,
# with the same columns Django would select and the same access row as ``_ACCESS_SQL``.

_CONTEXT_MODELS: tuple[type[Model], ...] = (Read, Mosaic, Case, Project, User)
_READ_RELATED = ("mosaic__case__project", "reader")
_CONTEXT_ALIASES = ("r", "mo", "c", "p", "u")


def _columns(model: type[Model], skip: tuple[str, ...] = ()) -> "list[Field[Any, Any]]":
    return [f for f in model._meta.concrete_fields if f.attname not in skip]


def _select(model: type[Model], alias: str, fields: "list[Field[Any, Any]]") -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in fields)


def _build(model: type[Model], fields: "list[Field[Any, Any]]", values: Sequence[Any]) -> Model:
    converted = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def _fetch_with_access(
    *, user: AnyUser, read_id: int | None = None, region_id: int | None = None, region_geometry: bool = True
) -> tuple[Read, Region | None] | None:
    if not user.is_authenticated:
        return None
    field_lists = [_columns(model) for model in _CONTEXT_MODELS]
    selects = [_select(model, alias, fields) for model, alias, fields in zip(
        _CONTEXT_MODELS, _CONTEXT_ALIASES, field_lists, strict=True)]  # fmt: skip
    region_fields: list[Field[Any, Any]] = []
    if region_id is not None:
        region_fields = _columns(Region, () if region_geometry else ("geometry",))
        selects.append(_select(Region, "g", region_fields))
        where = f"JOIN {Region._meta.db_table} g ON g.read_id = r.id WHERE g.id = %(region)s"
    else:
        where = "WHERE r.id = %(read)s"
    sql = f"""
        SELECT {", ".join(selects)}, {_ACCESS_COLUMNS}
        FROM annotations_read r
        {_ACCESS_JOINS}
        JOIN {User._meta.db_table} u ON u.id = r.reader_id
        {where}
    """  # noqa: S608 - identifiers come from the models, values are parameters
    params = {"user": user.pk, "read": read_id, "region": region_id, "submitted": ReadStatus.SUBMITTED}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    objects: list[Model] = []
    start = 0
    for model, fields in zip(_CONTEXT_MODELS, field_lists, strict=True):
        objects.append(_build(model, fields, row[start : start + len(fields)]))
        start += len(fields)
    read, mosaic, case, project, reader = objects
    assert isinstance(read, Read) and isinstance(mosaic, Mosaic) and isinstance(case, Case)
    assert isinstance(project, Project)
    case.project = project
    mosaic.case = case
    read.mosaic = mosaic
    read.reader = reader  # type: ignore[assignment]
    region: Region | None = None
    if region_id is not None:
        built = _build(Region, region_fields, row[start : start + len(region_fields)])
        assert isinstance(built, Region)
        region = built
        region.read = read
        start += len(region_fields)
    if not _is_superuser(user) and not _visible(user, read.reader_id, tuple(row[start:])):
        return None
    return read, region


def read_for(*, user: AnyUser, read_id: int) -> Read | None:
    """The read with its mosaic, case, project and reader loaded, or None if the user may not see it."""
    if not has_postgresql_fast_paths():
        return reads_visible_to(user=user).select_related(*_READ_RELATED).filter(pk=read_id).first()
    found = _fetch_with_access(user=user, read_id=read_id)
    return None if found is None else found[0]


def region_for(*, user: AnyUser, region_id: int, with_geometry: bool = True) -> Region | None:
    """The region with its read (as ``read_for``), or None if the user may not see its read."""
    if not has_postgresql_fast_paths():
        regions = Region.objects.select_related(*(f"read__{name}" for name in _READ_RELATED)).filter(
            pk=region_id, read__in=reads_visible_to(user=user)
        )
        return (regions if with_geometry else regions.defer("geometry")).first()
    found = _fetch_with_access(user=user, region_id=region_id, region_geometry=with_geometry)
    return None if found is None else found[1]


def reads_editable_by(*, user: AnyUser) -> QuerySet[Read]:
    """Reads the user may write to: only its own (leads look, they do not draw in a reader's read)."""
    return reads_visible_to(user=user).filter(reader_id=user.pk)


def can_see_reader_identity(*, user: AnyUser, read: Read) -> bool:
    """Leads see who read what; a reader sees its own name, and peers' names once blindness is lifted."""
    if read.reader_id == user.pk or _is_superuser(user):
        return True
    project_id = read.mosaic.case.project_id
    if Membership.objects.filter(user_id=_user_id(user), project_id=project_id, role__in=MANAGER_ROLES).exists():
        return True
    # A peer who may see the read at all may see the name unless the project is blind
    # and the read is still open (then it could not see the read in the first place).
    return reads_visible_to(user=user).filter(pk=read.pk).exists()


def worklist_for(*, user: AnyUser, status: str | None = None) -> QuerySet[Read]:
    """The caller's own reads, oldest assignment first (the order of "next case")."""
    reads = reads_visible_to(user=user).filter(reader_id=user.pk)
    if status:
        reads = reads.filter(status=status)
    return reads.select_related("mosaic", "mosaic__case", "reader").order_by("assigned_at", "id")


def reads_of_managed_projects(*, user: AnyUser, project_slug: str | None = None) -> QuerySet[Read]:
    """Everyone's reads of the projects the user leads (the lead's overview)."""
    reads = reads_visible_to(user=user)
    if not _is_superuser(user):
        managed = Membership.objects.filter(user_id=_user_id(user), role__in=MANAGER_ROLES).values("project")
        reads = reads.filter(mosaic__case__project__in=managed)
    if project_slug:
        reads = reads.filter(mosaic__case__project__slug=project_slug)
    return reads.select_related("mosaic", "mosaic__case", "reader").order_by("assigned_at", "id")


def next_read_for(*, user: AnyUser, after: Read | None = None) -> Read | None:
    """The next open read of the caller's worklist (keyboard "next case"): in progress first, then to do."""
    open_reads = worklist_for(user=user).exclude(status=ReadStatus.SUBMITTED)
    if after is not None:
        open_reads = open_reads.exclude(pk=after.pk)
    return open_reads.order_by("-status", "assigned_at", "id").first()  # "in_progress" > "assigned"


def regions_of(*, read: Read) -> QuerySet[Region]:
    return Region.objects.filter(read=read).order_by("-area_px", "id")


def regions_in_viewport(*, read: Read, bbox: BBox | None = None, min_area: float = 0) -> QuerySet[Region]:
    """Regions whose bounding box intersects ``bbox``, largest first (as viewers draw them)."""
    regions = regions_of(read=read)
    if bbox is not None:
        regions = regions.filter(
            min_x__lte=bbox.max_x, max_x__gte=bbox.min_x, min_y__lte=bbox.max_y, max_y__gte=bbox.min_y
        )
    if min_area > 0:
        regions = regions.filter(area_px__gte=min_area)
    return regions


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


_UTC_ISO = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_REGION_JSON_SQL = """
    SELECT r.id, {updated},
           json_build_object(
               'id', r.id, 'read', r.read_id, 'label', r.label, {geometry}'provenance', r.provenance,
               'version', r.version, 'area_px', r.area_px, 'area_mm2', r.area_px * %(scale)s,
               'bbox', json_build_array(r.min_x, r.min_y, r.max_x, r.max_y), 'vertex_count', r.vertex_count,
               'created_at', {created}, 'updated_at', {updated}
           )::text
    FROM annotations_region r
    WHERE r.read_id = %(read)s {where}
    ORDER BY r.area_px DESC, r.id
"""


def region_json_in_viewport(
    *, read: Read, bbox: BBox | None = None, min_area: float = 0, mm2_per_px: float, with_geometry: bool = True
) -> list[tuple[int, str, str]]:
    """``(id, updated_at, region JSON text)`` of the viewport's regions, largest first, built by PostgreSQL.

    The API's viewport endpoint is the hot path of the workspace (thousands of
    regions of hundreds of vertices): the database writes each region's JSON
    (geometry included, as stored), so Python neither decodes GeoJSON nor parses
    timestamps; it only joins the texts. Same filter as ``regions_in_viewport``.
    Without ``with_geometry`` the JSON has no ``geometry`` key (the caller adds one).
    """
    if not has_postgresql_fast_paths():
        return _region_json_portable(
            read=read, bbox=bbox, min_area=min_area, mm2_per_px=mm2_per_px, with_geometry=with_geometry
        )
    where = ""
    params: dict[str, Any] = {"read": read.pk, "scale": mm2_per_px}
    if bbox is not None:
        where += " AND r.min_x <= %(max_x)s AND r.max_x >= %(min_x)s AND r.min_y <= %(max_y)s AND r.max_y >= %(min_y)s"
        params.update(min_x=bbox.min_x, min_y=bbox.min_y, max_x=bbox.max_x, max_y=bbox.max_y)
    if min_area > 0:
        where += " AND r.area_px >= %(min_area)s"
        params["min_area"] = min_area
    sql = _REGION_JSON_SQL.format(
        updated=_UTC_ISO.format("r.updated_at"),
        created=_UTC_ISO.format("r.created_at"),
        geometry="'geometry', r.geometry, " if with_geometry else "",
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _region_json_portable(
    *, read: Read, bbox: BBox | None, min_area: float, mm2_per_px: float, with_geometry: bool
) -> list[tuple[int, str, str]]:
    """The ORM twin of ``region_json_in_viewport`` (same keys, order and formats)."""
    rows = []
    for region in regions_in_viewport(read=read, bbox=bbox, min_area=min_area):
        body: dict[str, Any] = {"id": region.pk, "read": region.read_id, "label": region.label}
        if with_geometry:
            body["geometry"] = region.geometry
        updated = _utc_iso(region.updated_at)
        body.update(
            provenance=region.provenance, version=region.version, area_px=region.area_px,
            area_mm2=region.area_px * mm2_per_px, bbox=[region.min_x, region.min_y, region.max_x, region.max_y],
            vertex_count=region.vertex_count, created_at=_utc_iso(region.created_at), updated_at=updated,
        )  # fmt: skip
        rows.append((region.pk, updated, json.dumps(body)))
    return rows
