"""Centers, projects and memberships."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import Center, Membership, Project, Role


@transaction.atomic
def center_upsert(*, code: str, name: str) -> tuple[Center, bool]:
    """Create the center or update its name; returns (center, created)."""
    center = Center(code=code, name=name)
    center.full_clean(exclude=["code"] if Center.objects.filter(code=code).exists() else None)
    center, created = Center.objects.update_or_create(code=code, defaults={"name": name})
    return center, created


@transaction.atomic
def project_upsert(*, slug: str, name: str, **protocol: object) -> tuple[Project, bool]:
    """Create the project or update its name and protocol settings."""
    existing = Project.objects.filter(slug=slug).first()
    project = existing or Project(slug=slug)
    project.name = name
    for field, value in protocol.items():
        setattr(project, field, value)
    project.full_clean(validate_unique=existing is None)
    project.save()
    return project, existing is None


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
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    assert isinstance(user, AbstractUser)
    membership, _ = Membership.objects.update_or_create(
        user=user, project=project, defaults={"role": role, "center": center}
    )
    if center is not None:
        project.centers.add(center)
    return membership, user_created
