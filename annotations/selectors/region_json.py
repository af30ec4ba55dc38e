"""A region as JSON: one list of keys, rendered by Python and by PostgreSQL.

The API's region object (component ``Region`` of ``/api/schema/``) and the region
kept in a revision are both read off ``REGION_JSON``: each entry pairs a JSON key
with the value behind it, and that value renders itself two ways — as a Python
value of a loaded ``Region``, and as an ORM expression that Django compiles into
PostgreSQL's ``json_build_object`` (the viewport listing, the workspace's hot
path, where the database writes each region's JSON and Python never decodes the
geometry). A key added, renamed or reordered here changes every rendering at once.
What is written twice is only how each *kind* of value renders (a column, an area
in mm², the bounding box, a timestamp); ``tests/annotations/reading/
test_portable_twins.py`` compares the two renderings over real rows.

Timestamps use one format in the whole API: UTC, ISO 8601, microseconds, ``Z``.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db.models import Expression, F, Field, FloatField, Func, JSONField, TextField, Value
from django.db.models.functions import Cast, Coalesce

from annotations.models import Region


def _attname(name: str) -> str:
    field = Region._meta.get_field(name)
    assert isinstance(field, Field)
    return field.attname


def utc_timestamp(moment: datetime | None) -> str | None:
    """The API's timestamp format (PostgreSQL's twin: ``Timestamp.expression``)."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Rendered(Protocol):
    def python(self, region: Region, mm2_per_px: float) -> Any: ...

    def expression(self, mm2_per_px: Any) -> Any: ...


@dataclass(frozen=True)
class Column:
    """A model field as stored (a foreign key gives its id)."""

    field: str

    def python(self, region: Region, mm2_per_px: float) -> Any:
        return getattr(region, _attname(self.field))

    def expression(self, mm2_per_px: Any) -> Any:
        return F(self.field)


@dataclass(frozen=True)
class Outline:
    """The stored low-resolution outline (``annotations.geometry.outline``), the geometry where none is stored."""

    def python(self, region: Region, mm2_per_px: float) -> Any:
        return region.outline if region.outline is not None else region.geometry

    def expression(self, mm2_per_px: Any) -> Any:
        return Coalesce(F("outline"), F("geometry"), output_field=JSONField())


@dataclass(frozen=True)
class AreaMm2:
    """The area in mm²: ``area_px`` times the mosaic's mm² per pixel."""

    def python(self, region: Region, mm2_per_px: float) -> Any:
        return region.area_px * mm2_per_px

    def expression(self, mm2_per_px: Any) -> Any:
        return Func(F("area_px"), Value(mm2_per_px), template="(%(expressions)s)", arg_joiner=" * ",
                    output_field=FloatField())  # fmt: skip


@dataclass(frozen=True)
class BoundingBox:
    """``[min_x, min_y, max_x, max_y]`` in full-resolution pixels."""

    def python(self, region: Region, mm2_per_px: float) -> Any:
        return [region.min_x, region.min_y, region.max_x, region.max_y]

    def expression(self, mm2_per_px: Any) -> Any:
        corners = (F("min_x"), F("min_y"), F("max_x"), F("max_y"))
        return Func(*corners, function="json_build_array", output_field=JSONField())


@dataclass(frozen=True)
class Timestamp:
    field: str

    def python(self, region: Region, mm2_per_px: float) -> Any:
        return utc_timestamp(getattr(region, self.field))

    def expression(self, mm2_per_px: Any) -> Any:
        # ``utc_timestamp``'s format in PostgreSQL's to_char.
        return Func(F(self.field), template="""to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
                    output_field=TextField())  # fmt: skip


# The API's region, in the order its JSON lists the keys.
REGION_JSON: tuple[tuple[str, _Rendered], ...] = (
    ("id", Column("id")),
    ("read", Column("read")),
    ("label", Column("label")),
    ("geometry", Column("geometry")),
    ("provenance", Column("provenance")),
    # An AI-derived region's model and suggestion (null for drawn, imported or consensus regions).
    ("ai_model", Column("ai_model")),
    ("ai_suggestion_id", Column("ai_suggestion_id")),
    ("version", Column("version")),
    ("area_px", Column("area_px")),
    ("area_mm2", AreaMm2()),
    ("bbox", BoundingBox()),
    ("vertex_count", Column("vertex_count")),
    ("created_at", Timestamp("created_at")),
    ("updated_at", Timestamp("updated_at")),
)
API_KEYS = tuple(key for key, _ in REGION_JSON)
# A region as a revision keeps it: enough to restore it without recomputing its geometry.
REVISION_KEYS = (
    "id", "label", "geometry", "provenance", "ai_model", "ai_suggestion_id", "version", "bbox", "area_px", "vertex_count",
)  # fmt: skip
_BY_KEY = dict(REGION_JSON)
# With ``outline``, the ``geometry`` key carries the outline instead (the regions listing's ``outline=true``).
_OUTLINE_BY_KEY = {**_BY_KEY, "geometry": Outline()}


def without_geometry(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(key for key in keys if key != "geometry")


def region_body(
    region: Region, *, keys: tuple[str, ...] = API_KEYS, mm2_per_px: float = 0.0, outline: bool = False
) -> dict[str, Any]:
    """The region as a dict with ``keys``, in that order (with ``outline``, its geometry is the outline)."""
    renderers = _OUTLINE_BY_KEY if outline else _BY_KEY
    return {key: renderers[key].python(region, mm2_per_px) for key in keys}


def region_json_expression(
    *, keys: tuple[str, ...] = API_KEYS, mm2_per_px: Any = 0.0, outline: bool = False
) -> Expression:
    """``region_body`` as an ORM expression: the region's JSON text, written by PostgreSQL."""
    renderers = _OUTLINE_BY_KEY if outline else _BY_KEY
    arguments: list[Any] = []
    for key in keys:
        # Keys are cast to text: json_build_object's arguments have no type of their own.
        arguments += [Cast(Value(key), TextField()), renderers[key].expression(mm2_per_px)]
    return Cast(Func(*arguments, function="json_build_object", output_field=JSONField()), TextField())


def updated_at_expression() -> Any:
    """The region's ``updated_at`` as the API writes it (for caches keyed by region state)."""
    return _BY_KEY["updated_at"].expression(0.0)


def in_region_order(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Region dicts in the order the database lists regions (``Region.Meta.ordering``: largest first)."""
    for name in reversed(list(Region._meta.ordering or ())):
        assert isinstance(name, str)
        key = name.removeprefix("-")
        regions = sorted(regions, key=lambda region: region[key], reverse=name.startswith("-"))  # stable
    return regions
