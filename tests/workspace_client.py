"""An API client that writes to reads the way the workspace does: always naming the read's version.

Every write to a read must send ``read_version`` (the stale-save check, issue 11).
The workspace sends the version its save queue holds (``frontend/src/workspace/saveQueue.ts``);
tests that are about something else stand in for it with this client, which adds
the read's current version to a write that names none. Tests of the check itself
send their own (stale) versions, or use a plain ``APIClient`` to leave it out.
"""

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from rest_framework.test import APIClient

from annotations.models import Read, Region

_READ_WRITE = re.compile(
    r"^/api/reads/(\d+)/(?:regions/|erase/|submit/|history/\d+/restore/|geojson|adjudication/"
    r"|suggestions/(?:\d+/(?:accept|edit|reject)/|area/))?$"
)
_REGION_WRITE = re.compile(r"^/api/regions/(\d+)/$")


def _current_version(path: str) -> int | None:
    if match := _READ_WRITE.match(path):
        return Read.objects.filter(pk=int(match[1])).values_list("version", flat=True).first()
    if match := _REGION_WRITE.match(path):
        return Region.objects.filter(pk=int(match[1])).values_list("read__version", flat=True).first()
    return None


class WorkspaceClient(APIClient):
    def _versioned(self, path: str, data: Any) -> Any:
        if not isinstance(data, dict) or "read_version" in data:
            return data
        version = _current_version(urlsplit(path).path)
        return data if version is None else {**data, "read_version": version}

    def post(self, path: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().post(path, self._versioned(path, data if data is not None else {}), *args, **kwargs)

    def patch(self, path: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().patch(path, self._versioned(path, data if data is not None else {}), *args, **kwargs)

    def put(self, path: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().put(path, self._versioned(path, data), *args, **kwargs)

    def delete(self, path: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        parts = urlsplit(path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        version = None if "read_version" in query else _current_version(parts.path)
        if version is not None:
            query["read_version"] = str(version)
            path = f"{parts.path}?{urlencode(query)}"
        return super().delete(path, data, *args, **kwargs)
