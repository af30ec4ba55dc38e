"""Reading API: assignment, reads, regions, history and GeoJSON.

The contract is the OpenAPI schema at ``/api/schema/``: every operation declares
its request and its responses there (components in ``reading_schema``), and a test
validates real responses against it.

Thin views: each parses with a serializer, finds the read through
``annotations.selectors.reads`` (what the caller may not see is a 404, so blind
reads do not exist for a peer), and hands writes to a service. Services raise
``PermissionDenied`` (403), ``ValidationError`` (400) and ``ReadConflict`` (409,
with the current versions so the page can offer a reload).
"""

import json
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access_matrix import MatrixPermission
from annotations.geometry.overview import simplified_geometries
from annotations.models import Provenance, Read, ReadRevision, ReadStatus, Region
from annotations.selectors import access
from annotations.selectors import reads as read_selectors
from annotations.selectors.coverage import viewed_fraction_expression
from annotations.selectors.region_json import utc_timestamp
from annotations.services import assignment, reads, regions
from annotations.services.revisions import revision_state
from annotations.vocabulary import FEATURE_LABEL_COLOURS, Diagnosis, FeatureLabel
from users.models import User

from . import reading_schema as schema
from . import reading_serializers as io
from .pagination import PlatformPagination
from .parsers import GeoJSONParser, SafeJSONParser


class ReadingView(APIView):
    # Base of every reading endpoint: a ``ReadConflict`` becomes a 409 with the current
    # versions. (A comment, not a docstring: drf-spectacular would give it to every operation.)

    parser_classes = [SafeJSONParser, GeoJSONParser]
    permission_classes = [MatrixPermission]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, reads.ReadConflict):
            return Response({"detail": exc.detail, **exc.current}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Reads and regions are kept by no cache, the browser's included: on a workstation
        # two readers share, a cached answer would show one reader's work to the other.
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def visible_reads(self) -> QuerySet[Read]:
        return read_selectors.reads_visible_to(user=self.request.user).select_related(*read_selectors.READ_CONTEXT)

    def get_read(self, read_id: int) -> Read:
        read = read_selectors.read_for(user=self.request.user, read_id=read_id)
        if read is None:
            raise Http404("no such read")
        return read

    def caller(self) -> User:
        """The signed-in user (every reading endpoint requires one; an anonymous call never gets here)."""
        user = self.request.user
        if not isinstance(user, User):
            raise NotAuthenticated()
        return user

    def viewer(self) -> io.Viewer:
        return io.Viewer(self.request.user)

    def parse(self, serializer_class: type, data: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class VocabularyView(APIView):
    """The diagnoses, feature labels (with their colours) and provenances the platform knows."""

    permission_classes = [MatrixPermission]

    @extend_schema(responses=schema.VocabularySerializer)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "diagnoses": [{"value": c.value, "label": c.label} for c in Diagnosis],
                "labels": [
                    {"value": c.value, "label": c.label, "colour": FEATURE_LABEL_COLOURS[c]} for c in FeatureLabel
                ],
                "provenances": [{"value": c.value, "label": c.label} for c in Provenance],
            }
        )


class MosaicAssignView(ReadingView):
    """Leads assign a mosaic to readers (``readers``: usernames) or to the least loaded (``auto``)."""

    @extend_schema(request=io.AssignInput, responses={201: schema.ReadSerializer(many=True), **schema.WRITE_ERRORS})
    def post(self, request: Request, mosaic_id: int) -> Response:
        mosaic = get_object_or_404(access.mosaics_visible_to(user=request.user), pk=mosaic_id)
        data = self.parse(io.AssignInput, request.data)
        if data.get("auto"):
            created = assignment.read_assign_balanced(mosaic=mosaic, by=self.caller())
        else:
            # Only leads and admins get past this, and every unknown name answers alike.
            readers = assignment.project_readers_named(mosaic=mosaic, usernames=data["readers"], by=self.caller())
            created = assignment.read_assign(mosaic=mosaic, readers=readers, by=self.caller())
        viewer = self.viewer()
        created_reads = self.visible_reads().filter(pk__in=[read.pk for read in created])
        return Response([io.read_dict(read, viewer, 0) for read in created_reads], status=status.HTTP_201_CREATED)


class MosaicReadsView(ReadingView):
    """The reads of a mosaic the caller may see (blind peers' reads are not listed)."""

    @extend_schema(
        operation_id="mosaics_reads_list", responses={200: schema.ReadSerializer(many=True), **schema.NOT_FOUND}
    )
    def get(self, request: Request, mosaic_id: int) -> Response:
        mosaic = get_object_or_404(access.mosaics_visible_to(user=request.user), pk=mosaic_id)
        viewer = self.viewer()
        visible = self.visible_reads().filter(mosaic=mosaic)
        visible = visible.annotate(region_count=Count("regions"), viewed_fraction=viewed_fraction_expression())
        return Response([io.read_dict(read, viewer) for read in visible.order_by("assigned_at", "id")])


class ReadListView(ReadingView):
    """The caller's worklist, oldest first; leads add ``?all=1&project=slug`` for everyone's reads."""

    def get_queryset(self) -> QuerySet[Read]:
        params = self.request.query_params
        wanted = params.get("status") or None
        if wanted is not None and wanted not in ReadStatus.values:
            raise ValidationError({"status": [f"status is one of {', '.join(ReadStatus.values)}"]})
        if params.get("all") in ("1", "true"):
            queryset = read_selectors.reads_of_managed_projects(
                user=self.request.user, project_slug=params.get("project")
            )
            if wanted:
                queryset = queryset.filter(status=wanted)
        else:
            queryset = read_selectors.worklist_for(user=self.request.user, status=wanted)
            if params.get("project"):
                queryset = queryset.filter(mosaic__case__project__slug=params["project"])
        return queryset.select_related(*read_selectors.READ_CONTEXT).annotate(
            region_count=Count("regions"), viewed_fraction=viewed_fraction_expression()
        )

    @extend_schema(
        operation_id="reads_list",
        parameters=[
            OpenApiParameter("status", str, enum=ReadStatus.values, description="only reads in this status"),
            OpenApiParameter("all", str, enum=["1", "true"], description="leads: everyone's reads of their projects"),
            OpenApiParameter("project", str, description="only this project's reads (its slug)"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description=f"at most {PlatformPagination.max_page_size}"),
        ],
        responses={200: schema.PaginatedReadListSerializer, 400: schema.VALIDATION_ERRORS},
    )
    def get(self, request: Request) -> Response:
        paginator = PlatformPagination()
        page = paginator.paginate_queryset(self.get_queryset(), request, view=self)
        viewer = self.viewer()
        return paginator.get_paginated_response([io.read_dict(read, viewer) for read in page or []])


class ReadDetailView(ReadingView):
    """A read; its reader changes the case-level fields (diagnosis, confidence, note, no_suspicious_area)."""

    @extend_schema(responses={200: schema.ReadSerializer, **schema.NOT_FOUND})
    def get(self, request: Request, read_id: int) -> Response:
        return Response(io.read_dict(self.get_read(read_id), self.viewer()))

    @extend_schema(request=io.ReadFieldsInput, responses={200: schema.ReadSerializer, **schema.WRITE_ERRORS})
    def patch(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        data = self.parse(io.ReadFieldsInput, request.data)
        read_version = data.pop("read_version")
        read = reads.read_update_fields(read=read, by=self.caller(), read_version=read_version, **data)
        return Response(io.read_dict(read, self.viewer()))


class ReadRegionsView(ReadingView):
    """The regions of a read in a viewport, largest first; a new stroke (merged with the same label's)."""

    body_limit_setting = "RCM_MAX_SHAPE_JSON_BYTES"  # one region, up to MAX_VERTICES

    @extend_schema(
        operation_id="reads_regions_list",
        parameters=[io.BBoxInput],
        responses={200: schema.RegionListSerializer, 400: schema.VALIDATION_ERRORS, **schema.NOT_FOUND},
    )
    def get(self, request: Request, read_id: int) -> HttpResponse:
        read = self.get_read(read_id)
        params = self.parse(io.BBoxInput, request.query_params)
        bbox = read_selectors.BBox(*params["bbox"]) if "bbox" in params else None
        tolerance = params.get("simplify", 0)
        outline = bool(params.get("outline"))
        rows = read_selectors.region_json_in_viewport(
            read=read, bbox=bbox, min_area=params.get("min_area", 0), mm2_per_px=io.region_scale(read),
            with_geometry=tolerance == 0, outline=outline,
        )  # fmt: skip
        if tolerance > 0:
            # Zoomed out: thinned outlines, cached per region state (annotations.geometry.overview).
            geometries = simplified_geometries(
                [(region_id, updated) for region_id, updated, _ in rows],
                tolerance,
                lambda ids: read_selectors.region_geometry_texts(read=read, region_ids=ids),
            )
            texts = [
                '{"geometry": ' + geometry + ", " + row[2][1:] for row, geometry in zip(rows, geometries, strict=True)
            ]
        else:
            texts = [text for _, _, text in rows]
        detail = "outline" if outline else "simplified" if tolerance > 0 else "full"
        body = f'{{"read_version": {read.version}, "detail": "{detail}", "results": [{", ".join(texts)}]}}'
        return HttpResponse(body, content_type="application/json")

    @extend_schema(request=io.RegionAddInput, responses={201: schema.WriteResultSerializer, **schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        data = self.parse(io.RegionAddInput, request.data)
        result = regions.region_add(read=read, by=self.caller(), **data)
        return Response(io.write_result_dict(result, io.region_scale(read)), status=status.HTTP_201_CREATED)


class ReadEraseView(ReadingView):
    """Subtract a shape from every region it crosses (only one label's when given)."""

    body_limit_setting = "RCM_MAX_SHAPE_JSON_BYTES"  # one region, up to MAX_VERTICES

    @extend_schema(request=io.EraseInput, responses={200: schema.WriteResultSerializer, **schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        data = self.parse(io.EraseInput, request.data)
        result = regions.region_erase(read=read, by=self.caller(), **data)
        return Response(io.write_result_dict(result, io.region_scale(read)))


class RegionDetailView(ReadingView):
    """One region; edits and deletes name the region's version they were made from."""

    body_limit_setting = "RCM_MAX_SHAPE_JSON_BYTES"  # one region, up to MAX_VERTICES

    def get_region(self, region_id: int, *, with_geometry: bool = True) -> Region:
        # Writes re-read the region under the read's lock, so they skip its geometry here.
        region = read_selectors.region_for(user=self.request.user, region_id=region_id, with_geometry=with_geometry)
        if region is None:
            raise Http404("no such region")
        return region

    @extend_schema(responses={200: schema.RegionSerializer, **schema.NOT_FOUND})
    def get(self, request: Request, region_id: int) -> Response:
        region = self.get_region(region_id)
        return Response(io.region_dict(region, io.region_scale(region.read)))

    @extend_schema(request=io.RegionUpdateInput, responses={200: schema.RegionSerializer, **schema.WRITE_ERRORS})
    def patch(self, request: Request, region_id: int) -> Response:
        region = self.get_region(region_id, with_geometry=False)
        data = self.parse(io.RegionUpdateInput, request.data)
        updated = regions.region_update(region=region, by=self.caller(), **data)
        return Response(io.region_dict(updated, io.region_scale(region.read)))

    @extend_schema(
        request=None,
        parameters=[io.RegionDeleteInput, schema.X_READ_VERSION],
        responses={204: None, **schema.WRITE_ERRORS},
    )
    def delete(self, request: Request, region_id: int) -> Response:
        region = self.get_region(region_id, with_geometry=False)
        data = self.parse(io.RegionDeleteInput, request.query_params)
        read = regions.region_delete(region=region, by=self.caller(), **data)
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"X-Read-Version": str(read.version)})


class ReadSubmitView(ReadingView):
    """Submit the read: it needs a diagnosis and regions or an explicit negative, and is then locked.

    A reader who viewed less of the mosaic (at diagnostic zoom) than the project's
    ``min_viewed_fraction`` gets a 400 on ``confirm_low_coverage`` naming both
    fractions; the page asks, then sends ``"confirm_low_coverage": true``.
    """

    @extend_schema(request=io.ReadSubmitInput, responses={200: schema.ReadSerializer, **schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        data = self.parse(io.ReadSubmitInput, request.data)
        read = reads.read_submit(read=read, by=self.caller(), **data)
        return Response(io.read_dict(read, self.viewer()))


class ReadHistoryView(ReadingView):
    """Every saved state of the read, newest first."""

    @extend_schema(
        operation_id="reads_history_list", responses={200: schema.RevisionSerializer(many=True), **schema.NOT_FOUND}
    )
    def get(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        identity = self.viewer().sees_identity(read)
        revisions = (
            ReadRevision.objects.filter(read=read)
            .annotate(region_count=KT("snapshot__region_count"))
            .values("number", "action", "created_by__username", "created_at", "region_count")
            .order_by("-number")
        )
        return Response(
            [
                {
                    "number": row["number"],
                    "action": row["action"],
                    "created_by": row["created_by__username"] if identity else None,
                    "created_at": utc_timestamp(row["created_at"]),
                    "region_count": int(row["region_count"]) if row["region_count"] is not None else None,
                }
                for row in revisions
            ]
        )


class ReadRevisionView(ReadingView):
    """The fields and regions of the read as they were at revision ``number``."""

    @extend_schema(
        operation_id="reads_history_revision_retrieve",
        responses={200: schema.RevisionDetailSerializer, **schema.NOT_FOUND},
    )
    def get(self, request: Request, read_id: int, number: int) -> Response:
        read = self.get_read(read_id)
        state = revision_state(read=read, number=number)
        if state is None:
            return Response({"detail": f"read {read.pk} has no revision {number}"}, status=status.HTTP_404_NOT_FOUND)
        return Response({"number": number, "snapshot": state})


class ReadRestoreView(ReadingView):
    """Bring back revision ``number`` as a new revision."""

    @extend_schema(request=io.SubmitInput, responses={200: schema.ReadSerializer, **schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int, number: int) -> Response:
        read = self.get_read(read_id)
        data = self.parse(io.SubmitInput, request.data)
        read = reads.read_restore(read=read, number=number, by=self.caller(), **data)
        return Response(io.read_dict(read, self.viewer()))


class ReadGeoJSONView(ReadingView):
    """The read's regions as a GeoJSON FeatureCollection; PUT one to replace them all."""

    body_limit_setting = "RCM_MAX_GEOJSON_BYTES"

    @extend_schema(responses={(200, "application/geo+json"): schema.ReadGeoJSONSerializer, **schema.NOT_FOUND})
    def get(self, request: Request, read_id: int) -> HttpResponse:
        read = self.get_read(read_id)
        rows, geometries = read_selectors.region_rows_in_viewport(read=read)
        features = ", ".join(
            '{"type": "Feature", "geometry": '
            + geometry
            + ', "properties": '
            + json.dumps({"label": row["label"], "provenance": row["provenance"], "region_id": row["id"]})
            + "}"
            for row, geometry in zip(rows, geometries, strict=True)
        )
        body = f'{{"type": "FeatureCollection", "read_version": {read.version}, "features": [{features}]}}'
        response = HttpResponse(body, content_type="application/geo+json")
        response["Content-Disposition"] = f'inline; filename="read-{read.pk}.geojson"'
        return response

    @extend_schema(
        request=schema.GeoJSONImportSerializer,
        responses={200: schema.GeoJSONImportResultSerializer, **schema.WRITE_ERRORS},
    )
    def put(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        body = request.data
        read_version = body.get("read_version") if isinstance(body, dict) else None
        if isinstance(read_version, bool) or not isinstance(read_version, int):
            raise ValidationError({"read_version": ["send the read's version (an integer) the import replaces"]})
        read = reads.read_import_geojson(read=read, collection=body, by=self.caller(), read_version=read_version)
        return Response({"read_version": read.version, "count": read.regions.count()})
