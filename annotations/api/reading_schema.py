"""The reading API's response components in ``/api/schema/`` (the contract clients are generated from).

The reading endpoints answer with dicts built by hand (``reading_serializers``)
or with JSON written by PostgreSQL (the viewport listing), for speed; nothing
here renders a response. These serializers only *describe* those bodies to
drf-spectacular, under stable component names (``Read``, ``Region``,
``RegionList``, ``WriteResult``, ``Revision`` …) that the frontend's TypeScript
types are generated from. Where a shape already has one definition it is derived
from it: ``Region`` and ``RegionState`` from ``region_json.REGION_JSON``,
``ReadFields`` from the revision's ``FIELD_NAMES``. The others are checked against
real responses of every reading endpoint by ``tests/annotations/test_api_contract.py``
(an undeclared or missing key fails).
"""

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers

from annotations.models import Provenance, Read, ReadKind, ReadStatus, Region
from annotations.selectors.region_json import (
    API_KEYS,
    REGION_JSON,
    REVISION_KEYS,
    AreaMm2,
    BoundingBox,
    Column,
    Timestamp,
)
from annotations.services.revisions import FIELD_NAMES
from annotations.vocabulary import Diagnosis, FeatureLabel

# --- GeoJSON geometry (full-resolution pixel coordinates, x right, y down) -----------


def _rings() -> serializers.ListField:
    """A polygon's rings: the outer ring first, then its holes; each ring closed, of [x, y] positions."""
    position = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    return serializers.ListField(child=serializers.ListField(child=position, min_length=4), min_length=1)


def _constant(value: str) -> serializers.CharField:
    """A string that is always ``value`` (GeoJSON's "type" members; named in ENUM_NAME_OVERRIDES)."""
    field_class = type(f"{value}Type", (serializers.CharField,), {})
    return extend_schema_field({"type": "string", "enum": [value]})(field_class)()


class PolygonSerializer(serializers.Serializer[Any]):
    type = _constant("Polygon")
    coordinates = _rings()


class MultiPolygonSerializer(serializers.Serializer[Any]):
    type = _constant("MultiPolygon")
    coordinates = serializers.ListField(child=_rings(), min_length=1)


def geometry_field(**kwargs: Any) -> PolymorphicProxySerializer:
    """A GeoJSON Polygon or MultiPolygon (component ``Geometry``)."""
    return PolymorphicProxySerializer(
        component_name="Geometry", serializers={"Polygon": PolygonSerializer, "MultiPolygon": MultiPolygonSerializer},
        resource_type_field_name="type", **kwargs,
    )  # fmt: skip


# --- a region, derived from REGION_JSON -----------------------------------------------


def _region_value_field(key: str, rendered: Any) -> serializers.Field[Any, Any, Any, Any] | None:
    """The schema of one ``REGION_JSON`` value (None: the model field's own, via ModelSerializer)."""
    if key == "geometry":
        return geometry_field(read_only=True)
    if isinstance(rendered, AreaMm2):
        return serializers.FloatField(read_only=True, help_text="area_px in mm² at the mosaic's pixel size")
    if isinstance(rendered, BoundingBox):
        return serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4, read_only=True,
                                     help_text="[min_x, min_y, max_x, max_y] in full-resolution pixels")  # fmt: skip
    if isinstance(rendered, Timestamp):
        return serializers.DateTimeField(read_only=True)
    assert isinstance(rendered, Column), key
    return None


def _region_serializer(name: str, keys: tuple[str, ...]) -> type[serializers.ModelSerializer[Region]]:
    values = dict(REGION_JSON)
    declared = {key: field for key in keys if (field := _region_value_field(key, values[key])) is not None}
    meta = type("Meta", (), {"model": Region, "fields": list(keys), "read_only_fields": list(keys)})
    serializer = type(f"{name}Serializer", (serializers.ModelSerializer,), {**declared, "Meta": meta})
    return extend_schema_serializer(component_name=name)(serializer)


RegionSerializer = _region_serializer("Region", API_KEYS)
RegionStateSerializer = _region_serializer("RegionState", REVISION_KEYS)


class RegionListSerializer(serializers.Serializer[Any]):
    """A viewport's regions, largest first; with ``simplify`` their outlines are thinned, with ``outline``
    each geometry is the region's stored low-resolution outline."""

    read_version = serializers.IntegerField()
    detail = serializers.ChoiceField(
        choices=["full", "simplified", "outline"],
        help_text="what the geometries are: as stored (full), thinned to ``simplify`` (simplified), or the stored "
        "low-resolution outlines (outline); only full geometry may be edited and sent back",
    )
    results = RegionSerializer(many=True)


class WriteResultSerializer(serializers.Serializer[Any]):
    """What a drawing or erasing write did; ``read_version`` is the read's version after it."""

    read_version = serializers.IntegerField()
    created = RegionSerializer(many=True)
    updated = RegionSerializer(many=True)
    deleted = serializers.ListField(child=serializers.IntegerField(), help_text="ids of the regions deleted")


# --- a read ---------------------------------------------------------------------------


class ReadSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReadKind.choices, help_text="reader: a reader's read; consensus: the lead's")
    mosaic = serializers.IntegerField()
    case_code = serializers.CharField()
    reader = serializers.CharField(allow_null=True, help_text="the reader's username; null when blindness hides it")
    status = serializers.ChoiceField(choices=ReadStatus.choices)
    diagnosis = serializers.ChoiceField(choices=Diagnosis.choices, allow_blank=True)
    confidence = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    note = serializers.CharField(allow_blank=True)
    no_suspicious_area = serializers.BooleanField()
    version = serializers.IntegerField(help_text="bumped by every saved change; send it back as read_version")
    region_count = serializers.IntegerField()
    assigned_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    can_edit = serializers.BooleanField(help_text="whether the caller may write to this read now")
    viewed_fraction = serializers.FloatField(help_text="share of the mosaic its reader viewed at diagnostic zoom")


class PaginatedReadListSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReadSerializer(many=True)


class ChoiceSerializer(serializers.Serializer[Any]):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the API field "label" shadows Field.label


class LabelChoiceSerializer(ChoiceSerializer):
    colour = serializers.CharField(help_text="CSS colour the workspace draws the label in")


class VocabularySerializer(serializers.Serializer[Any]):
    diagnoses = ChoiceSerializer(many=True)
    labels = LabelChoiceSerializer(many=True)
    provenances = ChoiceSerializer(many=True)


# --- history ----------------------------------------------------------------------------


class RevisionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(help_text="the read's version after the write it records")
    action = serializers.CharField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    region_count = serializers.IntegerField(allow_null=True)


class ReadFieldsSerializer(serializers.ModelSerializer[Read]):
    class Meta:
        model = Read
        fields = list(FIELD_NAMES)
        # Not read_only_fields: a read-only model field loses its blank choice ("" diagnosis).
        extra_kwargs = {name: {"required": True} for name in FIELD_NAMES}


class RevisionStateSerializer(serializers.Serializer[Any]):
    fields = ReadFieldsSerializer()  # type: ignore[assignment]  # the key "fields" shadows Serializer.fields
    regions = RegionStateSerializer(many=True)


class RevisionDetailSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    snapshot = RevisionStateSerializer()


# --- GeoJSON export and import ------------------------------------------------------------


class ImportFeaturePropertiesSerializer(serializers.Serializer[Any]):
    label = serializers.ChoiceField(choices=FeatureLabel.choices)  # type: ignore[assignment]  # shadows Field.label
    provenance = serializers.ChoiceField(choices=Provenance.choices, required=False)


class ImportFeatureSerializer(serializers.Serializer[Any]):
    type = _constant("Feature")
    geometry = geometry_field()
    properties = ImportFeaturePropertiesSerializer()


class GeoJSONImportSerializer(serializers.Serializer[Any]):
    """A FeatureCollection that replaces all regions of the read (all features valid, or nothing changes)."""

    type = _constant("FeatureCollection")
    features = ImportFeatureSerializer(many=True)
    read_version = serializers.IntegerField(help_text="the read's version the import replaces (409 when stale)")


class RegionFeaturePropertiesSerializer(ImportFeaturePropertiesSerializer):
    provenance = serializers.ChoiceField(choices=Provenance.choices)
    region_id = serializers.IntegerField()


class RegionFeatureSerializer(ImportFeatureSerializer):
    properties = RegionFeaturePropertiesSerializer()


class ReadGeoJSONSerializer(GeoJSONImportSerializer):
    """The export: each region as a Feature, with the read's version."""

    features = RegionFeatureSerializer(many=True)
    read_version = serializers.IntegerField()


class GeoJSONImportResultSerializer(serializers.Serializer[Any]):
    read_version = serializers.IntegerField()
    count = serializers.IntegerField(help_text="regions in the read after the import")


# --- errors -----------------------------------------------------------------------------


class DetailSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


class ReadConflictSerializer(serializers.Serializer[Any]):
    """409: the write lost a race or the read is submitted; reload at these versions."""

    detail = serializers.CharField()
    read_version = serializers.IntegerField()
    version = serializers.IntegerField(required=False, help_text="the region's current version (region writes)")


# 400: each rejected field (or ``non_field_errors``) with its messages.
_MESSAGES = {"type": "array", "items": {"type": "string"}}
VALIDATION_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        # A list field's errors are keyed by the index of the item at fault.
        "additionalProperties": {"oneOf": [_MESSAGES, {"type": "object", "additionalProperties": _MESSAGES}]},
    },
    description="each rejected field (or non_field_errors) with its messages",
)


X_READ_VERSION = OpenApiParameter(
    "X-Read-Version", int, OpenApiParameter.HEADER, response=[204], description="the read's version after the write"
)
# What a read the caller may not see (or a missing one) answers: the same 404.
NOT_FOUND: dict[int, Any] = {404: DetailSerializer}
# The errors every write of a read can answer with, next to its success response.
WRITE_ERRORS: dict[int, Any] = {
    400: VALIDATION_ERRORS,
    403: DetailSerializer,
    **NOT_FOUND,
    409: ReadConflictSerializer,
}


def require_read_version(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: ``read_version`` stays required in the PATCH request components too.

    drf-spectacular makes every field of a PATCH body optional (``Patched...Request``),
    but a write to a read without its version would skip the stale-save check, and
    the API refuses it (400): the typed client must not let it be left out.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.startswith("Patched") and "read_version" in component.get("properties", {}):
            required = component.setdefault("required", [])
            if "read_version" not in required:
                required.append("read_version")
    return result
