"""Label-set API (leads and admins; 404 for anyone else): export, list, describe, verify, download.

- ``GET /api/projects/{slug}/labelsets/``: the project's snapshots, newest first;
- ``POST /api/projects/{slug}/labelsets/`` ``{"policy"?, "seed"?, "split_fractions"?,
  "mask_downsample"?}`` → 202 the snapshot, ``building``; a worker writes it
  (poll ``GET /api/labelsets/{id}/`` until ``complete`` or ``failed``);
- ``GET /api/labelsets/{id}/``: with its files (manifest entries) and mosaics;
- ``GET /api/labelsets/{id}/verify/``: every file's SHA-256 against the manifest;
- ``GET /api/labelsets/{id}/files/{path}``: one listed file, streamed.
Snapshots are immutable: nothing here changes one.
"""

from typing import Any

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import LabelSet, LabelSetStatus, ReadKind
from annotations.selectors.labelsets import (
    labelset_dict,
    labelset_file,
    labelset_verify,
    labelsets_managed_by,
    labelsets_of,
)
from annotations.services.labelsets import DEFAULT_MASK_DOWNSAMPLE, labelset_request

from .leads import LeadView
from .reading_schema import NOT_FOUND, VALIDATION_ERRORS, DetailSerializer
from .strict import StrictFieldsMixin


class LabelSetInput(StrictFieldsMixin, serializers.Serializer[Any]):
    policy = serializers.CharField(required=False, default="consensus", max_length=200,
                                   help_text="consensus (fallback: intersection), union, intersection or "
                                             "reader:USERNAME")  # fmt: skip
    seed = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)
    split_fractions = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1), required=False,
                                            help_text='e.g. {"train": 0.7, "val": 0.15, "test": 0.15}')  # fmt: skip
    mask_downsample = serializers.IntegerField(required=False, default=DEFAULT_MASK_DOWNSAMPLE, min_value=1,
                                               max_value=64)  # fmt: skip


class LabelSetOptionsSerializer(serializers.Serializer[Any]):
    mask_downsample = serializers.IntegerField()
    tile_px = serializers.IntegerField()
    positive_fraction = serializers.FloatField()
    fallback = serializers.CharField(help_text="what the consensus policy takes where no consensus is submitted")


class LabelSetSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    project = serializers.CharField()
    version = serializers.IntegerField()
    policy = serializers.CharField()
    status = serializers.ChoiceField(choices=LabelSetStatus.choices)
    failure_reason = serializers.CharField(allow_blank=True)
    seed = serializers.IntegerField()
    split_fractions = serializers.DictField(child=serializers.FloatField())
    options = LabelSetOptionsSerializer()
    manifest_sha256 = serializers.CharField(allow_blank=True)
    mosaic_count = serializers.IntegerField()
    region_count = serializers.IntegerField()
    patient_count = serializers.IntegerField()
    split_counts = serializers.DictField(child=serializers.IntegerField())
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class ManifestFileSerializer(serializers.Serializer[Any]):
    path = serializers.CharField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()


class LabelSetReadSerializer(serializers.Serializer[Any]):
    read = serializers.IntegerField()
    reader = serializers.CharField()
    kind = serializers.ChoiceField(choices=ReadKind.choices)
    version = serializers.IntegerField()


class LabelSetMosaicSerializer(serializers.Serializer[Any]):
    mosaic = serializers.IntegerField()
    source = serializers.CharField(help_text="consensus, union, intersection or reader")  # type: ignore[assignment]  # the API field "source" shadows Field.source
    reads = LabelSetReadSerializer(many=True)
    patient = serializers.CharField()
    split = serializers.CharField()
    region_count = serializers.IntegerField()


class LabelSetDetailSerializer(LabelSetSerializer):
    files = ManifestFileSerializer(many=True, help_text="download each at files/{path}")
    mosaics = LabelSetMosaicSerializer(many=True)


class VerificationSerializer(serializers.Serializer[Any]):
    intact = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class LabelSetAccess(LeadView):
    def labelset(self, labelset_id: int) -> LabelSet:
        return get_object_or_404(labelsets_managed_by(user=self.request.user), pk=labelset_id)


class ProjectLabelSetsView(LeadView):
    @extend_schema(operation_id="projects_labelsets_list",
                   responses={200: LabelSetSerializer(many=True), **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, slug: str) -> Response:
        return Response([labelset_dict(labelset) for labelset in labelsets_of(project=self.managed_project(slug))])

    @extend_schema(
        operation_id="projects_labelsets_create",
        request=LabelSetInput,
        responses={202: LabelSetSerializer, 400: VALIDATION_ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        project = self.managed_project(slug)
        data = self.parse(LabelSetInput, request.data)
        labelset = labelset_request(project=project, by=self.caller(), **data)
        return Response(labelset_dict(labelset), status=status.HTTP_202_ACCEPTED)


class LabelSetDetailView(LabelSetAccess):
    @extend_schema(responses={200: LabelSetDetailSerializer, **NOT_FOUND})
    def get(self, request: Request, labelset_id: int) -> Response:
        return Response(labelset_dict(self.labelset(labelset_id), detail=True))


class LabelSetVerifyView(LabelSetAccess):
    @extend_schema(operation_id="labelsets_verify", responses={200: VerificationSerializer, **NOT_FOUND})
    def get(self, request: Request, labelset_id: int) -> Response:
        problems = labelset_verify(labelset=self.labelset(labelset_id))
        return Response({"intact": not problems, "problems": problems})


class LabelSetFileView(LabelSetAccess):
    @extend_schema(
        operation_id="labelsets_files_retrieve",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="the file"),
            404: DetailSerializer,
        },
    )
    def get(self, request: Request, labelset_id: int, path: str) -> FileResponse:
        found = labelset_file(self.labelset(labelset_id), path)
        if found is None:
            raise Http404("the label set lists no such file")
        response = FileResponse(found.open("rb"), as_attachment=True, filename=found.name,
                                content_type="application/octet-stream")  # fmt: skip
        return response
