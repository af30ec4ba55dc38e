"""Input serializers and output builders of the reading API.

Inputs are strict DRF serializers (unknown fields are an error). Outputs are plain
dicts built by hand (no per-field serializer overhead); the viewport listing, the
hot path, is JSON written by PostgreSQL itself (``region_json_in_viewport``).

Blindness in the output: ``reader`` is the username only for the reader itself and
for the project's leads and admins; anyone else gets null.
"""

from datetime import datetime
from typing import Any

from rest_framework import serializers

from annotations.models import Membership, Read, Region
from annotations.selectors.access import MANAGER_ROLES, AnyUser, _is_superuser

from .strict import StrictFieldsMixin

# --- inputs ----------------------------------------------------------------------


class ReadVersionMixin(serializers.Serializer):
    read_version = serializers.IntegerField(required=False, min_value=1)


class AssignInput(StrictFieldsMixin, serializers.Serializer):
    readers = serializers.ListField(child=serializers.CharField(max_length=150), required=False, max_length=20)
    auto = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("readers")) == bool(attrs.get("auto")):
            raise serializers.ValidationError({"readers": 'send either "readers": [usernames] or "auto": true'})
        return attrs


class ReadFieldsInput(StrictFieldsMixin, ReadVersionMixin):
    diagnosis = serializers.CharField(required=False, allow_blank=True, max_length=32)
    confidence = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, trim_whitespace=False)
    no_suspicious_area = serializers.BooleanField(required=False)


class RegionAddInput(StrictFieldsMixin, ReadVersionMixin):
    label = serializers.CharField(max_length=64)  # type: ignore[assignment]  # the API field "label" shadows Field.label
    geometry = serializers.JSONField()
    provenance = serializers.CharField(required=False, default="manual", max_length=32)
    merge = serializers.BooleanField(required=False, default=True)


class EraseInput(StrictFieldsMixin, ReadVersionMixin):
    geometry = serializers.JSONField()
    label = serializers.CharField(required=False, allow_null=True, default=None, max_length=64)  # type: ignore[assignment]  # the API field "label" shadows Field.label


class RegionUpdateInput(StrictFieldsMixin, ReadVersionMixin):
    version = serializers.IntegerField(min_value=1)
    geometry = serializers.JSONField(required=False)
    label = serializers.CharField(required=False, max_length=64)  # type: ignore[assignment]  # the API field "label" shadows Field.label
    provenance = serializers.CharField(required=False, max_length=32)


class RegionDeleteInput(ReadVersionMixin):
    version = serializers.IntegerField(min_value=1)


class SubmitInput(StrictFieldsMixin, ReadVersionMixin):
    pass


class BBoxInput(serializers.Serializer):
    bbox = serializers.CharField(required=False)
    simplify = serializers.FloatField(required=False, min_value=0, max_value=10_000)
    min_area = serializers.FloatField(required=False, min_value=0)

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        parts = value.split(",")
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 4 or not all(abs(n) < 1e12 for n in numbers) or numbers[0] > numbers[2] or numbers[1] > numbers[3]:
            raise serializers.ValidationError("bbox is min_x,min_y,max_x,max_y with min <= max (finite numbers)")
        return numbers[0], numbers[1], numbers[2], numbers[3]


# --- outputs ---------------------------------------------------------------------


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def mm2_per_px(read_or_mosaic_um: float | None, default_um: float) -> float:
    um = read_or_mosaic_um or default_um
    return (um / 1000.0) ** 2


class Viewer:
    """What the caller may know about readers, computed once per request."""

    def __init__(self, user: AnyUser) -> None:
        self.user = user
        self.superuser = _is_superuser(user)
        self._managed: set[int] | None = None

    def manages(self, project_id: int) -> bool:
        if self.superuser:
            return True
        if self._managed is None:
            self._managed = set(
                Membership.objects.filter(user_id=self.user.pk or -1, role__in=MANAGER_ROLES).values_list("project_id", flat=True)
            )
        return project_id in self._managed

    def sees_identity(self, read: Read) -> bool:
        return read.reader_id == self.user.pk or self.manages(read.mosaic.case.project_id)


def read_dict(read: Read, viewer: Viewer, region_count: int | None = None) -> dict[str, Any]:
    if region_count is None:
        region_count = getattr(read, "region_count", None)
        if region_count is None:
            region_count = read.regions.count()
    return {
        "id": read.pk,
        "mosaic": read.mosaic_id,
        "case_code": read.mosaic.case.code,
        "reader": read.reader.get_username() if viewer.sees_identity(read) else None,
        "status": read.status,
        "diagnosis": read.diagnosis,
        "confidence": read.confidence,
        "note": read.note,
        "no_suspicious_area": read.no_suspicious_area,
        "version": read.version,
        "region_count": region_count,
        "assigned_at": timestamp(read.assigned_at),
        "started_at": timestamp(read.started_at),
        "submitted_at": timestamp(read.submitted_at),
        "can_edit": read.reader_id == viewer.user.pk and read.status != "submitted",
    }


def region_scale(read: Read) -> float:
    return mm2_per_px(read.mosaic.um_per_px, read.mosaic.case.project.default_um_per_px)


def region_dict(region: Region, scale: float) -> dict[str, Any]:
    return {
        "id": region.pk,
        "read": region.read_id,
        "label": region.label,
        "geometry": region.geometry,
        "provenance": region.provenance,
        "version": region.version,
        "area_px": region.area_px,
        "area_mm2": region.area_px * scale,
        "bbox": [region.min_x, region.min_y, region.max_x, region.max_y],
        "vertex_count": region.vertex_count,
        "created_at": timestamp(region.created_at),
        "updated_at": timestamp(region.updated_at),
    }


def write_result_dict(result: Any, scale: float) -> dict[str, Any]:
    return {
        "read_version": result.read.version,
        "created": [region_dict(region, scale) for region in result.created],
        "updated": [region_dict(region, scale) for region in result.updated],
        "deleted": list(result.deleted),
    }
