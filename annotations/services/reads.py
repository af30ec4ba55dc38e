"""Writes to a read: its case-level fields, submission, restore and GeoJSON import.

Every write to a read or its regions goes through ``read_lock_for_write``, which
takes ``SELECT ... FOR UPDATE`` on the read row so two tabs saving at once are
serialised, then checks in this order: the caller is the read's reader (403), the
read is not submitted (409), the client's ``read_version`` is current (409). The
write then ends with ``read_commit_write``: ``version`` + 1, ``assigned`` becomes
``in_progress`` on the first change, and a revision records the new state.

Errors: ``PermissionDenied`` (403), ``ValidationError`` naming the field (400) and
``ReadConflict`` (409, with the current versions so the page can offer a reload).
Region writes live in ``annotations.services.regions``.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from annotations.geometry.outline import outline_of_stored, region_outline
from annotations.geometry.shapes import GeometryError, parse_region_geometry
from annotations.models import Mosaic, Provenance, Read, ReadKind, ReadStatus, Region
from annotations.prepared import PreparedQuery
from annotations.selectors.coverage import read_viewed_fraction
from annotations.vocabulary import Diagnosis, FeatureLabel
from audit.services import audit_record, region_states
from users.models import User

from .agreement import agreement_enqueue_when_due
from .revisions import FIELD_NAMES, read_fields, region_state, revision_state, revision_write

EDITABLE_FIELDS = ("diagnosis", "confidence", "note", "no_suspicious_area")
MAX_IMPORT_FEATURES = 20_000


class ReadConflict(Exception):
    """A write that lost a race or targets a locked read (HTTP 409)."""

    def __init__(self, detail: str, **current: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.current = current


@dataclass
class WriteResult:
    read: Read
    created: list[Region] = field(default_factory=list)
    updated: list[Region] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    # The changed and deleted regions as they were before the write (for the audit trail).
    before: list[dict[str, Any]] = field(default_factory=list)


# The read's row lock, compiled once: ``select_for_update().get()`` compiled on every
# autosave cost more than the lock itself. (SQLite has no row locks; its writes are
# serialised by the database lock, and Django leaves FOR UPDATE out there.)
_LOCKED_READ = PreparedQuery(lambda read_id: Read.objects.select_for_update().filter(pk=read_id), read_id=int)


def read_lock_for_write(*, read: Read, by: User, read_version: int) -> Read:
    """The read, locked for this transaction, after the checks every write makes."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("read_lock_for_write must run inside a transaction")
    locked = _LOCKED_READ.first(read_id=read.pk)
    if locked is None:
        raise Read.DoesNotExist(f"read {read.pk} no longer exists")
    # The mosaic (its size) does not change under a read; reuse the caller's copy when it has one.
    if Read.mosaic.is_cached(read):
        locked.mosaic = read.mosaic
    if locked.reader_id != by.pk:
        raise PermissionDenied("only the read's own reader can change it")
    if locked.status == ReadStatus.SUBMITTED:
        raise ReadConflict("read is submitted and locked", read_version=locked.version)
    # Every write names the version it was made from (issue 11: an optional one let a
    # client that left it out skip this check and overwrite newer work).
    if isinstance(read_version, bool) or not isinstance(read_version, int):
        raise ValidationError({"read_version": "send the read's version your change was made from"})
    if read_version != locked.version:
        raise ReadConflict(
            f"the read was changed elsewhere (version {locked.version}, you had {read_version}); reload it",
            read_version=locked.version,
        )
    return locked


def _read_project(read: Read) -> Subquery:
    """The read's project id, looked up inside the audit event's INSERT (no extra round trip)."""
    return Subquery(Mosaic.objects.filter(pk=read.mosaic_id).values("case__project_id")[:1])


def audit_read_write(
    *,
    read: Read,
    by: User | None,
    action: str,
    before: dict[str, Any] | None = None,
    upserted: list[Region] | None = None,
    deleted: list[int] | None = None,
) -> None:
    """One audit event for a write to a read: its fields and changed regions, before and after."""
    name, _, detail = action.partition(" ")  # "restore 12", "adjudicate #3 accept_a": filterable by name
    after: dict[str, Any] = {"version": read.version, "fields": read_fields(read)}
    if detail:
        after["detail"] = detail
    if upserted:
        after["regions"] = region_states([region_state(region) for region in upserted])
    if deleted:
        after["deleted"] = list(deleted)
    audit_record(action=f"read.{name}", by=by, obj=read, project=_read_project(read), before=before, after=after)


def read_commit_write(
    *,
    read: Read,
    by: User,
    action: str,
    upserted: list[Region] | None = None,
    deleted: list[int] | None = None,
    before: dict[str, Any] | None = None,
) -> Read:
    """Bump the version, start the read if needed, keep the new state as a revision, audit it.

    ``before``: what the write changed as it was (fields, region states) for the audit trail.
    """
    before = {"version": read.version, **(before or {})}
    read.version += 1
    if read.status == ReadStatus.ASSIGNED:
        read.status = ReadStatus.IN_PROGRESS
        read.started_at = timezone.now()
    # Every field a write may have changed (the locked row is otherwise as read);
    # naming them keeps the UPDATE of the autosave path short.
    read.save(update_fields=[*FIELD_NAMES, "version", "started_at", "updated_at"])
    revision_write(read=read, action=action, by=by, upserted=upserted, deleted=deleted)
    audit_read_write(read=read, by=by, action=action, before=before, upserted=upserted, deleted=deleted)
    return read


def _check_fields(values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: "unknown or read-only field" for name in unknown})
    errors: dict[str, str] = {}
    if "diagnosis" in values and values["diagnosis"] not in ("", *Diagnosis.values):
        errors["diagnosis"] = f"unknown diagnosis {values['diagnosis']!r}"
    confidence = values.get("confidence")
    if confidence is not None and (isinstance(confidence, bool) or confidence not in range(1, 6)):
        errors["confidence"] = "confidence is a whole number from 1 to 5, or null"
    if "note" in values and (not isinstance(values["note"], str) or len(values["note"]) > 5000):
        errors["note"] = "note is text of at most 5,000 characters"
    if "no_suspicious_area" in values and not isinstance(values["no_suspicious_area"], bool):
        errors["no_suspicious_area"] = "no_suspicious_area is true or false"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def read_update_fields(
    *, read: Read, by: User, read_version: int, **values: Any
) -> Read:
    """Change the case-level fields (diagnosis, confidence, note, no_suspicious_area)."""
    _check_fields(values)
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    before = {"fields": read_fields(locked)}
    for name, value in values.items():
        setattr(locked, name, value)
    return read_commit_write(read=locked, by=by, action="fields", before=before)


@transaction.atomic
def read_submit(
    *, read: Read, by: User, read_version: int, confirm_low_coverage: bool = False
) -> Read:
    """Lock the read for good; it needs a diagnosis and regions or an explicit negative.

    A reader read viewed (at diagnostic zoom) less than the project's
    ``min_viewed_fraction`` is refused unless ``confirm_low_coverage``: the page
    asks the reader first. The last reader read of a mosaic, and a consensus,
    queue the mosaic's agreement (``agreement_enqueue_when_due``).
    """
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    _check_coverage(locked, confirm_low_coverage)
    errors: dict[str, str] = {}
    if not locked.diagnosis:
        errors["diagnosis"] = "choose a diagnosis before submitting"
    has_regions = Region.objects.filter(read=locked).exists()
    if not has_regions and not locked.no_suspicious_area:
        errors["regions"] = "draw at least one region, or mark the read 'reviewed — no suspicious area'"
    if has_regions and locked.no_suspicious_area:
        errors["no_suspicious_area"] = "the read has regions but is marked 'no suspicious area'; clear one of them"
    if errors:
        raise ValidationError(errors)
    before = {"version": locked.version, "fields": read_fields(locked)}
    locked.status = ReadStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.started_at = locked.started_at or locked.submitted_at
    locked.version += 1
    locked.save()
    revision_write(read=locked, action="submit", by=by)
    audit_read_write(read=locked, by=by, action="submit", before=before)
    agreement_enqueue_when_due(read=locked)
    return locked


def _check_coverage(read: Read, confirmed: bool) -> None:
    threshold = read.mosaic.case.project.min_viewed_fraction
    if confirmed or read.kind != ReadKind.READER or threshold <= 0:
        return
    viewed = read_viewed_fraction(read)
    if viewed < threshold:
        raise ValidationError({"confirm_low_coverage": (
            f"you viewed {viewed:.0%} of the mosaic at diagnostic zoom; the project asks for {threshold:.0%}. "
            "Look over the rest, or submit again with confirm_low_coverage to submit anyway"
        )})  # fmt: skip


def _region_from_state(read: Read, state: dict[str, Any], by: User) -> Region:
    min_x, min_y, max_x, max_y = state["bbox"]
    return Region(
        pk=state["id"], read=read, label=state["label"], geometry=state["geometry"],
        outline=outline_of_stored(state["geometry"]), provenance=state["provenance"],
        ai_model_id=state.get("ai_model"), ai_suggestion_id=state.get("ai_suggestion_id"),
        version=state["version"] + 1, min_x=min_x, min_y=min_y, max_x=max_x, max_y=max_y,
        area_px=state["area_px"], vertex_count=state["vertex_count"], created_by=by,
    )  # fmt: skip


@transaction.atomic
def read_restore(*, read: Read, number: int, by: User, read_version: int) -> Read:
    """Bring back the fields and regions of revision ``number`` as a new revision ("restore").

    Regions keep their ids across a restore (ids are never reused), so a page that
    still shows them stays consistent.
    """
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    state = revision_state(read=locked, number=number)
    if state is None:
        raise ValidationError({"number": f"read {locked.pk} has no revision {number}"})
    for name in EDITABLE_FIELDS:
        setattr(locked, name, state["fields"].get(name, getattr(locked, name)))
    target = {region["id"]: region for region in state["regions"]}
    current = {region.pk: region for region in Region.objects.filter(read=locked)}
    deleted = [region_id for region_id in current if region_id not in target]
    Region.objects.filter(pk__in=deleted).delete()
    upserted: list[Region] = []
    for region_id, wanted in target.items():
        existing = current.get(region_id)
        if existing is None:
            region = _region_from_state(locked, wanted, by)
            region.save(force_insert=True)
            upserted.append(region)
            continue
        if (existing.label, existing.provenance, existing.geometry) == (
            wanted["label"], wanted["provenance"], wanted["geometry"],
        ):  # fmt: skip
            continue
        existing.label, existing.provenance, existing.geometry = wanted["label"], wanted["provenance"], wanted["geometry"]
        existing.outline = outline_of_stored(wanted["geometry"])
        existing.min_x, existing.min_y, existing.max_x, existing.max_y = wanted["bbox"]
        existing.area_px, existing.vertex_count = wanted["area_px"], wanted["vertex_count"]
        existing.version += 1
        existing.save()
        upserted.append(existing)
    return read_commit_write(read=locked, by=by, action=f"restore {number}", upserted=upserted, deleted=deleted)


def _parse_feature(feature: Any, index: int, mosaic_size: tuple[int, int]) -> tuple[Any, str, str]:
    where = f"features[{index}]"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValidationError({where: "must be a GeoJSON Feature"})
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise ValidationError({f"{where}.properties": "must be an object"})
    label = properties.get("label")
    if label not in FeatureLabel.values:
        raise ValidationError({f"{where}.properties.label": f"unknown label {label!r}"})
    provenance = properties.get("provenance", Provenance.MANUAL)
    if provenance not in Provenance.values:
        raise ValidationError({f"{where}.properties.provenance": f"unknown provenance {provenance!r}"})
    try:
        shape = parse_region_geometry(feature.get("geometry"), width=mosaic_size[0], height=mosaic_size[1])
    except GeometryError as error:
        raise ValidationError({f"{where}.geometry": str(error)}) from error
    return shape, label, provenance


@transaction.atomic
def read_import_geojson(
    *, read: Read, collection: Any, by: User, read_version: int
) -> Read:
    """Replace all regions of the read by a FeatureCollection's; every feature must pass or nothing changes."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationError({"type": "body must be a GeoJSON FeatureCollection"})
    features = collection.get("features")
    if not isinstance(features, list):
        raise ValidationError({"features": "must be a list of Features"})
    if len(features) > MAX_IMPORT_FEATURES:
        raise ValidationError({"features": f"at most {MAX_IMPORT_FEATURES:,} features per import"})
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    size = mosaic_size(locked)
    parsed = [_parse_feature(feature, index, size) for index, feature in enumerate(features)]
    deleted = list(Region.objects.filter(read=locked).values_list("pk", flat=True))
    Region.objects.filter(read=locked).delete()
    created = Region.objects.bulk_create(
        [new_region(read=locked, shape=shape, label=label, provenance=provenance, by=by)
         for shape, label, provenance in parsed]
    )  # fmt: skip
    read_commit_write(read=locked, by=by, action="import", upserted=created, deleted=deleted)
    return locked


def mosaic_size(read: Read) -> tuple[int, int]:
    mosaic = read.mosaic
    if not mosaic.width or not mosaic.height:
        raise ValidationError({"mosaic": "the mosaic has no size yet (not ingested); it cannot be read"})
    return int(mosaic.width), int(mosaic.height)


def new_region(*, read: Read, shape: Any, label: str, provenance: str, by: User | None) -> Region:
    """An unsaved region for ``shape`` (a RegionShape) with its stored bbox, area and vertex count."""
    min_x, min_y, max_x, max_y = shape.bbox
    return Region(
        read=read, label=label, geometry=shape.to_geojson(), outline=region_outline(shape.geometry),
        provenance=provenance, min_x=min_x, min_y=min_y, max_x=max_x, max_y=max_y, area_px=shape.area,
        vertex_count=shape.vertex_count, created_by=by if by is not None and by.pk else None,
    )  # fmt: skip


__all__ = [
    "ReadConflict",
    "WriteResult",
    "mosaic_size",
    "new_region",
    "read_commit_write",
    "read_import_geojson",
    "read_lock_for_write",
    "read_restore",
    "read_submit",
    "read_update_fields",
]
