"""A consensus read's adjudication as its lead sees it: components, their status, every decision.

Leads and admins of the project only (``consensus_managed``; anyone else gets
None, a 404): the components name the readers and what each marked.

**Which decisions are in effect.** Decisions are never deleted, but the
consensus can be restored to an earlier revision, which undoes the decisions
made after it. A decision is in effect when the revision it wrote is in the
*lineage* of the consensus's current revision: walking back from the current
revision, a ``restore N`` revision continues at ``N``, any other at the one
before it. A component's status is its latest decision in effect, or ``open``.
"""

import re
from typing import Any

from annotations.geometry.shapes import shape_from_stored
from annotations.models import Adjudication, AdjudicationDecision, DecisionChoice, Read, ReadKind, ReadRevision
from annotations.selectors.region_json import utc_timestamp

from .access import AnyUser, can_manage_project
from .reads import read_for

_RESTORE = re.compile(r"restore (\d+)")
OPEN = "open"
COMPONENT_STATUSES = [OPEN, *DecisionChoice.values]  # a component's status: open, or its decision in effect


def consensus_managed(*, user: AnyUser, read_id: int) -> Read | None:
    """The consensus read ``read_id`` when the caller manages its project, else None."""
    read = read_for(user=user, read_id=read_id)
    if read is None or read.kind != ReadKind.CONSENSUS:
        return None
    if not can_manage_project(user=user, project=read.mosaic.case.project):
        return None
    return read


def revision_lineage(read: Read) -> set[int]:
    """The revisions whose writes the read's current state is made of (see the module docstring)."""
    actions = dict(ReadRevision.objects.filter(read=read).values_list("number", "action"))
    lineage: set[int] = set()
    number = max(actions, default=0)  # the current revision (= the read's version), whatever copy was passed
    while number >= 1 and number not in lineage:
        lineage.add(number)
        restored = _RESTORE.fullmatch(actions.get(number, ""))
        number = int(restored.group(1)) if restored else number - 1
    return lineage


def _decision(decision: AdjudicationDecision, component: int, in_effect: bool) -> dict[str, Any]:
    return {
        "component": component,
        "choice": decision.choice,
        "reason": decision.reason,
        "decided_by": decision.decided_by.get_username() if decision.decided_by else None,
        "decided_at": utc_timestamp(decision.decided_at),
        "revision": decision.revision,
        "in_effect": in_effect,
    }


def adjudication_detail(*, consensus: Read) -> dict[str, Any] | None:
    """Components with their status and latest decision in effect, and every decision; None if not adjudicated."""
    adjudication = Adjudication.objects.filter(consensus=consensus).first()
    if adjudication is None:
        return None
    version, status = Read.objects.filter(pk=consensus.pk).values_list("version", "status").get()
    lineage = revision_lineage(consensus)
    components = list(adjudication.components.all())
    numbers = {component.pk: component.number for component in components}
    decisions = list(
        AdjudicationDecision.objects.filter(component__adjudication=adjudication)
        .select_related("decided_by")
        .order_by("revision", "pk")
    )
    latest: dict[int, dict[str, Any]] = {}
    listed = []
    for decision in decisions:
        entry = _decision(decision, numbers[decision.component_id], decision.revision in lineage)
        listed.append(entry)
        if entry["in_effect"]:
            latest[decision.component_id] = entry
    return {
        "consensus": consensus.pk,
        "mosaic": consensus.mosaic_id,
        "start": adjudication.start,
        "read_version": version,
        "status": status,
        "sources": adjudication.sources,
        "components": [
            {
                "id": component.number,
                "kind": component.kind,
                "geometry": component.geometry,
                "area_px": component.area_px,
                "bbox": [float(value) for value in shape_from_stored(component.geometry).bounds],
                "sources": component.sources,
                "status": latest[component.pk]["choice"] if component.pk in latest else OPEN,
                "decision": latest.get(component.pk),
            }
            for component in components
        ],
        "decisions": listed,
        "open": sum(1 for component in components if component.pk not in latest),
    }
