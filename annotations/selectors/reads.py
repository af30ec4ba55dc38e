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

from django.db.models import Exists, OuterRef, Q, QuerySet

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
