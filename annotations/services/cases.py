"""Cases: created by contributors for their center, or by the project's leads."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from annotations.models import Case, Center, Project
from annotations.selectors.access import can_contribute_to


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
    return case


@transaction.atomic
def case_update(*, case: Case, **fields: Any) -> Case:
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean()
    case.save()
    return case
