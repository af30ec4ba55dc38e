"""The address of the client behind the platform's proxies, for lockouts and the audit trail.

``X-Forwarded-For`` is written by whoever sends the request, so only the entries that
our own proxies appended can be believed. The documented nginx (platform/nginx)
appends the address it saw (``$proxy_add_x_forwarded_for``): with
``RCM_TRUSTED_PROXY_COUNT`` proxies in front of Django, the client is the N-th entry
from the right. With 0 (the default, Django served directly) the header is ignored:
a client choosing its own address would escape a lockout by naming a new one each time.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    hops: int = settings.RCM_TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    return forwarded[-hops]
