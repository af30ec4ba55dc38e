"""Input serializers and output builders of the reading API.

Inputs are strict DRF serializers (unknown fields are an error). Outputs are plain
dicts built by hand (no per-field serializer overhead); the viewport listing, the
hot path, is JSON written by PostgreSQL itself (``region_json_in_viewport``).

Blindness in the output: ``reader`` is the username only for the reader itself and
for the project's leads and admins; anyone else gets null.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import Read, Region
from annotations.selectors.access import AnyUser, projects_managed_by
from annotations.selectors.coverage import read_viewed_fraction
from annotations.selectors.mosaics import mosaic_um_per_px
from annotations.selectors.reads import read_editable_by
from annotations.selectors.region_json import region_body, utc_timestamp
from annotations.services.reads import WriteResult

from .reading_schema import geometry_field
from .strict import StrictFieldsMixin

# --- inputs ----------------------------------------------------------------------


class ReadVersionMixin(serializers.Serializer):
    # Required on every write: a write without it would skip the stale-save check (409).
    read_version = serializers.IntegerField(
        min_value=1, help_text="the read's version the change was made from (409 when it is not the current one)"
    )


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


@extend_schema_field(geometry_field())
class GeometryInput(serializers.JSONField):
    """A GeoJSON Polygon or MultiPolygon; checked, repaired and clipped by the service."""


class RegionAddInput(StrictFieldsMixin, ReadVersionMixin):
    label = serializers.CharField(max_length=64)  # type: ignore[assignment]  # the API field "label" shadows Field.label
    geometry = GeometryInput()
    provenance = serializers.CharField(required=False, default="manual", max_length=32)
    merge = serializers.BooleanField(required=False, default=True)


class EraseInput(StrictFieldsMixin, ReadVersionMixin):
    geometry = GeometryInput()
    label = serializers.CharField(required=False, allow_null=True, default=None, max_length=64)  # type: ignore[assignment]  # the API field "label" shadows Field.label


class RegionUpdateInput(StrictFieldsMixin, ReadVersionMixin):
    version = serializers.IntegerField(min_value=1)
    geometry = GeometryInput(required=False)
    label = serializers.CharField(required=False, max_length=64)  # type: ignore[assignment]  # the API field "label" shadows Field.label
    provenance = serializers.CharField(required=False, max_length=32)


class RegionDeleteInput(ReadVersionMixin):
    version = serializers.IntegerField(min_value=1)


class SubmitInput(StrictFieldsMixin, ReadVersionMixin):
    pass


class ReadSubmitInput(SubmitInput):
    confirm_low_coverage = serializers.BooleanField(
        required=False, default=False,
        help_text="submit although less of the mosaic was viewed than the project asks (the page asked the reader)",
    )  # fmt: skip


class BBoxInput(serializers.Serializer):
    bbox = serializers.CharField(required=False, help_text="min_x,min_y,max_x,max_y: regions whose box meets it")
    simplify = serializers.FloatField(
        required=False, min_value=0, max_value=10_000, help_text="thin outlines to this tolerance in pixels"
    )
    min_area = serializers.FloatField(required=False, min_value=0, help_text="only regions of at least this area (px)")
    outline = serializers.BooleanField(
        required=False,
        help_text="geometries are the regions' stored low-resolution outlines (display only; fast first paint)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("outline") and attrs.get("simplify"):
            raise serializers.ValidationError({"outline": "use either outline or simplify, not both"})
        return attrs

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


def region_scale(read: Read) -> float:
    """mm² per pixel of the read's mosaic (``area_mm2`` of its regions)."""
    return (mosaic_um_per_px(mosaic=read.mosaic) / 1000.0) ** 2


class Viewer:
    """What the caller may know about readers, computed once per request."""

    def __init__(self, user: AnyUser) -> None:
        self.user = user
        self._managed: set[int] | None = None

    def manages(self, project_id: int) -> bool:
        if self._managed is None:
            self._managed = set(projects_managed_by(user=self.user).values_list("pk", flat=True))
        return project_id in self._managed

    def sees_identity(self, read: Read) -> bool:
        """A read's reader is named to the reader itself and to the project's leads and admins."""
        return read.reader_id == self.user.pk or self.manages(read.mosaic.case.project_id)


def read_dict(read: Read, viewer: Viewer, region_count: int | None = None) -> dict[str, Any]:
    if region_count is None:
        region_count = getattr(read, "region_count", None)
        if region_count is None:
            region_count = read.regions.count()
    return {
        "id": read.pk,
        "kind": read.kind,
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
        "assigned_at": utc_timestamp(read.assigned_at),
        "started_at": utc_timestamp(read.started_at),
        "submitted_at": utc_timestamp(read.submitted_at),
        "can_edit": read_editable_by(read=read, user=viewer.user),
        "viewed_fraction": read_viewed_fraction(read),
    }


def region_dict(region: Region, scale: float) -> dict[str, Any]:
    return region_body(region, mm2_per_px=scale)


def write_result_dict(result: WriteResult, scale: float) -> dict[str, Any]:
    return {
        "read_version": result.read.version,
        "created": [region_dict(region, scale) for region in result.created],
        "updated": [region_dict(region, scale) for region in result.updated],
        "deleted": list(result.deleted),
    }
