"""Cases: every write, with its permission check.

Who may write (``by`` is the acting user; None means the platform itself, an
operator's management command): contributors add and change the cases of their
own center, the project's leads and admins any case of the project; only leads
and admins delete a case, which takes its mosaics, reads and files with it.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from annotations.models import Case, Center, Project, UploadStatus
from annotations.selectors.access import can_contribute_to, can_manage_project
from annotations.services.cleanup import remove_files_on_commit
from annotations.services.mosaics import upload_part_path
from audit.services import audit_record
from users.models import User


def _case_values(case: Case) -> dict[str, Any]:
    """A case's own fields as the audit trail keeps them."""
    return model_to_dict(case, exclude=["id", "project", "created_by"])


@transaction.atomic
def case_create(*, project: Project, center: Center, by: User | None, **fields: Any) -> Case:
    if by is not None and not can_contribute_to(user=by, project=project, center=center):
        raise PermissionDenied(f"you cannot add cases for center {center.code} in this project")
    case = Case(project=project, center=center, created_by=by if by and by.pk else None, **fields)
    if Case.objects.filter(project=project, center=center, code=case.code).exists():
        raise ValidationError({"code": "a case with this code already exists at this center"})
    case.full_clean()
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as error:  # a concurrent insert of the same code
        raise ValidationError({"code": "a case with this code already exists at this center"}) from error
    project.centers.add(center)
    audit_record(action="case.create", by=by, obj=case, project=project, after=_case_values(case))
    return case


@transaction.atomic
def case_update(*, case: Case, by: User | None, **fields: Any) -> Case:
    if by is not None and not can_contribute_to(user=by, project=case.project, center=case.center):
        raise PermissionDenied("you cannot change this case")
    before = _case_values(case)
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean()
    case.save()
    audit_record(action="case.update", by=by, obj=case, project=case.project_id, before=before, after=_case_values(case))
    return case


@transaction.atomic
def case_delete(*, case: Case, by: User | None) -> None:
    """Delete a case with its mosaics, reads and uploads, and then their files."""
    if by is not None and not can_manage_project(user=by, project=case.project):
        raise PermissionDenied("only the project's leads and admins can delete cases")
    mosaic_ids = list(case.mosaics.values_list("pk", flat=True))
    parts = [str(upload_part_path(s)) for s in case.uploads.filter(status=UploadStatus.RECEIVING)]
    audit_record(action="case.delete", by=by, obj=case, project=case.project_id,
                 before={**_case_values(case), "mosaics": mosaic_ids})  # fmt: skip
    case.delete()
    remove_files_on_commit(mosaic_ids=mosaic_ids, upload_parts=parts)
