"""Writes to the regions of a read: draw (with merge), erase, edit, delete.

Same-label strokes that touch merge into one region (the largest touched region
is kept and grows, the others are deleted), so a reader painting an area in
several strokes gets one region. The eraser subtracts its shape from every region
it crosses; a region cut in two stays one region (a MultiPolygon), and a region
erased to nothing is deleted.

Provenance follows what happened: a hand edit of an AI suggestion (accepted or
already edited) makes it ``ai_edited``; merging shapes of different provenance
gives ``ai_edited`` too, since the result is neither purely drawn nor purely AI.

All writes lock the read first (``read_lock_for_write``), so the region versions
checked here cannot change under us.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.geometry.outline import region_outline
from annotations.geometry.shapes import (
    GeometryError,
    Polygonal,
    RegionShape,
    parse_eraser_geometry,
    parse_region_geometry,
    shape_from_stored,
    subtract,
    union,
)
from annotations.models import Provenance, Read, Region
from annotations.vocabulary import FeatureLabel
from users.models import User

from .reads import ReadConflict, WriteResult, mosaic_size, new_region, read_commit_write, read_lock_for_write
from .revisions import region_state

AI_PROVENANCES = (Provenance.AI_ACCEPTED, Provenance.AI_EDITED)


def _check_label(label: Any) -> str:
    if label not in FeatureLabel.values:
        raise ValidationError({"label": f"unknown label {label!r}; use one of {', '.join(FeatureLabel.values)}"})
    return str(label)


def _check_provenance(provenance: Any) -> str:
    if provenance not in Provenance.values:
        raise ValidationError({"provenance": f"unknown provenance {provenance!r}"})
    return str(provenance)


def _region_shape(read: Read, geometry: Any) -> RegionShape:
    width, height = mosaic_size(read)
    try:
        return parse_region_geometry(geometry, width=width, height=height)
    except GeometryError as error:
        raise ValidationError({"geometry": str(error)}) from error


def _edited(provenance: str) -> str:
    return Provenance.AI_EDITED if provenance in AI_PROVENANCES else provenance


def _apply_shape(region: Region, shape: RegionShape) -> None:
    region.geometry = shape.to_geojson()
    region.outline = region_outline(shape.geometry)
    region.min_x, region.min_y, region.max_x, region.max_y = shape.bbox
    region.area_px = shape.area
    region.vertex_count = shape.vertex_count
    region.version += 1


def _touching(read: Read, shape: RegionShape, label: str | None) -> list[Region]:
    """Regions whose geometry touches or overlaps ``shape`` (bbox prefilter in the database)."""
    min_x, min_y, max_x, max_y = shape.bbox
    candidates = Region.objects.filter(read=read, min_x__lte=max_x, max_x__gte=min_x, min_y__lte=max_y, max_y__gte=min_y)
    if label is not None:
        candidates = candidates.filter(label=label)
    return [region for region in candidates if shape_from_stored(region.geometry).intersects(shape.geometry)]


def shape_add(*, read: Read, by: User, shape: RegionShape, label: str, provenance: str, merge: bool = True
              ) -> WriteResult:  # fmt: skip
    """Add ``shape`` to the locked ``read`` (merged with the same-label regions it touches), uncommitted.

    The building block of ``region_add`` and of adjudication, which commits several
    shapes as one write; the caller holds the read's lock and commits.
    """
    touched = _touching(read, shape, label) if merge else []
    if not touched:
        region = new_region(read=read, shape=shape, label=label, provenance=provenance, by=by)
        region.save()
        return WriteResult(read=read, created=[region])
    before = [region_state(region) for region in touched]
    try:
        merged = union([shape.geometry, *(shape_from_stored(region.geometry) for region in touched)])
    except GeometryError as error:
        raise ValidationError({"geometry": str(error)}) from error
    keep = max(touched, key=lambda region: (region.area_px, -region.pk))
    provenances = {provenance, *(region.provenance for region in touched)}
    _apply_shape(keep, merged)
    keep.provenance = provenances.pop() if len(provenances) == 1 else Provenance.AI_EDITED
    keep.save()
    deleted = [region.pk for region in touched if region.pk != keep.pk]
    Region.objects.filter(pk__in=deleted).delete()
    return WriteResult(read=read, updated=[keep], deleted=deleted, before=before)


def shape_erase(*, read: Read, eraser: Polygonal, label: str | None = None) -> WriteResult:
    """Subtract ``eraser`` from the locked ``read``'s regions it crosses (only ``label``'s), uncommitted."""
    result = WriteResult(read=read)
    for region in _touching(read, RegionShape(geometry=eraser), label):
        try:
            rest = subtract(shape_from_stored(region.geometry), eraser)
        except GeometryError as error:
            raise ValidationError({"geometry": str(error)}) from error
        if rest is None:
            result.before.append(region_state(region))
            result.deleted.append(region.pk)
            continue
        if rest.area == region.area_px:
            continue  # touched only along an edge
        result.before.append(region_state(region))
        _apply_shape(region, rest)
        region.provenance = _edited(region.provenance)
        region.save()
        result.updated.append(region)
    Region.objects.filter(pk__in=result.deleted).delete()
    return result


@transaction.atomic
def region_add(
    *,
    read: Read,
    by: User,
    label: Any,
    geometry: Any,
    provenance: Any = Provenance.MANUAL,
    merge: bool = True,
    read_version: int,
) -> WriteResult:
    """Add a shape; with ``merge`` it is unioned with the same-label regions it touches."""
    label = _check_label(label)
    provenance = _check_provenance(provenance)
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    shape = _region_shape(locked, geometry)
    result = shape_add(read=locked, by=by, shape=shape, label=label, provenance=provenance, merge=merge)
    action = "region_merge" if result.updated else "region_add"
    read_commit_write(read=locked, by=by, action=action, upserted=result.created + result.updated,
                      deleted=result.deleted, before={"regions": result.before})  # fmt: skip
    return result


@transaction.atomic
def region_erase(
    *, read: Read, by: User, geometry: Any, label: Any = None, read_version: int
) -> WriteResult:
    """Subtract ``geometry`` from every region it crosses (only ``label``'s regions when given).

    An eraser stroke that changes nothing is not a write: no version, no revision.
    """
    if label is not None:
        label = _check_label(label)
    locked = read_lock_for_write(read=read, by=by, read_version=read_version)
    try:
        eraser = parse_eraser_geometry(geometry)
    except GeometryError as error:
        raise ValidationError({"geometry": str(error)}) from error
    if eraser is None:
        return WriteResult(read=locked)
    result = shape_erase(read=locked, eraser=eraser, label=label)
    if not result.updated and not result.deleted:
        return result
    read_commit_write(read=locked, by=by, action="erase", upserted=result.updated, deleted=result.deleted,
                      before={"regions": result.before})  # fmt: skip
    return result


def _lock_region(
    *, region: Region, by: User, version: Any, read_version: int, with_geometry: bool = True
) -> tuple[Read, Region]:
    """The locked read and the region's current row (its old geometry only when it is kept)."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({"version": "send the version of the region you edited"})
    locked_read = read_lock_for_write(read=region.read, by=by, read_version=read_version)
    current_rows = Region.objects.filter(pk=region.pk, read_id=locked_read.pk)
    if not with_geometry:
        current_rows = current_rows.defer("geometry")
    try:
        current = current_rows.get()  # not .first(): its ORDER BY costs more to compile than the query takes
    except Region.DoesNotExist:
        raise ReadConflict("the region was deleted elsewhere; reload the read", read_version=locked_read.version) from None
    if current.version != version:
        raise ReadConflict(
            f"the region was changed elsewhere (version {current.version}, you had {version}); reload it",
            version=current.version,
            read_version=locked_read.version,
        )
    return locked_read, current


@transaction.atomic
def region_update(
    *,
    region: Region,
    by: User,
    version: Any,
    read_version: int,
    **changes: Any,
) -> Region:
    """Edit a region's geometry, label or provenance; ``version`` must be the one the client edited."""
    unknown = sorted(set(changes) - {"geometry", "label", "provenance"})
    if unknown:
        raise ValidationError({name: "unknown or read-only field" for name in unknown})
    label = _check_label(changes["label"]) if "label" in changes else None
    provenance = _check_provenance(changes["provenance"]) if "provenance" in changes else None
    replaces_geometry = "geometry" in changes
    # The old geometry is loaded even when replaced: the audit trail keeps the region as it was.
    locked_read, current = _lock_region(region=region, by=by, version=version, read_version=read_version)
    before = {"regions": [region_state(current)]}
    if replaces_geometry:
        _apply_shape(current, _region_shape(locked_read, changes["geometry"]))
        current.version -= 1  # bumped once below
        if provenance is None:
            provenance = _edited(current.provenance)
    if label is not None:
        current.label = label
    if provenance is not None:
        current.provenance = provenance
    current.version += 1
    current.save()
    read_commit_write(read=locked_read, by=by, action="region_update", upserted=[current], before=before)
    return current


@transaction.atomic
def region_delete(*, region: Region, by: User, version: Any, read_version: int) -> Read:
    # The region's geometry is loaded: the audit trail keeps what was deleted.
    locked_read, current = _lock_region(region=region, by=by, version=version, read_version=read_version)
    before = {"regions": [region_state(current)]}
    region_id = current.pk
    current.delete()
    return read_commit_write(read=locked_read, by=by, action="region_delete", deleted=[region_id], before=before)
