"""The deep-zoom endpoints in ``/api/schema/``, which drf-spectacular cannot see by itself.

Tiles are served by plain Django views (``annotations.api.tiles``, no DRF, for
speed), so the schema generator skips them. This postprocessing hook adds them:
each operation's path and path parameters come from the routes themselves
(``tiles_urls``, reversed with placeholder values, so the documented path is the
served one); its query parameters and responses are described here, the image
formats taken from ``annotations.tiles.render.CONTENT_TYPES``.
``tests/annotations/test_api_contract.py`` checks real responses against them.
"""

import re
from typing import Any

from django.urls import URLPattern, reverse

from annotations.tiles.render import CONTENT_TYPES

from .tiles_urls import urlpatterns

_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
_FIELD_ERRORS = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
_IMAGE = {content_type: {"schema": {"type": "string", "format": "binary"}} for content_type in CONTENT_TYPES.values()}
_FORMAT = {"type": "string", "enum": list(CONTENT_TYPES)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    return {"in": "query", "name": name, "schema": schema, "description": description, "required": required}


def _integer(minimum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum}


_REFUSALS = {
    "304": {"description": "not modified (the If-None-Match ETag is current)"},
    "401": _json(_DETAIL, "bad credentials"),
    "404": _json(_DETAIL, "no such mosaic (or not visible to the caller), or no such tile"),
    "409": _json(_DETAIL, "the mosaic is not ready, or its pyramid cannot be read"),
}
_CACHED = {"ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}}}

# Route name -> (summary, query parameters, the 200 response's content, path parameter schemas)
_OPERATIONS: dict[str, tuple[str, list[dict[str, Any]], dict[str, Any], dict[str, Any]]] = {
    "mosaic-dzi": (
        "The mosaic's Deep Zoom descriptor (OpenSeadragon opens it; tiles are under dzi_files/).",
        [], {"application/xml": {"schema": {"type": "string"}}}, {},
    ),
    "mosaic-dzi-tile": (
        "One Deep Zoom tile.",
        [], _IMAGE, {"fmt": _FORMAT},
    ),
    "mosaic-granted-tile": (
        "One Deep Zoom tile at its session-bound URL (the descriptor names these when nginx serves tiles; "
        "nginx passes a request on here when it has no file for it).",
        [], _IMAGE,
        {"fmt": _FORMAT, "grant_tag": {"type": "string"}, "grant_signature": {"type": "string"}},
    ),
    "mosaic-thumbnail": (
        "The whole mosaic fitted in size x size pixels.",
        [
            _query("size", {**_integer(1), "maximum": 1024, "default": 256}, "the longer side in pixels"),
            _query("format", {**_FORMAT, "default": "png"}, "image format"),
        ],
        _IMAGE, {},
    ),
    "mosaic-region": (
        "A full-resolution rectangle of the mosaic, scaled by scale (0 < scale <= 1).",
        [
            _query("left", _integer(0), "full-resolution x of the rectangle", required=True),
            _query("top", _integer(0), "full-resolution y of the rectangle", required=True),
            _query("width", _integer(1), "full-resolution width", required=True),
            _query("height", _integer(1), "full-resolution height", required=True),
            _query("scale", {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 1, "default": 1},
                   "output scale"),
            _query("format", {**_FORMAT, "default": "png"}, "image format"),
        ],
        _IMAGE, {},
    ),
}  # fmt: skip


def _path_and_parameters(pattern: URLPattern) -> tuple[str, list[str]]:
    """The mounted path of a route with ``{name}`` for each URL parameter, and those names."""
    names = list(pattern.pattern.converters)
    placeholders: dict[str, int | str] = {name: 900_001 + index for index, name in enumerate(names)}
    if "fmt" in placeholders:
        placeholders["fmt"] = "jpeg"  # a str route value
    path = reverse(pattern.name, kwargs=placeholders)
    for name, value in placeholders.items():
        path = re.sub(rf"(?<![0-9A-Za-z]){re.escape(str(value))}(?![0-9A-Za-z])", f"{{{name}}}", path, count=1)
    return path, names


def tile_operations() -> dict[str, dict[str, Any]]:
    """OpenAPI path items of the tile routes."""
    paths: dict[str, dict[str, Any]] = {}
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern) and pattern.name in _OPERATIONS, pattern
        summary, query, content, path_schemas = _OPERATIONS[pattern.name]
        path, names = _path_and_parameters(pattern)
        parameters = [
            {"in": "path", "name": name, "required": True, "schema": path_schemas.get(name, {"type": "integer"})}
            for name in names
        ]
        paths[path] = {
            "get": {
                "operationId": pattern.name.replace("-", "_"),
                "summary": summary,
                "tags": ["mosaics"],
                "parameters": parameters + query,
                "security": [{"cookieAuth": []}, {"tokenAuth": []}],
                "responses": {
                    "200": {"description": summary, "content": content, "headers": _CACHED},
                    "400": _json(_FIELD_ERRORS, "a malformed parameter, named with its message"),
                    **_REFUSALS,
                },
            }
        }
    return paths


def add_tile_operations(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    result.setdefault("paths", {}).update(tile_operations())
    return result
