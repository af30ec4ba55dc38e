"""What each user may see, as querysets; everything else answers 404.

The rules (issue: foundation): a user sees only the projects it belongs to; leads
and admins of a project see all its cases and mosaics; a contributor sees the
cases of its own center; a reader sees only the mosaics it is assigned (a read
exists) while it is still a reader there. Django superusers see everything.

Access follows the current role: a read grants access to its mosaic only while its
reader's membership in the project has the reader role. A reader made contributor
(or lead, or removed) keeps nothing through its old reads; what it sees then is what
its new role gives (``_reading_projects``, shared with ``selectors.reads``).

What of a case a user sees is chosen here too (``with_case_view``): the case's
reference (patient code, diagnosis, histopathology) is for those who see the case
through their role (leads, admins, the contributors of its center); a reader, who
sees a case only through its reads, gets the reader-safe view without it.

Subqueries (``Exists``) rather than joins keep the querysets free of duplicates.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Value

from annotations.models import Case, Center, Membership, Mosaic, Project, Read, Role
from users.models import User

# ``User`` is the AUTH_USER_MODEL (the default one); an anonymous caller sees nothing.
AnyUser = User | AnonymousUser
MANAGER_ROLES = (Role.ADMIN, Role.LEAD)


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _memberships(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user)


def _reading_projects(user: AnyUser) -> QuerySet[Membership, Any]:
    """The projects where the user is a reader now (``.values("project")``): where its reads count."""
    return _memberships(user).filter(role=Role.READER).values("project")


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
    reading = _reading_projects(user)
    assigned = Read.objects.filter(reader_id=user.pk, mosaic__case=OuterRef("pk"))
    return Case.objects.filter(_case_scope(user, "") | (Q(Exists(assigned)) & Q(project__in=reading)))


def mosaics_visible_to(*, user: AnyUser) -> QuerySet[Mosaic]:
    if _is_superuser(user):
        return Mosaic.objects.all()
    reading = _reading_projects(user)
    assigned = Read.objects.filter(reader_id=user.pk, mosaic=OuterRef("pk"))
    return Mosaic.objects.filter(_case_scope(user, "case") | (Q(Exists(assigned)) & Q(case__project__in=reading)))


# --- what of a visible case a user sees: the one choice between the two views ------


def reference_visible_q(*, user: AnyUser, case_ref: str = "") -> Q:
    """Rows (cases, or mosaics with ``case_ref="case"``) whose case reference the user may see.

    The role scope of ``_case_scope``: leads, admins and the contributors of the
    case's center. A reader's access through its reads never reaches the reference.
    """
    if _is_superuser(user):
        return Q()
    return _case_scope(user, case_ref)


def _with_reference_flag(rows: QuerySet, user: AnyUser, case_ref: str) -> QuerySet:
    if _is_superuser(user):
        return rows.annotate(reference_visible=Value(True))
    flag = ExpressionWrapper(reference_visible_q(user=user, case_ref=case_ref), output_field=BooleanField())
    return rows.annotate(reference_visible=flag)


def with_case_view(cases: QuerySet[Case], *, user: AnyUser) -> QuerySet[Case]:
    """``cases`` with ``reference_visible`` (which view the caller gets) and only its visible mosaics.

    Every output of a case (API, pages) starts here and shows the patient code,
    diagnosis and histopathology only where ``reference_visible`` is true; the
    mosaics listed with a case are those the caller may see (a reader's own).
    """
    visible_mosaics = Prefetch("mosaics", queryset=mosaics_visible_to(user=user).order_by("created_at", "pk"))
    return _with_reference_flag(cases, user, "").prefetch_related(visible_mosaics)


def with_mosaic_view(mosaics: QuerySet[Mosaic], *, user: AnyUser) -> QuerySet[Mosaic]:
    """``mosaics`` with ``reference_visible``: whether the caller sees their identifying text too."""
    return _with_reference_flag(mosaics, user, "case")



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
