"""Request parsers for the whole API: bounded bodies, and malformed JSON as a 400.

DRF reads request bodies itself, past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
and nginx lets 2 GB through (for whole-file uploads): without a limit here, one
JSON body could take a worker's memory. Every parser refuses a body whose
Content-Length is above the view's limit with a 413, before reading a byte of it
(a body without Content-Length reads as empty in Django). A view names its limit
by setting (``body_limit_setting``); the default is ``RCM_MAX_JSON_BYTES``.

DRF's JSON parser lets a RecursionError from absurdly nested JSON escape as a 500;
here it is a 400 like any other malformed body. GeoJSON bodies
(``application/geo+json``) parse the same way.
"""

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from .errors import PayloadTooLarge

DEFAULT_LIMIT_SETTING = "RCM_MAX_JSON_BYTES"


def body_limit(view: Any) -> tuple[int, str]:
    """The view's body limit in bytes, and the setting that holds it."""
    name = getattr(view, "body_limit_setting", DEFAULT_LIMIT_SETTING)
    return int(getattr(settings, name)), name


def check_body_size(parser_context: Any) -> None:
    context = parser_context or {}
    request = context.get("request")
    declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    limit, name = body_limit(context.get("view"))
    if declared > limit:
        raise PayloadTooLarge(f"the request body is {declared:,} bytes; this endpoint takes at most {limit:,} ({name})")


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        check_body_size(parser_context)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply") from error


class GeoJSONParser(SafeJSONParser):
    media_type = "application/geo+json"


class BoundedFormParser(FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        check_body_size(parser_context)
        return super().parse(stream, media_type, parser_context)


class BoundedMultiPartParser(MultiPartParser):
    """Multipart on ordinary endpoints (forms, the browsable API); uploads have their own view."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        check_body_size(parser_context)
        return super().parse(stream, media_type, parser_context)
