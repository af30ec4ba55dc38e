"""Agreement API (leads and admins; 404 for anyone else): the project's, a mosaic's, calibration.

``GET /api/projects/{slug}/agreement/`` answers what is stored (the rows and
aggregates ``manage.py agreement`` prints) with when it was computed and what is
pending; ``POST`` queues a refresh on the cpu queue. ``GET
/api/mosaics/{id}/agreement/`` gives a mosaic's pair results and its disagreement
map, ``GET /api/projects/{slug}/calibration/`` each reader against the consensus.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.selectors.agreement import ROW_ORDERS, agreement_report, calibration_report, mosaic_agreement_detail
from annotations.services.agreement import project_agreement_request

from . import agreement_schema as schema
from .leads import LeadView
from .reading_schema import NOT_FOUND, VALIDATION_ERRORS
from .strict import StrictFieldsMixin

ORDERS = [*ROW_ORDERS, *(f"-{order}" for order in ROW_ORDERS)]
MAX_ROWS = 5000


class AgreementQuery(serializers.Serializer[Any]):
    order = serializers.ChoiceField(choices=ORDERS, required=False, default="mosaic",
                                    help_text="row order; 'dice' puts the lowest agreement first")  # fmt: skip
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ROWS)
    offset = serializers.IntegerField(required=False, min_value=0, default=0)


class AgreementRecomputeInput(StrictFieldsMixin, serializers.Serializer[Any]):
    recompute_all = serializers.BooleanField(required=False, default=False,
                                             help_text="recompute current results too (else missing and stale only)")  # fmt: skip


class PairQuery(serializers.Serializer[Any]):
    a = serializers.IntegerField(required=False, help_text="read id: the map's reader A")
    b = serializers.IntegerField(required=False, help_text="read id: the map's reader B")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("a" in attrs) != ("b" in attrs) or attrs.get("a", 0) == attrs.get("b", 1):
            raise serializers.ValidationError({"b": "give two different reads, a and b, or neither"})
        return attrs


class ProjectAgreementView(LeadView):
    @extend_schema(
        operation_id="projects_agreement_retrieve",
        parameters=[AgreementQuery],
        responses={200: schema.ProjectAgreementSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        query = self.parse(AgreementQuery, request.query_params)
        return Response(agreement_report(project=project, order=query["order"], limit=query.get("limit"),
                                         offset=query["offset"]))  # fmt: skip

    @extend_schema(
        operation_id="projects_agreement_recompute",
        request=AgreementRecomputeInput,
        responses={202: schema.AgreementRequestedSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        data = self.parse(AgreementRecomputeInput, request.data)
        due = project_agreement_request(project=project, by=self.caller(), force=data["recompute_all"])
        return Response({"queued": True, "mosaics_due": due}, status=status.HTTP_202_ACCEPTED)


class MosaicAgreementView(LeadView):
    @extend_schema(
        operation_id="mosaics_agreement_retrieve",
        parameters=[
            OpenApiParameter("a", int, description="read id of the map's reader A (default: the first reader read)"),
            OpenApiParameter("b", int, description="read id of the map's reader B (default: the second)"),
        ],
        responses={200: schema.MosaicAgreementSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, mosaic_id: int) -> Response:
        mosaic = self.managed_mosaic(mosaic_id)
        query = self.parse(PairQuery, request.query_params)
        try:
            detail = mosaic_agreement_detail(mosaic=mosaic, pair=(query["a"], query["b"]) if "a" in query else None)
        except KeyError:
            raise serializers.ValidationError({"a": ["a and b must be reader reads of this mosaic"]}) from None
        return Response(detail)


class ProjectCalibrationView(LeadView):
    @extend_schema(
        operation_id="projects_calibration_retrieve",
        responses={200: schema.ProjectCalibrationSerializer, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(calibration_report(project=self.managed_project(slug)))
