"""The AI layer's API: runs, suggestions, heatmap, reader decisions, aided reads, lead re-runs.

Thin views: the mosaic or read is found through the annotations selectors (what the
caller may not see is a 404), the protocol is checked by
``inference.selectors.predictions`` (a reader it hides the layer from gets a 403
whose ``detail`` says why, and no data), writes go to ``inference.services``.
"""

from typing import Any

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api import reading_schema
from annotations.api import reading_serializers as io
from annotations.api.reading import ReadingView
from annotations.models import Mosaic, Read
from annotations.selectors import access
from annotations.selectors.region_json import utc_timestamp
from annotations.storage import media_path
from inference.models import PredictionRun, RegisteredModel, Suggestion, SuggestionDecision
from inference.selectors import influence, predictions
from inference.services import preannotation, suggestions

from . import schema

MODEL_PARAMETER = OpenApiParameter("model", int, description="the model's id (default: the newest finished run)")


def run_body(run: PredictionRun) -> dict[str, Any]:
    return {
        "id": run.pk, "model": run.model_id, "model_name": run.model.name, "model_kind": run.model.kind,
        "status": run.status, "progress": run.progress, "score": run.score, "threshold": run.threshold,
        "tile_grid": {"rows": run.grid_rows, "cols": run.grid_cols, "tile_size": run.tile_size},
        "heatmap_downsample": run.map_downsample,
        "suggestion_count": getattr(run, "suggestion_count", None) if hasattr(run, "suggestion_count") else run.suggestions.count(),
        "error": run.error, "queued_at": utc_timestamp(run.queued_at), "started_at": utc_timestamp(run.started_at),
        "finished_at": utc_timestamp(run.finished_at),
    }  # fmt: skip


def suggestion_body(suggestion: Suggestion, decided: dict[int, SuggestionDecision]) -> dict[str, Any]:
    decision = decided.get(suggestion.pk)
    return {
        "id": suggestion.pk, "run": suggestion.run_id, "model": suggestion.run.model_id, "label": suggestion.label,
        "geometry": suggestion.geometry, "score": suggestion.score, "mean_probability": suggestion.mean_probability,
        "area_px": suggestion.area_px, "bbox": [suggestion.min_x, suggestion.min_y, suggestion.max_x, suggestion.max_y],
        "provenance": "ai", "decision": decision.decision if decision else None,
        "region": decision.region_id if decision else None,
    }  # fmt: skip


def decision_body(decision: SuggestionDecision) -> dict[str, Any]:
    return {"id": decision.pk, "suggestion": decision.suggestion_ref, "decision": decision.decision,
            "region": decision.region_id}  # fmt: skip


def _model_param(request: Request) -> int | None:
    raw = request.query_params.get("model")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ValidationError({"model": ["a model id"]})
    return int(raw)


class AILayerView(ReadingView):
    # Base: the mosaic (404 when the caller may not see it), then the protocol (403 with the reason).

    def get_mosaic(self, mosaic_id: int) -> Mosaic:
        visible = access.mosaics_visible_to(user=self.request.user).select_related("case__project")
        return get_object_or_404(visible, pk=mosaic_id)

    def check_layer(self, mosaic: Mosaic) -> None:
        refusal = predictions.ai_layer_refusal(user=self.request.user, mosaic=mosaic)
        if refusal is not None:
            raise PermissionDenied(refusal)

    def suggestion_of(self, read: Read, suggestion_id: int) -> Suggestion:
        self.check_layer(read.mosaic)
        found = Suggestion.objects.select_related("run").filter(pk=suggestion_id, run__mosaic_id=read.mosaic_id).first()
        if found is None:
            raise Http404("no such suggestion on this read's mosaic")
        return found


class MosaicPredictionsView(AILayerView):
    """The mosaic's prediction runs (status, progress, score, tile grid); leads queue a re-run."""

    @extend_schema(
        operation_id="mosaics_predictions_list",
        responses={200: schema.PredictionRunSerializer(many=True), 403: schema.AILayerRefusalSerializer,
                   **reading_schema.NOT_FOUND},
    )  # fmt: skip
    def get(self, request: Request, mosaic_id: int) -> Response:
        mosaic = self.get_mosaic(mosaic_id)
        self.check_layer(mosaic)
        return Response([run_body(run) for run in predictions.runs_of_mosaic(mosaic=mosaic)])

    @extend_schema(
        request=schema.RunRequestInput,
        responses={202: schema.PredictionRunSerializer(many=True), 400: reading_schema.VALIDATION_ERRORS,
                   403: reading_schema.DetailSerializer, **reading_schema.NOT_FOUND},
    )  # fmt: skip
    def post(self, request: Request, mosaic_id: int) -> Response:
        mosaic = self.get_mosaic(mosaic_id)
        data = self.parse(schema.RunRequestInput, request.data)
        project = mosaic.case.project
        if "model" in data:
            models = [get_object_or_404(RegisteredModel.objects.filter(project=project), pk=data["model"])]
        else:
            models = list(RegisteredModel.objects.filter(project=project, status="active"))
            if not models:
                raise ValidationError({"model": [f"project {project.slug} has no active model; activate one first"]})
        runs = [preannotation.prediction_run_queue(mosaic=mosaic, model=model, by=self.caller()) for model in models]
        listed = predictions.runs_of_mosaic(mosaic=mosaic).filter(pk__in=[run.pk for run in runs])
        return Response([run_body(run) for run in listed], status=status.HTTP_202_ACCEPTED)


class MosaicSuggestionsView(AILayerView):
    """The regions the model suggests on the mosaic (read-only; accepted through a read)."""

    @extend_schema(
        operation_id="mosaics_suggestions_list",
        parameters=[MODEL_PARAMETER, OpenApiParameter("read", int, description="one of the caller's reads: adds its decisions")],
        responses={200: schema.SuggestionSerializer(many=True), 403: schema.AILayerRefusalSerializer,
                   400: reading_schema.VALIDATION_ERRORS, **reading_schema.NOT_FOUND},
    )  # fmt: skip
    def get(self, request: Request, mosaic_id: int) -> Response:
        mosaic = self.get_mosaic(mosaic_id)
        self.check_layer(mosaic)
        model_id = _model_param(request)
        if model_id is None:
            run = predictions.run_of_mosaic(mosaic=mosaic, model_id=None)
            model_id = run.model_id if run is not None else None
        found = predictions.suggestions_of_mosaic(mosaic=mosaic, model_id=model_id) if model_id is not None else []
        decided: dict[int, SuggestionDecision] = {}
        read_param = request.query_params.get("read")
        if read_param:
            read = self.get_read(int(read_param)) if read_param.isdigit() else None
            if read is None or read.mosaic_id != mosaic.pk:
                raise ValidationError({"read": ["a read of this mosaic"]})
            for decision in SuggestionDecision.objects.filter(read=read).order_by("created_at", "id"):
                decided[decision.suggestion_ref] = decision  # the last one counts
        return Response([suggestion_body(suggestion, decided) for suggestion in found])


class MosaicHeatmapView(AILayerView):
    """The run's probability heatmap (RGBA PNG, transparent where no tile ran); scale it by its downsample."""

    @extend_schema(
        operation_id="mosaics_heatmap_retrieve",
        parameters=[MODEL_PARAMETER],
        responses={(200, "image/png"): OpenApiResponse(response={"type": "string", "format": "binary"}),
                   400: reading_schema.VALIDATION_ERRORS, 403: schema.AILayerRefusalSerializer,
                   **reading_schema.NOT_FOUND},
    )  # fmt: skip
    def get(self, request: Request, mosaic_id: int) -> FileResponse:
        mosaic = self.get_mosaic(mosaic_id)
        self.check_layer(mosaic)
        run = predictions.run_of_mosaic(mosaic=mosaic, model_id=_model_param(request))
        if run is None or not run.heatmap_path:
            raise Http404("no finished run of that model on this mosaic")
        try:
            stream = media_path(run.heatmap_path).open("rb")
        except FileNotFoundError:
            raise Http404("the run's heatmap file is gone; a lead can re-run the model on this mosaic") from None
        response = FileResponse(stream, content_type="image/png")
        response["X-Heatmap-Downsample"] = str(run.map_downsample)
        response["Cache-Control"] = "private, no-cache"
        return response


class SuggestionAcceptView(AILayerView):
    """Copy the suggestion into the read as a region (``ai_accepted``; ``ai_edited`` with a changed outline)."""

    body_limit_setting = "RCM_MAX_SHAPE_JSON_BYTES"
    input_class: type = schema.AcceptInput

    @extend_schema(request=schema.AcceptInput, responses={201: schema.AcceptResultSerializer, **reading_schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int, suggestion_id: int) -> Response:
        read = self.get_read(read_id)
        suggestion = self.suggestion_of(read, suggestion_id)
        data = self.parse(self.input_class, request.data)
        read, region = suggestions.suggestion_accept(read=read, suggestion=suggestion, by=self.caller(), **data)
        body = {"read_version": read.version, "region": io.region_dict(region, io.region_scale(read))}
        return Response(body, status=status.HTTP_201_CREATED)


class SuggestionEditView(SuggestionAcceptView):
    """Accept the suggestion with a changed outline (or label): the region is ``ai_edited``."""

    input_class = schema.EditInput

    @extend_schema(request=schema.EditInput, responses={201: schema.AcceptResultSerializer, **reading_schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int, suggestion_id: int) -> Response:
        return super().post(request, read_id, suggestion_id)


class SuggestionRejectView(AILayerView):
    """Record that the reader rejected the suggestion."""

    @extend_schema(request=schema.RejectInput, responses={200: schema.RejectResultSerializer, **reading_schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int, suggestion_id: int) -> Response:
        read = self.get_read(read_id)
        suggestion = self.suggestion_of(read, suggestion_id)
        data = self.parse(schema.RejectInput, request.data)
        decision = suggestions.suggestion_reject(read=read, suggestion=suggestion, by=self.caller(), **data)
        return Response({"read_version": decision.read.version, "decision": decision_body(decision)})


class SuggestionAreaView(AILayerView):
    """Accept or reject every suggestion at least half inside a drawn area, as one write."""

    body_limit_setting = "RCM_MAX_SHAPE_JSON_BYTES"

    @extend_schema(request=schema.AreaDecisionInput, responses={200: schema.AreaResultSerializer, **reading_schema.WRITE_ERRORS})
    def post(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        self.check_layer(read.mosaic)
        data = self.parse(schema.AreaDecisionInput, request.data)
        candidates = list(predictions.suggestions_of_mosaic(mosaic=read.mosaic, model_id=data.get("model")))
        read, created, rejected = suggestions.suggestions_decide_in_area(
            read=read, suggestions=candidates, by=self.caller(), accept=data["action"] == "accept",
            geometry=data["geometry"], read_version=data["read_version"],
        )  # fmt: skip
        scale = io.region_scale(read)
        return Response({"read_version": read.version, "created": [io.region_dict(region, scale) for region in created],
                         "rejected": [decision.suggestion_ref for decision in rejected]})  # fmt: skip


class AidedReadView(ReadingView):
    """Start the aided read of a submitted unaided read (a copy of it; the AI layer is then shown)."""

    @extend_schema(request=None, responses={201: reading_schema.ReadSerializer, 200: reading_schema.ReadSerializer,
                                            **reading_schema.WRITE_ERRORS})  # fmt: skip
    def post(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        existed = Read.objects.filter(mosaic_id=read.mosaic_id, reader_id=request.user.pk, kind="aided").exists()
        aided = suggestions.aided_read_start(read=read, by=self.caller())
        aided = self.get_read(aided.pk)
        return Response(io.read_dict(aided, self.viewer()), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class ProjectPreannotateView(ReadingView):
    """Leads re-run the project's active model (or one model) over every ready mosaic."""

    @extend_schema(
        request=schema.RunRequestInput,
        responses={202: schema.PredictionRunSerializer(many=True), 400: reading_schema.VALIDATION_ERRORS,
                   403: reading_schema.DetailSerializer, **reading_schema.NOT_FOUND},
    )  # fmt: skip
    def post(self, request: Request, slug: str) -> Response:
        project = get_object_or_404(access.projects_visible_to(user=request.user), slug=slug)
        data = self.parse(schema.RunRequestInput, request.data)
        model = None
        if "model" in data:
            model = get_object_or_404(RegisteredModel.objects.filter(project=project), pk=data["model"])
        runs = preannotation.prediction_runs_queue_project(project=project, by=self.caller(), model=model)
        listed = PredictionRun.objects.filter(pk__in=[run.pk for run in runs]).select_related("model")
        return Response([run_body(run) for run in listed.order_by("mosaic_id", "model_id")], status=status.HTTP_202_ACCEPTED)


class ProjectAIInfluenceView(ReadingView):
    """How the AI changed reads, per reader and center (leads and admins)."""

    @extend_schema(
        operation_id="projects_ai_influence_retrieve",
        responses={200: schema.AIInfluenceSerializer, 403: reading_schema.DetailSerializer, **reading_schema.NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        project = get_object_or_404(access.projects_visible_to(user=request.user), slug=slug)
        if not access.can_manage_project(user=request.user, project=project):
            raise PermissionDenied("the AI-influence report is for the project's leads and admins")
        return Response(influence.ai_influence(project=project))
