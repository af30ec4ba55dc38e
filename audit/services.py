"""``audit_record``: the one way events enter the trail (called by the write services, login signals, pages).

An event is written in the caller's transaction: a write that rolls back leaves no
event claiming it happened. Values are stored as JSON (dates, decimals and UUIDs as
text, through Django's encoder).
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Subquery
from django.db.models.expressions import Combinable

from audit.context import current_ip, current_user
from audit.models import AuditEvent

# Region lists longer than this (a GeoJSON import, a restore) are kept as ids and a count:
# the read's revisions hold every state in full.
MAX_REGIONS_IN_EVENT = 50


def _json(value: Any) -> Any:
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_record(
    *,
    action: str,
    by: Any = None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: object = "",
    project: Model | int | Combinable | None = None,
    before: Any = None,
    after: Any = None,
    username: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Append one event. ``by``: the acting user; None: whoever is signed in to the request being
    served (the admin site calls services with ``by=None``), else the platform (a command, a task)."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name or ""
        object_id = object_id or obj.pk
    user = by if getattr(by, "pk", None) is not None else None
    if user is None and by is None and not username:
        user = current_user()
    project_id = project.pk if isinstance(project, Model) else project
    event = AuditEvent(
        user_id=user.pk if user is not None else None,
        username=username or (user.get_username() if user is not None else ""),
        action=action,
        object_type=object_type,
        object_id="" if object_id in (None, "") else str(object_id),
        project_id=project_id,
        before=_json(before),
        after=_json(after),
        ip=ip or current_ip(),
    )
    event.save(force_insert=True)
    return event


def region_states(states: list[dict[str, Any]]) -> Any:
    """Region states for an event: all of them, or their ids and count when there are many."""
    if len(states) <= MAX_REGIONS_IN_EVENT:
        return states
    return {"count": len(states), "ids": [state.get("id") for state in states]}


def audit_mosaic_opened(*, mosaic_id: int, by: Any, via: str) -> AuditEvent:
    """A mosaic shown to someone: ``via`` is the page (viewer, workspace) or "dzi" (the image itself).

    Recorded once per page or descriptor, not per tile: the descriptor is what every
    viewer fetches before its tiles, and tiles run in the hundreds per minute.
    """
    from annotations.models import Mosaic

    project = Subquery(Mosaic.objects.filter(pk=mosaic_id).values("case__project_id")[:1])
    return audit_record(action="mosaic.open", by=by, object_type="mosaic", object_id=mosaic_id, project=project,
                        after={"via": via})  # fmt: skip
