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

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotations.models import Membership, Read, ReadStatus, Region
from annotations.selectors.access import MANAGER_ROLES, AnyUser, _is_superuser


@dataclass(frozen=True)
class BBox:
    """An axis-aligned box in full-resolution pixel coordinates."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float


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


_ACCESS_SQL = """
    SELECT m.role, p.blind_reading,
           EXISTS (SELECT 1 FROM annotations_read o WHERE o.mosaic_id = r.mosaic_id AND o.reader_id = %(user)s),
           EXISTS (SELECT 1 FROM annotations_read o WHERE o.mosaic_id = r.mosaic_id AND o.status <> %(submitted)s)
    FROM annotations_read r
    JOIN annotations_mosaic mo ON mo.id = r.mosaic_id
    JOIN annotations_case c ON c.id = mo.case_id
    JOIN annotations_project p ON p.id = c.project_id
    LEFT JOIN annotations_membership m ON m.project_id = c.project_id AND m.user_id = %(user)s
    WHERE r.id = %(read)s
"""


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
    with connection.cursor() as cursor:
        cursor.execute(_ACCESS_SQL, {"user": user.pk, "read": read.pk, "submitted": ReadStatus.SUBMITTED})
        row = cursor.fetchone()
    if row is None or row[0] is None:  # no such read, or not a member of its project
        return False
    role, blind, caller_reads_mosaic, mosaic_has_open_read = row
    if role in MANAGER_ROLES or read.reader_id == user.pk:
        return True
    return bool(caller_reads_mosaic and (not blind or not mosaic_has_open_read))


def reads_editable_by(*, user: AnyUser) -> QuerySet[Read]:
    """Reads the user may write to: only its own (leads look, they do not draw in a reader's read)."""
    return reads_visible_to(user=user).filter(reader_id=user.pk)


def can_see_reader_identity(*, user: AnyUser, read: Read) -> bool:
    """Leads see who read what; a reader sees its own name, and peers' names once blindness is lifted."""
    if read.reader_id == user.pk or _is_superuser(user):
        return True
    project_id = read.mosaic.case.project_id
    if Membership.objects.filter(user_id=user.pk, project_id=project_id, role__in=MANAGER_ROLES).exists():
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
        managed = Membership.objects.filter(user_id=user.pk, role__in=MANAGER_ROLES).values("project")
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
