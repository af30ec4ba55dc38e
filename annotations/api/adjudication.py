"""Adjudication API: start a consensus, list and decide its components, send to a third reader.

Leads and admins of the project only (404 for anyone else, readers included):

- ``POST /api/mosaics/{id}/consensus/`` ``{"start": "intersection"|"union"|"majority"}``
  → 201 the consensus read (open it in the workspace at ``/reads/{id}/``);
- ``GET /api/reads/{id}/adjudication/`` → the components with their status and
  every decision (who, when, why, in effect or undone by a restore);
- ``POST /api/reads/{id}/adjudication/`` ``{"component", "choice", "reason",
  "read_version"}`` → 201 the adjudication after the decision (its
  ``read_version`` is the consensus's new version; 409 on a stale one);
- ``POST /api/mosaics/{id}/third-reader/`` ``{"reader": username}`` → 201 the new read.
"""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import ComponentKind, ConsensusStart, DecisionChoice, Read
from annotations.selectors.adjudication import COMPONENT_STATUSES, adjudication_detail, consensus_managed
from annotations.services import reads as read_services
from annotations.services.adjudication import (
    MAX_REASON,
    adjudication_decide,
    consensus_create,
    mosaic_send_to_third_reader,
)
from annotations.services.assignment import project_readers_named

from . import reading_serializers as io
from .leads import LeadView
from .reading_schema import NOT_FOUND, WRITE_ERRORS, ReadConflictSerializer, ReadSerializer
from .strict import StrictFieldsMixin

# --- bodies ---------------------------------------------------------------------------


class ConsensusInput(StrictFieldsMixin, serializers.Serializer[Any]):
    start = serializers.ChoiceField(choices=ConsensusStart.choices, required=False, default=ConsensusStart.INTERSECTION)


class DecisionInput(StrictFieldsMixin, io.ReadVersionMixin):
    component = serializers.IntegerField(min_value=1, help_text="the component's id (its number in the adjudication)")
    choice = serializers.ChoiceField(choices=DecisionChoice.choices)
    reason = serializers.CharField(max_length=MAX_REASON, help_text="why (required)")


class ThirdReaderInput(StrictFieldsMixin, serializers.Serializer[Any]):
    reader = serializers.CharField(max_length=150, help_text="username of a reader of the project")


class SourceSerializer(serializers.Serializer[Any]):
    letter = serializers.CharField(help_text="a, b, c …: accept_<letter> takes this read's reading")
    read = serializers.IntegerField()
    reader = serializers.CharField()
    version = serializers.IntegerField(help_text="the read's version the consensus was built from")


class ComponentSourceSerializer(serializers.Serializer[Any]):
    letter = serializers.CharField()
    read = serializers.IntegerField()
    reader = serializers.CharField()
    labels = serializers.ListField(child=serializers.CharField(),
                                   help_text="labels this read gave inside the component, largest first; "
                                             "empty: it marked nothing there")  # fmt: skip


class DecisionSerializer(serializers.Serializer[Any]):
    component = serializers.IntegerField()
    choice = serializers.ChoiceField(choices=DecisionChoice.choices)
    reason = serializers.CharField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField()
    revision = serializers.IntegerField(help_text="the consensus revision the decision wrote")
    in_effect = serializers.BooleanField(help_text="false once a restore took the consensus back before it")


class ComponentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="the component's number in this adjudication")
    kind = serializers.ChoiceField(choices=ComponentKind.choices,
                                   help_text="extent: marked by some readers only; label: all, with other labels")  # fmt: skip
    geometry = io.GeometryInput()
    area_px = serializers.FloatField()
    bbox = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4)
    sources = ComponentSourceSerializer(many=True)
    status = serializers.ChoiceField(choices=COMPONENT_STATUSES)
    decision = DecisionSerializer(allow_null=True, help_text="the latest decision in effect")


class AdjudicationSerializer(serializers.Serializer[Any]):
    consensus = serializers.IntegerField(help_text="the consensus read's id")
    mosaic = serializers.IntegerField()
    start = serializers.ChoiceField(choices=ConsensusStart.choices)
    read_version = serializers.IntegerField(help_text="the consensus's version: send it back as read_version")
    status = serializers.CharField(help_text="the consensus read's status")
    sources = SourceSerializer(many=True)
    components = ComponentSerializer(many=True)
    decisions = DecisionSerializer(many=True)
    open = serializers.IntegerField(help_text="components without a decision in effect")


CREATE_ERRORS: dict[int, Any] = {400: WRITE_ERRORS[400], 403: WRITE_ERRORS[403], **NOT_FOUND}

# --- views ----------------------------------------------------------------------------


class MosaicConsensusView(LeadView):
    @extend_schema(request=ConsensusInput, responses={201: ReadSerializer, **CREATE_ERRORS})
    def post(self, request: Request, mosaic_id: int) -> Response:
        mosaic = self.managed_mosaic(mosaic_id)
        data = self.parse(ConsensusInput, request.data)
        consensus = consensus_create(mosaic=mosaic, by=self.caller(), start=data["start"])
        return Response(_read_body(request, consensus), status=status.HTTP_201_CREATED)


class MosaicThirdReaderView(LeadView):
    @extend_schema(request=ThirdReaderInput, responses={201: ReadSerializer, **CREATE_ERRORS})
    def post(self, request: Request, mosaic_id: int) -> Response:
        mosaic = self.managed_mosaic(mosaic_id)
        data = self.parse(ThirdReaderInput, request.data)
        # Every name that is no reader of the project answers alike (no username enumeration).
        [reader] = project_readers_named(mosaic=mosaic, usernames=[data["reader"]], by=self.caller(), field="reader")
        read = mosaic_send_to_third_reader(mosaic=mosaic, reader=reader, by=self.caller())
        return Response(_read_body(request, read), status=status.HTTP_201_CREATED)


class AdjudicationView(LeadView):
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, read_services.ReadConflict):
            return Response({"detail": exc.detail, **exc.current}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def consensus(self, read_id: int) -> Read:
        read = consensus_managed(user=self.request.user, read_id=read_id)
        if read is None:
            raise Http404("no such consensus read")
        return read

    @extend_schema(operation_id="reads_adjudication_retrieve", responses={200: AdjudicationSerializer, **NOT_FOUND})
    def get(self, request: Request, read_id: int) -> Response:
        detail = adjudication_detail(consensus=self.consensus(read_id))
        if detail is None:
            raise Http404("the read is not under adjudication")
        return Response(detail)

    @extend_schema(
        operation_id="reads_adjudication_decide",
        request=DecisionInput,
        responses={201: AdjudicationSerializer, **CREATE_ERRORS, 409: ReadConflictSerializer},
    )
    def post(self, request: Request, read_id: int) -> Response:
        consensus = self.consensus(read_id)
        data = self.parse(DecisionInput, request.data)
        adjudication_decide(consensus=consensus, by=self.caller(), **data)
        return Response(adjudication_detail(consensus=consensus), status=status.HTTP_201_CREATED)


def _read_body(request: Request, read: Read) -> dict[str, Any]:
    fresh = Read.objects.select_related("mosaic__case__project", "reader").get(pk=read.pk)
    return io.read_dict(fresh, io.Viewer(request.user))
