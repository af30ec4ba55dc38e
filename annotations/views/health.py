"""``/healthz``: is the database reachable, is the broker reachable.

Answers 200 when both are, 503 otherwise. Anyone (a load balancer) reads only that:
``{"status": "ok"}`` or ``{"status": "unavailable"}``. Signed-in staff also read what
failed and why: the error text names hosts, ports and versions, which an anonymous
caller has no business learning.
"""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery_app import app as celery_app


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return False, f"{type(error).__name__}: {error}"


def _broker_ok() -> tuple[bool, str]:
    try:
        # The URL is read from settings on each call so a changed setting is honoured.
        with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as error:  # noqa: BLE001
        return False, f"{type(error).__name__}: {error}"


def _is_staff(request: HttpRequest) -> bool:
    try:
        return bool(request.user.is_active and request.user.is_staff)
    except DatabaseError:  # the session lives in the database: with it away, nobody is known
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database_ok, database_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = database_ok and broker_ok
    body = {"status": "ok" if healthy else "unavailable"}
    if _is_staff(request):
        body |= {"database": database_detail, "broker": broker_detail}
    return JsonResponse(body, status=200 if healthy else 503)
