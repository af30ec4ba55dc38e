"""Centers, projects and memberships: every write, with its permission check.

Who may write, checked here for the API and the operator commands alike (``by``
is the acting user; None means the platform itself, a management command run by
an operator): centers are created and renamed by staff (platform administrators);
a project's name and reading protocol are changed by its leads and admins.
"""

import logging
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict

from annotations.models import Center, Membership, Project, Read, ReadKind, ReadStatus, Role
from annotations.selectors.access import can_manage_project
from audit.services import audit_record
from users.models import User

logger = logging.getLogger(__name__)


def _check_can_edit_centers(by: User | None) -> None:
    if by is not None and not by.is_staff:
        raise PermissionDenied("only platform administrators (staff) can add or change centers")


def _values(instance: Center | Project) -> dict[str, Any]:
    return model_to_dict(instance, exclude=["id", "centers"])


def _save(instance: Center | Project, fields: dict[str, Any], *, creating: bool, by: User | None) -> None:
    """Validate and save; an audit event records the change (none when nothing changed)."""
    before = None if creating else _values(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(validate_unique=creating)
    instance.save()
    after = _values(instance)
    if after != before:
        kind = instance._meta.model_name
        project = instance if isinstance(instance, Project) else None
        action = f"{kind}.create" if creating else f"{kind}.update"
        audit_record(action=action, by=by, obj=instance, project=project, before=before, after=after)


@transaction.atomic
def center_create(*, code: str, name: str, by: User | None) -> Center:
    _check_can_edit_centers(by)
    if Center.objects.filter(code=code).exists():
        raise ValidationError({"code": f"a center with code {code!r} already exists"})
    center = Center(code=code)
    _save(center, {"name": name}, creating=True, by=by)
    return center


@transaction.atomic
def center_update(*, center: Center, by: User | None, **fields: Any) -> Center:
    _check_can_edit_centers(by)
    _save(center, fields, creating=False, by=by)
    return center


@transaction.atomic
def center_upsert(*, code: str, name: str, by: User | None = None) -> tuple[Center, bool]:
    """Create the center or update its name; returns (center, created)."""
    existing = Center.objects.select_for_update().filter(code=code).first()
    if existing is not None:
        return center_update(center=existing, by=by, name=name), False
    return center_create(code=code, name=name, by=by), True


@transaction.atomic
def project_update(*, project: Project, by: User | None, confirm_unblind: bool = False, **fields: Any) -> Project:
    """Change a project's name, description or reading protocol (its leads and admins).

    Switching blind reading off while reader reads are open shows every reader the
    others' unfinished work at once: refused unless ``confirm_unblind``, and logged.
    """
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins can change its protocol")
    if project.blind_reading and fields.get("blind_reading") is False:
        _check_unblinding(project=project, by=by, confirmed=confirm_unblind)
    _save(project, fields, creating=False, by=by)
    return project


def _check_unblinding(*, project: Project, by: User | None, confirmed: bool) -> None:
    open_reads = (
        Read.objects.filter(mosaic__case__project=project, kind=ReadKind.READER)
        .exclude(status=ReadStatus.SUBMITTED)
        .count()
    )
    if not open_reads:
        return
    # An operator's command (``by`` None) acts deliberately; a person in the API confirms.
    if by is not None and not confirmed:
        raise ValidationError(
            {"blind_reading": f"{open_reads} read(s) of this project are open: switching blind reading off now "
                              "shows every reader the others' unfinished work. Send confirm_unblind: true to do it."}
        )  # fmt: skip
    audit_record(action="project.unblind", by=by, obj=project, project=project,
                 after={"open_reads": open_reads, "confirmed": confirmed})  # fmt: skip
    logger.warning(
        "blind reading switched off in project %s by %s with %d open read(s)",
        project.slug, by.get_username() if by is not None else "an operator command", open_reads,
    )  # fmt: skip


@transaction.atomic
def project_upsert(*, slug: str, name: str, **protocol: Any) -> tuple[Project, bool]:
    """Create the project or update its name and protocol settings (operators)."""
    existing = Project.objects.filter(slug=slug).first()
    if existing is not None:
        return project_update(project=existing, by=None, name=name, **protocol), False
    project = Project(slug=slug)
    _save(project, {"name": name, **protocol}, creating=True, by=None)
    return project, True


@transaction.atomic
def membership_set(
    *,
    project: Project,
    username: str,
    role: Role | str,
    center: Center | None = None,
    password: str | None = None,
) -> tuple[Membership, bool]:
    """Give ``username`` ``role`` in ``project``, creating the user when missing.

    A contributor must be bound to a center, and that center takes part in the
    project from then on. Returns (membership, user_created).
    """
    if role not in Role.values:
        raise ValidationError({"role": f"unknown role {role!r}; use one of {', '.join(Role.values)}"})
    if role == Role.CONTRIBUTOR and center is None:
        raise ValidationError({"center": "a contributor must be bound to a center (--center CODE)"})
    user_model = get_user_model()
    user, user_created = user_model.objects.get_or_create(username=username)
    if user_created or password:
        if password:
            # Django's validators (AUTH_PASSWORD_VALIDATORS): a ValidationError naming what is wrong,
            # raised inside the transaction so that a refused password leaves no user behind.
            password_validation.validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    assert isinstance(user, AbstractUser)
    previous = Membership.objects.filter(user=user, project=project).values("role", "center__code").first()
    membership, _ = Membership.objects.update_or_create(
        user=user, project=project, defaults={"role": role, "center": center}
    )
    now = {"role": str(role), "center__code": center.code if center else None}
    if previous != now or user_created or password:
        # An operator's command (by: the platform); a password is never recorded, only that it was set.
        audit_record(action="membership.set", obj=membership, project=project, before=previous,
                     after={**now, "username": username, "user_created": user_created,
                            "password_set": bool(password)})  # fmt: skip
    if center is not None:
        project.centers.add(center)
    return membership, user_created
