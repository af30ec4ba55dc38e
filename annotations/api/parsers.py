"""Request parsers for the whole API.

DRF's JSON parser lets a RecursionError from absurdly nested JSON escape as a 500;
here it is a 400 like any other malformed body. GeoJSON bodies
(``application/geo+json``) parse the same way.
"""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply") from error


class GeoJSONParser(SafeJSONParser):
    media_type = "application/geo+json"
