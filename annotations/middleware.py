"""A database that is away answers 503 with Retry-After, not a 500 page.

While PostgreSQL restarts (or fails over) every request that needs it fails. A
500 says "bug"; a 503 with ``Retry-After`` says "try again shortly", which the
autosave queue and load balancers act on. Once the database is back, the
persistent connections are checked before reuse (``CONN_HEALTH_CHECKS``), so the
first requests after a restart succeed.
"""

from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        response = JsonResponse(
            {"detail": "the database is unavailable for a moment; retry shortly"},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
