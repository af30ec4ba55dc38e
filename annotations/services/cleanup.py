"""Deleting records together with their files, and expiring abandoned uploads.

(Cases are deleted by ``annotations.services.cases.case_delete``, with the other
case writes and their permission checks; it removes files with the helper here.)

Rows and files cannot share a transaction, so files go only after the rows'
deletion has committed (``on_commit``): a rolled-back delete keeps both, a
committed one leaves no orphan pyramid, original, rendered tile or partial upload.
"""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from annotations.models import Case, Mosaic, UploadSession, UploadStatus
from annotations.services.mosaics import upload_part_path
from annotations.storage import remove_mosaic_files
from audit.services import audit_record


def remove_files_on_commit(*, mosaic_ids: list[int], upload_parts: list[str]) -> None:
    def remove() -> None:
        for mosaic_id in mosaic_ids:
            remove_mosaic_files(mosaic_id)
        for part in upload_parts:
            Path(part).unlink(missing_ok=True)

    transaction.on_commit(remove)


@transaction.atomic
def mosaic_delete(*, mosaic: Mosaic, by: Any = None) -> None:
    """Delete a mosaic with its reads, and then its files (``by``: who, for the audit trail)."""
    mosaic_id = mosaic.pk
    audit_record(action="mosaic.delete", by=by, obj=mosaic,
                 project=Case.objects.filter(pk=mosaic.case_id).values_list("project_id", flat=True).first(),
                 before={"case": mosaic.case_id, "status": mosaic.status, "checksum": mosaic.checksum})  # fmt: skip
    mosaic.delete()
    remove_files_on_commit(mosaic_ids=[mosaic_id], upload_parts=[])


def upload_sessions_expire(*, idle_for: timedelta) -> int:
    """Abort uploads that received no byte for ``idle_for``; returns how many were aborted.

    Each session is re-checked under its row lock, so a chunk arriving while this
    runs keeps its upload alive.
    """
    cutoff = timezone.now() - idle_for
    candidates = UploadSession.objects.filter(status=UploadStatus.RECEIVING, updated_at__lt=cutoff)
    return sum(_expire_one(pk=pk, cutoff=cutoff) for pk in candidates.values_list("pk", flat=True))


@transaction.atomic
def _expire_one(*, pk: UUID, cutoff: datetime) -> bool:
    session = (
        UploadSession.objects.select_for_update()
        .filter(pk=pk, status=UploadStatus.RECEIVING, updated_at__lt=cutoff)
        .first()
    )
    if session is None:
        return False
    part = str(upload_part_path(session))
    session.status = UploadStatus.ABORTED
    session.save(update_fields=["status", "updated_at"])
    remove_files_on_commit(mosaic_ids=[], upload_parts=[part])
    return True
