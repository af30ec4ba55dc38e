"""A reader's decisions on AI suggestions, and the aided read they are made in.

Accepting copies the suggestion into the read as a region (provenance
``ai_accepted``, or ``ai_edited`` when the reader changed its outline), with the
model and suggestion it came from; rejecting only records the decision. Every
write goes through the reading services' lock (``read_lock_for_write``: own reader,
not submitted, current ``read_version``) and ends with ``read_commit_write``, so
the read's version and revisions stay right. Each decision is a
``SuggestionDecision`` row, so AI uptake can be measured.

Which read a reader decides in follows the protocol: under ``unaided_then_aided``
the aided read (``ReadKind.AIDED``, started by ``aided_read_start`` as a copy of the
submitted unaided read); ``from_start`` the reader read itself (or an aided one);
``never`` none. Accepted regions are not merged with touching regions of the same
label (``merge=False``): their provenance stays theirs.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from annotations.geometry.shapes import GeometryError, RegionShape, parse_region_geometry
from annotations.models import AIProtocol, Provenance, Read, ReadKind, ReadStatus, Region
from annotations.services.reads import (
    EDITABLE_FIELDS,
    mosaic_size,
    new_region,
    read_commit_write,
    read_lock_for_write,
)
from annotations.services.revisions import revision_write
from annotations.vocabulary import FeatureLabel
from inference.models import DecisionKind, Suggestion, SuggestionDecision
from inference.selectors.predictions import ai_layer_refusal
from users.models import User

# A suggestion is "inside" a drawn area when at least this share of its area is.
INSIDE_FRACTION = 0.5


def _check_read_may_decide(read: Read, by: User) -> None:
    refusal = ai_layer_refusal(user=by, mosaic=read.mosaic)
    if refusal is not None:
        raise PermissionDenied(refusal)
    protocol = read.mosaic.case.project.ai_protocol
    if read.kind == ReadKind.CONSENSUS:
        raise PermissionDenied("suggestions are decided in a reader's read, not in the consensus")
    if protocol == AIProtocol.UNAIDED_THEN_AIDED and read.kind != ReadKind.AIDED:
        raise PermissionDenied("this project reads unaided first: decide suggestions in your aided read")


def _check_suggestion(read: Read, suggestion: Suggestion) -> None:
    if suggestion.run.mosaic_id != read.mosaic_id:
        raise ValidationError({"suggestion": f"suggestion {suggestion.pk} is of another mosaic than read {read.pk}"})


def _adopted_region(read: Read, suggestion: Suggestion) -> Region | None:
    """The region of ``read`` this suggestion became, if it was accepted and the region still exists."""
    return Region.objects.filter(read=read, ai_suggestion_id=suggestion.pk).first()


def _record(read: Read, suggestion: Suggestion, by: User, decision: str, region: Region | None) -> SuggestionDecision:
    return SuggestionDecision.objects.create(
        suggestion=suggestion, suggestion_ref=suggestion.pk, model_id=suggestion.run.model_id, read=read, user=by,
        decision=decision, region=region, suggestion_geometry=suggestion.geometry, suggestion_score=suggestion.score,
    )  # fmt: skip


def _shape(read: Read, geometry: Any) -> RegionShape:
    width, height = mosaic_size(read)
    try:
        return parse_region_geometry(geometry, width=width, height=height)
    except GeometryError as error:
        raise ValidationError({"geometry": str(error)}) from error


def _adopt(read: Read, suggestion: Suggestion, by: User, geometry: Any, label: Any) -> Region:
    """Copy ``suggestion`` into the locked ``read`` as a region and record the decision (uncommitted)."""
    _check_suggestion(read, suggestion)
    existing = _adopted_region(read, suggestion)
    if existing is not None:
        raise ValidationError({"suggestion": f"suggestion {suggestion.pk} is already region {existing.pk} of this read"})
    label = suggestion.label if label is None else label
    if label not in FeatureLabel.values:
        raise ValidationError({"label": f"unknown label {label!r}; use one of {', '.join(FeatureLabel.values)}"})
    original = _shape(read, suggestion.geometry)
    drawn = original if geometry is None else _shape(read, geometry)
    edited = not drawn.geometry.equals(original.geometry) or label != suggestion.label
    provenance = Provenance.AI_EDITED if edited else Provenance.AI_ACCEPTED
    region = new_region(read=read, shape=drawn, label=label, provenance=provenance, by=by)
    region.ai_model_id, region.ai_suggestion_id = suggestion.run.model_id, suggestion.pk
    region.save()
    _record(read, suggestion, by, DecisionKind.EDITED if edited else DecisionKind.ACCEPTED, region)
    return region


@transaction.atomic
def suggestion_accept(
    *,
    read: Read,
    suggestion: Suggestion,
    by: User,
    geometry: Any = None,
    label: Any = None,
    read_version: int,
) -> tuple[Read, Region]:
    """Copy the suggestion into the read; with ``geometry`` (or another ``label``) it is an edit (``ai_edited``)."""
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    _check_read_may_decide(locked, by)
    region = _adopt(locked, suggestion, by, geometry, label)
    action = "ai_accept" if region.provenance == Provenance.AI_ACCEPTED else "ai_edit"
    return read_commit_write(read=locked, by=by, action=action, upserted=[region]), region


@transaction.atomic
def suggestion_reject(
    *, read: Read, suggestion: Suggestion, by: User, read_version: int
) -> SuggestionDecision:
    """Record that the reader rejected the suggestion (the read itself does not change)."""
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    _check_read_may_decide(locked, by)
    _check_suggestion(locked, suggestion)
    return _record(locked, suggestion, by, DecisionKind.REJECTED, None)


def _inside(suggestions: list[Suggestion], area: RegionShape) -> list[Suggestion]:
    chosen = []
    for suggestion in suggestions:
        outline = shape(suggestion.geometry)
        if outline.area > 0 and outline.intersection(area.geometry).area >= INSIDE_FRACTION * outline.area:
            chosen.append(suggestion)
    return chosen


@transaction.atomic
def suggestions_decide_in_area(
    *,
    read: Read,
    suggestions: list[Suggestion],
    by: User,
    accept: bool,
    geometry: Any,
    read_version: int,
) -> tuple[Read, list[Region], list[SuggestionDecision]]:
    """Accept or reject, as one write, the suggestions at least half inside the drawn ``geometry``.

    Suggestions already adopted into this read are left alone (accepting twice would
    duplicate them; rejecting one does not remove the region it became).
    """
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    _check_read_may_decide(locked, by)
    area = _shape(locked, geometry)
    adopted = set(Region.objects.filter(read=locked, ai_suggestion_id__isnull=False).values_list("ai_suggestion_id", flat=True))
    chosen = [s for s in _inside(suggestions, area) if s.pk not in adopted and s.run.mosaic_id == locked.mosaic_id]
    if accept:
        regions = [_adopt(locked, suggestion, by, None, None) for suggestion in chosen]
        if regions:
            locked = read_commit_write(read=locked, by=by, action="ai_accept_area", upserted=regions)
        return locked, regions, []
    return locked, [], [_record(locked, suggestion, by, DecisionKind.REJECTED, None) for suggestion in chosen]


@transaction.atomic
def aided_read_start(*, read: Read, by: User) -> Read:
    """Start (or return) the reader's aided read of the mosaic: a copy of its submitted unaided read.

    The copy keeps the case-level fields and every region (provenance included); it
    is ``in_progress`` and its first revision says where it came from. The unaided
    read stays as submitted: the pair is what the AI-influence report compares.
    """
    unaided = Read.objects.select_for_update().select_related("mosaic__case__project").get(pk=read.pk)
    if unaided.reader_id != by.pk:
        raise PermissionDenied("only the read's own reader starts its aided read")
    if unaided.kind != ReadKind.READER:
        raise ValidationError({"read": "an aided read starts from the reader's own (unaided) read"})
    protocol = unaided.mosaic.case.project.ai_protocol
    if protocol != AIProtocol.UNAIDED_THEN_AIDED:
        raise ValidationError({"read": f"this project's protocol is {protocol}: it has no aided reads"})
    if unaided.status != ReadStatus.SUBMITTED:
        raise ValidationError({"read": "submit your unaided read first; the aided read starts as a copy of it"})
    existing = Read.objects.filter(mosaic_id=unaided.mosaic_id, reader_id=by.pk, kind=ReadKind.AIDED).first()
    if existing is not None:
        return existing
    now = timezone.now()
    aided = Read.objects.create(
        mosaic=unaided.mosaic, reader=by, kind=ReadKind.AIDED, status=ReadStatus.IN_PROGRESS, started_at=now,
        assigned_by=unaided.assigned_by, **{name: getattr(unaided, name) for name in EDITABLE_FIELDS},
    )  # fmt: skip
    copies = [
        Region(
            read=aided, label=region.label, geometry=region.geometry, min_x=region.min_x, min_y=region.min_y,
            max_x=region.max_x, max_y=region.max_y, area_px=region.area_px, vertex_count=region.vertex_count,
            provenance=region.provenance, ai_model_id=region.ai_model_id, ai_suggestion_id=region.ai_suggestion_id,
            created_by=by,
        )  # fmt: skip
        for region in Region.objects.filter(read=unaided)
    ]
    Region.objects.bulk_create(copies)
    revision_write(read=aided, action=f"copy of unaided read {unaided.pk}", by=by)
    return aided
