"""The request being served, for ``audit_record`` (services take no request): its client
address, and who is signed in (the actor of a write whose service was called with
``by=None``, as the admin site does).

``AuditContextMiddleware`` sets it for the length of a request; tasks and commands run
without one (their events have no address, and ``by=None`` is the platform itself).
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from users.client_ip import client_ip

_client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)
_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def current_ip() -> str | None:
    return _client_ip.get()


def current_user() -> Any:
    """The signed-in user of the request being served (DRF sets its user on the request too), or None."""
    request = _request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ip_token, request_token = _client_ip.set(client_ip(request)), _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(ip_token)
            _request.reset(request_token)
