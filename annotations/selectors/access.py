"""What each user may see, as querysets; everything else answers 404.

The rules (issue: foundation): a user sees only the projects it belongs to; leads
and admins of a project see all its cases and mosaics; a contributor sees the
cases of its own center; a reader sees only the mosaics it is assigned (a read
exists) while it is still a member. Django superusers see everything.

Subqueries (``Exists``) rather than joins keep the querysets free of duplicates.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet

from annotations.models import Case, Center, Membership, Mosaic, Project, Read, Role

# ``User`` is the AUTH_USER_MODEL (the default one); an anonymous caller sees nothing.
AnyUser = User | AnonymousUser
MANAGER_ROLES = (Role.ADMIN, Role.LEAD)


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _memberships(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user)


def projects_visible_to(*, user: AnyUser) -> QuerySet[Project]:
    if _is_superuser(user):
        return Project.objects.all()
    return Project.objects.filter(pk__in=_memberships(user).values("project"))


def projects_managed_by(*, user: AnyUser) -> QuerySet[Project]:
    if _is_superuser(user):
        return Project.objects.all()
    return Project.objects.filter(pk__in=_memberships(user).filter(role__in=MANAGER_ROLES).values("project"))


def centers_visible_to(*, user: AnyUser) -> QuerySet[Center]:
    if _is_superuser(user):
        return Center.objects.all()
    memberships = _memberships(user)
    return Center.objects.filter(
        Q(projects__in=memberships.values("project")) | Q(pk__in=memberships.values("center"))
    ).distinct()


def _case_scope(user: AnyUser, case_ref: str) -> Q:
    """Q over a model that reaches Case through ``case_ref`` ('' for Case itself)."""
    prefix = f"{case_ref}__" if case_ref else ""
    memberships = _memberships(user)
    managed = memberships.filter(role__in=MANAGER_ROLES).values("project")
    contributes = memberships.filter(
        role=Role.CONTRIBUTOR,
        project=OuterRef(f"{prefix}project"),
        center=OuterRef(f"{prefix}center"),
    )
    return Q(**{f"{prefix}project__in": managed}) | Q(Exists(contributes))


def cases_visible_to(*, user: AnyUser) -> QuerySet[Case]:
    if _is_superuser(user):
        return Case.objects.all()
    member_of = _memberships(user).values("project")
    assigned = Read.objects.filter(reader_id=user.pk, mosaic__case=OuterRef("pk"))
    return Case.objects.filter(_case_scope(user, "") | (Q(Exists(assigned)) & Q(project__in=member_of)))


def mosaics_visible_to(*, user: AnyUser) -> QuerySet[Mosaic]:
    if _is_superuser(user):
        return Mosaic.objects.all()
    member_of = _memberships(user).values("project")
    assigned = Read.objects.filter(reader_id=user.pk, mosaic=OuterRef("pk"))
    return Mosaic.objects.filter(_case_scope(user, "case") | (Q(Exists(assigned)) & Q(case__project__in=member_of)))


def role_in_project(*, user: AnyUser, project: Project) -> Role | None:
    """The user's role in ``project`` (superusers act as admin), or None."""
    if _is_superuser(user):
        return Role.ADMIN
    membership = _memberships(user).filter(project=project).first()
    return Role(membership.role) if membership else None


def can_manage_project(*, user: AnyUser, project: Project) -> bool:
    return role_in_project(user=user, project=project) in MANAGER_ROLES


def can_contribute_to(*, user: AnyUser, project: Project, center: Center) -> bool:
    """Whether the user may add cases and mosaics for ``center`` in ``project``."""
    if can_manage_project(user=user, project=project):
        return True
    return _memberships(user).filter(project=project, role=Role.CONTRIBUTOR, center=center).exists()
