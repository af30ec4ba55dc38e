"""Who reads which audit events: platform administrators all, project leads and admins their projects'."""

from datetime import datetime

from django.db.models import QuerySet

from annotations.selectors.access import AnyUser, projects_managed_by
from audit.models import AuditEvent


def can_read_audit(*, user: AnyUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or projects_managed_by(user=user).exists()))


def audit_events_visible_to(
    *,
    user: AnyUser,
    username: str | None = None,
    action: str | None = None,
    project: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events the user may read, newest first, narrowed by the filters given.

    Events without a project (logins, failed logins) are the platform administrators' alone.
    ``action`` matches exactly, or a whole family with a trailing dot ("read." for every read write).
    ``project`` is a project's slug.
    """
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if not user.is_superuser:
        events = events.filter(project__in=projects_managed_by(user=user).values("pk"))
    if username:
        events = events.filter(username=username)
    if action:
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if project:
        events = events.filter(project__slug=project)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return events.order_by("-at", "-id")
