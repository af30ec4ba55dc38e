"""``GET /api/audit/``: the audit trail for project leads (their projects) and administrators.

Filters: ``user`` (a username), ``action`` (exact, or a family such as ``read.``),
``project`` (a slug), ``since`` / ``until`` (ISO dates or times; ``until`` excluded).
Paginated JSON, or every matching event as CSV with ``?format=csv`` (streamed, so an
export of a whole study does not sit in memory). Read-only: there is no write route.
"""

import csv
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from annotations.api.pagination import PlatformPagination
from annotations.api.reading_schema import VALIDATION_ERRORS, DetailSerializer
from audit.models import AuditEvent
from audit.selectors import audit_events_visible_to, can_read_audit

CSV_COLUMNS = ["id", "at", "username", "user_id", "action", "object_type", "object_id", "project_id", "ip",
               "before", "after"]  # fmt: skip


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    before = serializers.JSONField(allow_null=True, help_text="the changed values before the event (writes)")
    after = serializers.JSONField(allow_null=True, help_text="the values after the event")

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "username", "user", "action", "object_type", "object_id", "project", "ip",
                  "before", "after"]  # fmt: skip
        read_only_fields = fields


class AuditEventPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AuditEventSerializer(many=True)


class CSVRenderer(BaseRenderer):
    """Selected by ``?format=csv``; the view streams the rows itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data).encode() if data is not None else b""  # errors only (a 400 or 403 body)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow([
            event.pk, event.at.isoformat(), event.username, event.user_id or "", event.action, event.object_type,
            event.object_id, event.project_id or "", event.ip or "",
            "" if event.before is None else json.dumps(event.before), "" if event.after is None else json.dumps(event.after),
        ])  # fmt: skip


def _when(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    """An ISO date or date-time; a bare date means its start (``until``: the next day's start)."""
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValidationError({name: f"{value!r} is not an ISO date or date-time"})
        moment = datetime.combine(day, time.min)
        if end:
            moment += timedelta(days=1)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class AuditEventListView(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        operation_id="audit_list",
        parameters=[
            OpenApiParameter("user", str, description="events of this username"),
            OpenApiParameter("action", str, description='an action ("login", "read.region_update"), or a family ("read.")'),
            OpenApiParameter("project", str, description="a project's slug"),
            OpenApiParameter("since", str, description="ISO date or date-time (included)"),
            OpenApiParameter("until", str, description="ISO date or date-time (excluded; a date: through that day)"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv: every matching event, unpaginated"),
        ],
        responses={
            (200, "application/json"): AuditEventPageSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="every matching event, one per row"),
            400: VALIDATION_ERRORS,
            403: DetailSerializer,
        },
    )
    def get(self, request: Request) -> Any:
        if not can_read_audit(user=request.user):
            raise PermissionDenied("only project leads and administrators read the audit trail")
        params = request.query_params
        events = audit_events_visible_to(
            user=request.user, username=params.get("user") or None, action=params.get("action") or None,
            project=params.get("project") or None, since=_when(params.get("since"), "since"),
            until=_when(params.get("until"), "until", end=True),
        )  # fmt: skip
        if request.accepted_renderer.format == "csv":
            response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
            return response
        paginator = PlatformPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(AuditEventSerializer(page, many=True).data)
