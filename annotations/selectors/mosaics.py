"""Reads about mosaics: the uploads a user may see, imports already done, a mosaic's pixel size."""

from django.db.models import Q, QuerySet

from annotations.models import Mosaic, MosaicStatus, Project, UploadSession

from .access import AnyUser, cases_visible_to, projects_managed_by


def upload_sessions_visible_to(*, user: AnyUser) -> QuerySet[UploadSession]:
    """A user's own uploads, and every upload of the projects it leads (for support)."""
    return UploadSession.objects.filter(case__in=cases_visible_to(user=user)).filter(
        Q(created_by_id=user.pk) | Q(case__project__in=projects_managed_by(user=user))
    )


def mosaic_um_per_px(*, mosaic: Mosaic) -> float:
    """The mosaic's pixel size in µm: as its file stated it at ingest, else its project's default.

    Needs ``mosaic.case.project`` (select it with the mosaic).
    """
    return mosaic.um_per_px or mosaic.case.project.default_um_per_px


def mosaic_with_checksum(*, project: Project, checksum: str) -> Mosaic | None:
    """The project's mosaic made from a source with this SHA-256 (failed ones don't count)."""
    return (
        Mosaic.objects.filter(case__project=project, checksum=checksum)
        .exclude(status=MosaicStatus.FAILED)
        .order_by("pk")
        .first()
    )
