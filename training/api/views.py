"""Training API (leads and admins; 404 for anyone else).

- ``GET /api/projects/{slug}/training-runs/``: the project's runs, newest first;
- ``POST /api/projects/{slug}/training-runs/`` ``{"labelset": version, "arch", "kind"?, "tile_size"?,
  "um_per_px"?, "epochs"?, "batch_size"?, "lr"?, "seed"?, "threshold"?}`` → 202 the run, ``queued``
  (every input checked first: a 400 names what to fix); the ``gpu`` queue trains it;
- ``GET /api/training-runs/{id}/``: a run with its per-epoch curves, model and gate verdict;
- ``POST /api/models/{id}/promote/`` ``{"reason"}``: a lead makes a model active by hand;
- ``GET|PUT /api/projects/{slug}/retraining/``: the periodic retraining policy, the reads since the
  last snapshot, and each cycle's outcome (the schedule itself is edited in the admin).
"""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.leads import LeadView
from annotations.api.reading_schema import NOT_FOUND, VALIDATION_ERRORS
from annotations.api.strict import StrictFieldsMixin
from annotations.models import LabelSet, Project
from inference.models import ModelKind, ModelStatus, RegisteredModel
from training.models import CycleStatus, RunStatus, TrainingRun, TrainingSettings
from training.selectors.models import cycles_managed_by, models_managed_by, runs_managed_by
from training.services.gate import model_promote
from training.services.retraining import (
    POLICY_FIELDS,
    new_reads_since_last_snapshot,
    retraining_policy_save,
)
from training.services.runs import run_request


class RunInput(StrictFieldsMixin, serializers.Serializer[Any]):
    labelset = serializers.IntegerField(min_value=1, help_text="label-set version in this project")
    arch = serializers.CharField(max_length=120, help_text="timm architecture, or maskrcnn_resnet50_fpn")
    kind = serializers.ChoiceField(choices=ModelKind.choices, default="classifier")
    tile_size = serializers.IntegerField(min_value=16, max_value=2048, default=224)
    um_per_px = serializers.FloatField(min_value=0.01, max_value=100, default=0.5)
    epochs = serializers.IntegerField(min_value=1, max_value=1000, default=20)
    batch_size = serializers.IntegerField(min_value=1, max_value=4096, default=32)
    lr = serializers.FloatField(min_value=1e-8, max_value=1, default=3e-4)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)
    threshold = serializers.FloatField(min_value=0, max_value=1, default=0.5)


class EpochSerializer(serializers.Serializer[Any]):
    epoch = serializers.IntegerField()
    train_loss = serializers.FloatField(allow_null=True, help_text="null when the loss was not finite")
    val_loss = serializers.FloatField(allow_null=True)
    val_auroc = serializers.FloatField(allow_null=True)
    lr = serializers.FloatField()
    seconds = serializers.FloatField()
    improved = serializers.BooleanField()


class RunSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    project = serializers.CharField(source="project.slug")
    labelset = serializers.IntegerField(source="labelset.version")
    kind = serializers.CharField()
    arch = serializers.CharField()
    config = serializers.DictField()
    seed = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RunStatus.choices)
    failure_reason = serializers.CharField(allow_blank=True)
    library_versions = serializers.DictField(child=serializers.CharField(allow_null=True))
    code_revision = serializers.CharField()
    history = EpochSerializer(many=True)
    registered_model = serializers.IntegerField(source="registered_model_id", allow_null=True)
    gate = serializers.DictField(help_text='{"promoted", "reason", "candidate", "active", "split"} once gated')
    resumed_from_epoch = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class PromoteInput(StrictFieldsMixin, serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class ModelStatusSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ModelStatus.choices)
    status_reason = serializers.CharField(allow_blank=True)


class ProjectRunsView(LeadView):
    @extend_schema(operation_id="projects_training_runs_list", responses={200: RunSerializer(many=True), **NOT_FOUND})
    def get(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        runs = runs_managed_by(user=request.user).filter(project=project)
        return Response(RunSerializer(runs, many=True).data)

    @extend_schema(operation_id="projects_training_runs_create", request=RunInput,
                   responses={202: RunSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        data = self.parse(RunInput, request.data)
        labelset = LabelSet.objects.filter(project=project, version=data.pop("labelset")).first()
        if labelset is None:
            raise serializers.ValidationError({"labelset": ["this project has no label set of that version"]})
        run = run_request(project=project, labelset=labelset, by=self.caller(), **data)
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetailView(LeadView):
    @extend_schema(operation_id="training_runs_retrieve", responses={200: RunSerializer, **NOT_FOUND})
    def get(self, request: Request, run_id: int) -> Response:
        run: TrainingRun = get_object_or_404(runs_managed_by(user=request.user), pk=run_id)
        return Response(RunSerializer(run).data)


class ModelPromoteView(LeadView):
    @extend_schema(operation_id="models_promote", request=PromoteInput,
                   responses={200: ModelStatusSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, model_id: int) -> Response:
        model: RegisteredModel = get_object_or_404(models_managed_by(user=request.user), pk=model_id)
        data = self.parse(PromoteInput, request.data)
        model = model_promote(model=model, by=self.caller(), reason=data["reason"])
        return Response({"id": model.pk, "status": model.status, "status_reason": model.status_reason})


class PolicySerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    retrain_enabled = serializers.BooleanField(required=False)
    min_new_reads = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    kind = serializers.ChoiceField(choices=ModelKind.choices, required=False)
    arch = serializers.CharField(max_length=120, required=False)
    tile_size = serializers.IntegerField(min_value=16, max_value=2048, required=False)
    um_per_px = serializers.FloatField(min_value=0.01, max_value=100, required=False)
    epochs = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    batch_size = serializers.IntegerField(min_value=1, max_value=4096, required=False)
    policy = serializers.CharField(max_length=200, required=False, help_text="label-set policy of each snapshot")
    positive_diagnoses = serializers.ListField(child=serializers.CharField(max_length=32), required=False,
                                               help_text="empty: a mosaic is positive when labelled")  # fmt: skip


class CycleSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CycleStatus.choices)
    new_reads = serializers.IntegerField()
    labelset = serializers.IntegerField(source="labelset.version", allow_null=True, default=None)
    run = serializers.IntegerField(source="run_id", allow_null=True)
    outcome = serializers.CharField(allow_blank=True)
    promoted = serializers.BooleanField(source="run.gate.promoted", allow_null=True, default=None,
                                        help_text="whether the gate promoted the cycle's model; null before the gate")  # fmt: skip
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ActiveModelSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ModelKind.choices)


class RetrainingSerializer(serializers.Serializer[Any]):
    policy = PolicySerializer()
    active_models = ActiveModelSerializer(many=True, help_text="the project's active model(s), one per kind")
    schedule = serializers.CharField(allow_null=True, help_text="the beat schedule (edit it in the admin)")
    new_reads = serializers.IntegerField(help_text="submitted or adjudicated since the last snapshot")
    cycles = CycleSerializer(many=True)


class ProjectRetrainingView(LeadView):
    def _state(self, project: Project) -> dict[str, Any]:
        # Read only: a project that never saved a policy shows the defaults, and nothing is written.
        settings = TrainingSettings.objects.filter(project=project).first() or TrainingSettings(project=project)
        schedule = settings.schedule
        return {
            "policy": {name: getattr(settings, name) for name in POLICY_FIELDS},
            "schedule": f"{schedule.interval or schedule.crontab} ({'enabled' if schedule.enabled else 'disabled'})"
            if schedule else None,
            "new_reads": new_reads_since_last_snapshot(project),
            "active_models": ActiveModelSerializer(
                models_managed_by(user=self.request.user).filter(project=project, status=ModelStatus.ACTIVE)
                .order_by("kind", "-id"), many=True).data,
            "cycles": CycleSerializer(cycles_managed_by(user=self.request.user).filter(project=project)[:50],
                                      many=True).data,
        }  # fmt: skip

    @extend_schema(operation_id="projects_retraining_retrieve", responses={200: RetrainingSerializer, **NOT_FOUND})
    def get(self, request: Request, slug: str) -> Response:
        return Response(self._state(self.managed_project(slug)))

    @extend_schema(operation_id="projects_retraining_update", request=PolicySerializer,
                   responses={200: RetrainingSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND})  # fmt: skip
    def put(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        retraining_policy_save(project=project, by=self.caller(), **self.parse(PolicySerializer, request.data))
        return Response(self._state(project))
