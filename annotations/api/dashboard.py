"""The lead's dashboard API (leads and admins; 404 for anyone else): assignment and progress.

- ``GET /api/projects/{slug}/assignment/?limit=&offset=``: mosaics still missing
  reads (with their current readers) and the project's readers with their load;
- ``POST /api/projects/{slug}/assignment/`` ``{"mosaics": [ids] | "all",
  "readers": [usernames]?, "auto": bool?}``: each mosaic gets exactly ``readers``,
  or with ``auto`` its missing reads from the least-loaded readers (among
  ``readers`` when given); a mosaic that cannot be assigned is listed with the
  reason, the others are assigned;
- ``GET /api/projects/{slug}/progress/``: mosaics per center by state, reads per
  reader by status (``annotations.selectors.dashboard`` defines the states).
"""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import ReadStatus
from annotations.selectors.dashboard import MOSAIC_STATES, assignment_overview, project_progress
from annotations.services.assignment import reads_assign_bulk

from .leads import LeadView
from .reading_schema import NOT_FOUND, VALIDATION_ERRORS
from .strict import StrictFieldsMixin

MAX_PAGE = 5000


class AssignmentQuery(serializers.Serializer[Any]):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=500)
    offset = serializers.IntegerField(required=False, min_value=0, default=0)


@extend_schema_field({"oneOf": [{"type": "array", "items": {"type": "integer"}, "maxItems": MAX_PAGE},
                                {"type": "string", "enum": ["all"]}]})  # fmt: skip
class MosaicsField(serializers.Field):
    """A list of mosaic ids, or "all" (every mosaic still missing reads)."""

    def to_internal_value(self, data: Any) -> list[int] | None:
        if data == "all":
            return None
        if (
            isinstance(data, list) and 0 < len(data) <= MAX_PAGE
            and all(isinstance(item, int) and not isinstance(item, bool) for item in data)
        ):  # fmt: skip
            return list(data)
        raise serializers.ValidationError(f'a list of at most {MAX_PAGE} mosaic ids, or "all"')

    def to_representation(self, value: Any) -> Any:
        return value


class AssignmentInput(StrictFieldsMixin, serializers.Serializer[Any]):
    mosaics = MosaicsField()
    readers = serializers.ListField(child=serializers.CharField(max_length=150), required=False, max_length=100)
    auto = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("auto") and not attrs.get("readers"):
            raise serializers.ValidationError({"readers": 'name the readers, or send "auto": true'})
        return attrs


class AwaitingMosaicSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    case_code = serializers.CharField()
    center = serializers.CharField()
    readers = serializers.ListField(child=serializers.CharField())
    missing = serializers.IntegerField(help_text="reads still to assign")


class ReaderLoadSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    open_reads = serializers.IntegerField()
    all_reads = serializers.IntegerField()


class AssignmentOverviewSerializer(serializers.Serializer[Any]):
    readers_per_mosaic = serializers.IntegerField()
    count = serializers.IntegerField(help_text="mosaics still missing reads (before limit/offset)")
    mosaics = AwaitingMosaicSerializer(many=True)
    readers = ReaderLoadSerializer(many=True, help_text="least loaded first")


class AssignedSerializer(serializers.Serializer[Any]):
    mosaic = serializers.IntegerField()
    reads = serializers.ListField(child=serializers.IntegerField())
    readers = serializers.ListField(child=serializers.CharField())


class AssignmentFailureSerializer(serializers.Serializer[Any]):
    mosaic = serializers.IntegerField()
    reason = serializers.CharField()


class AssignmentResultSerializer(serializers.Serializer[Any]):
    assigned = AssignedSerializer(many=True)
    failed = AssignmentFailureSerializer(many=True)


MosaicStatesSerializer = type(
    "MosaicStatesSerializer", (serializers.Serializer,),
    {"mosaics": serializers.IntegerField(), **{state: serializers.IntegerField() for state in MOSAIC_STATES}},
)  # fmt: skip


class CenterProgressSerializer(MosaicStatesSerializer):  # type: ignore[valid-type,misc]
    center = serializers.CharField()


ReaderProgressSerializer = type(
    "ReaderProgressSerializer", (serializers.Serializer,),
    {
        "reader": serializers.CharField(), "reads": serializers.IntegerField(),
        **{status: serializers.IntegerField() for status in ReadStatus.values},
        "mean_viewed_fraction": serializers.FloatField(allow_null=True),
        "submitted_below_min_viewed": serializers.IntegerField(
            help_text="submitted reads viewed less than the project's min_viewed_fraction"),
    },
)  # fmt: skip


class ProgressSerializer(serializers.Serializer[Any]):
    readers_per_mosaic = serializers.IntegerField()
    min_viewed_fraction = serializers.FloatField()
    totals = MosaicStatesSerializer()
    by_center = CenterProgressSerializer(many=True)
    by_reader = ReaderProgressSerializer(many=True)


class ProjectAssignmentView(LeadView):
    @extend_schema(
        operation_id="projects_assignment_retrieve",
        parameters=[AssignmentQuery],
        responses={200: AssignmentOverviewSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        query = self.parse(AssignmentQuery, request.query_params)
        return Response(assignment_overview(project=project, limit=query["limit"], offset=query["offset"]))

    @extend_schema(
        operation_id="projects_assignment_assign",
        request=AssignmentInput,
        responses={200: AssignmentResultSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        data = self.parse(AssignmentInput, request.data)
        names = data.get("readers") or []
        found = {user.get_username(): user for user in get_user_model().objects.filter(username__in=names)}
        missing = [name for name in names if name not in found]
        if missing:
            raise serializers.ValidationError({"readers": [f"not a reader of this project: {', '.join(missing)}"]})
        outcome = reads_assign_bulk(project=project, mosaic_ids=data["mosaics"], by=self.caller(),
                                    readers=[found[name] for name in names], auto=data["auto"])  # fmt: skip
        return Response({
            "assigned": [{"mosaic": mosaic.pk, "reads": [read.pk for read in reads],
                          "readers": [read.reader.get_username() for read in reads]} for mosaic, reads in outcome.assigned],
            "failed": [{"mosaic": mosaic_id, "reason": reason} for mosaic_id, reason in outcome.failed],
        })  # fmt: skip


class ProjectProgressView(LeadView):
    @extend_schema(operation_id="projects_progress_retrieve", responses={200: ProgressSerializer, **NOT_FOUND})
    def get(self, request: Request, slug: str) -> Response:
        return Response(project_progress(project=self.managed_project(slug)))
