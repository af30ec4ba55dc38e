"""Upload endpoints: a whole file in one multipart POST, or a resumable chunked upload.

Chunked protocol (for 300 MB files over flaky connections)::

    POST /api/cases/{id}/uploads/        {"filename", "size"}     -> 201 {"id", "received": 0, …}
    PUT  /api/uploads/{uuid}/            raw bytes, Content-Range: bytes START-END/SIZE -> {"received", …}
    GET  /api/uploads/{uuid}/            -> {"received", …}   (where to resume after a drop)
    POST /api/uploads/{uuid}/complete/   {"sha256"?}           -> 201 the new mosaic (ingest queued)
    DELETE /api/uploads/{uuid}/          abort, bytes deleted

A chunk may overlap bytes already received (re-sending after a lost answer is
harmless) but may not leave a gap. Views stay thin: they find the case or upload
through the access selectors (unseen: 404; seen without the right: 403) and call
one service.
"""

import re
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access_matrix import MatrixPermission
from annotations.models import Case, Mosaic, UploadSession
from annotations.selectors.access import cases_visible_to, with_mosaic_view
from annotations.selectors.mosaics import upload_sessions_visible_to
from annotations.services import mosaics as mosaic_services

from .auth import authenticated_user
from .errors import PayloadTooLarge
from .serializers import MosaicSerializer
from .strict import StrictFieldsMixin


def mosaic_body(request: Request, mosaic: Mosaic) -> Any:
    """The new mosaic as the caller sees it (the view chosen by ``access.with_mosaic_view``)."""
    seen = with_mosaic_view(Mosaic.objects.filter(pk=mosaic.pk), user=request.user).select_related("case__project")
    return MosaicSerializer(seen.get(), context={"request": request}).data

# Room for the multipart envelope around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
MAX_CHUNK_BYTES = 64 * 1024**2
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class UploadSessionSerializer(serializers.ModelSerializer[UploadSession]):
    class Meta:
        model = UploadSession
        fields = ["id", "case", "filename", "size", "received", "status", "mosaic", "created_at", "updated_at"]
        read_only_fields = fields


class UploadCreateSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    filename = serializers.CharField(max_length=255, trim_whitespace=False)
    size = serializers.IntegerField(min_value=0)


class UploadCompleteSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False)


def _visible_case(request: Request, case_id: int) -> Case:
    cases: QuerySet[Case] = cases_visible_to(user=request.user).select_related("project", "center")
    return get_object_or_404(cases, pk=case_id)


def _too_large(size: int) -> PayloadTooLarge:
    limit = settings.RCM_MAX_UPLOAD_BYTES
    return PayloadTooLarge(f"{size:,} bytes is above the upload limit of {limit:,} bytes (RCM_MAX_UPLOAD_BYTES)")


class CaseMosaicUploadView(APIView):
    """``POST /api/cases/{id}/mosaics/``: one whole file in the ``file`` field (for scripts)."""

    parser_classes = [parsers.MultiPartParser]
    permission_classes = [MatrixPermission]

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        responses={201: MosaicSerializer},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = _visible_case(request, case_id)
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.RCM_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
            raise _too_large(declared)
        upload = request.FILES.get("file")
        unknown = sorted(set(request.data) - {"file"})
        if unknown:
            raise ValidationError({name: ["unknown field"] for name in unknown})
        if upload is None:
            raise ValidationError({"file": ["send the mosaic as a multipart field named 'file'"]})
        if upload.size and upload.size > settings.RCM_MAX_UPLOAD_BYTES:
            raise _too_large(upload.size)
        mosaic = mosaic_services.mosaic_create_from_upload(
            case=case, name=upload.name or "", content=upload, size=upload.size or 0, by=authenticated_user(request)
        )
        return Response(mosaic_body(request, mosaic), status=status.HTTP_201_CREATED)


class CaseUploadCreateView(APIView):
    """``POST /api/cases/{id}/uploads/``: start a resumable upload."""

    permission_classes = [MatrixPermission]

    @extend_schema(request=UploadCreateSerializer, responses={201: UploadSessionSerializer})
    def post(self, request: Request, case_id: int) -> Response:
        case = _visible_case(request, case_id)
        serializer = UploadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        size = serializer.validated_data["size"]
        if size > settings.RCM_MAX_UPLOAD_BYTES:
            raise _too_large(size)
        session = mosaic_services.upload_session_create(
            case=case, filename=serializer.validated_data["filename"], size=size, by=authenticated_user(request)
        )
        return Response(UploadSessionSerializer(session).data, status=status.HTTP_201_CREATED)


class _UploadView(APIView):
    permission_classes = [MatrixPermission]

    def _session(self, request: Request, upload_id: Any) -> UploadSession:
        sessions = upload_sessions_visible_to(user=request.user).select_related("case__project", "case__center")
        return get_object_or_404(sessions, pk=upload_id)


class UploadDetailView(_UploadView):
    """``GET`` the offset to resume from, ``PUT`` a chunk, ``DELETE`` to abort."""

    @extend_schema(responses=UploadSessionSerializer)
    def get(self, request: Request, upload_id: Any) -> Response:
        return Response(UploadSessionSerializer(self._session(request, upload_id)).data)

    @extend_schema(
        request={"application/octet-stream": {"type": "string", "format": "binary"}},
        parameters=[
            OpenApiParameter("Content-Range", str, OpenApiParameter.HEADER, description="bytes START-END/SIZE"),
            OpenApiParameter("offset", int, description="instead of Content-Range: where the chunk starts"),
        ],
        responses=UploadSessionSerializer,
    )
    def put(self, request: Request, upload_id: Any) -> Response:
        session = self._session(request, upload_id)
        offset, length = self._chunk_range(request, session)
        # Stream from the raw request: the chunk is never held in memory whole.
        session = mosaic_services.upload_session_append(
            session=session, offset=offset, length=length, body=request._request
        )
        return Response(UploadSessionSerializer(session).data)

    # 200 with the aborted upload (drf-spectacular would assume a bodiless 204 for DELETE).
    @extend_schema(responses={200: UploadSessionSerializer})
    def delete(self, request: Request, upload_id: Any) -> Response:
        session = mosaic_services.upload_session_abort(session=self._session(request, upload_id))
        return Response(UploadSessionSerializer(session).data)

    @staticmethod
    def _chunk_range(request: Request, session: UploadSession) -> tuple[int, int]:
        """(offset, length) from Content-Range, or from ``?offset=`` and Content-Length."""
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > MAX_CHUNK_BYTES:
            raise PayloadTooLarge(f"a chunk may carry at most {MAX_CHUNK_BYTES:,} bytes; send smaller chunks")
        header = request.META.get("HTTP_CONTENT_RANGE")
        if header:
            match = CONTENT_RANGE.match(header.strip())
            if not match:
                raise ValidationError({"Content-Range": ["expected 'bytes START-END/SIZE'"]})
            start, end, total = (int(group) for group in match.groups())
            if total != session.size:
                raise ValidationError({"Content-Range": [f"the total must be the upload's size, {session.size}"]})
            if end < start or end - start + 1 != length:
                raise ValidationError({"Content-Range": ["the range does not match the body's Content-Length"]})
            return start, length
        offset = request.query_params.get("offset")
        if offset is None or not offset.isdigit():
            raise ValidationError({"offset": ["give a Content-Range header or ?offset=N"]})
        return int(offset), length


class UploadCompleteView(_UploadView):
    """``POST /api/uploads/{uuid}/complete/``: all bytes are in; make the mosaic."""

    @extend_schema(request=UploadCompleteSerializer, responses={201: MosaicSerializer})
    def post(self, request: Request, upload_id: Any) -> Response:
        session = self._session(request, upload_id)
        serializer = UploadCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mosaic = mosaic_services.upload_session_complete(
            session=session, by=authenticated_user(request), sha256=serializer.validated_data.get("sha256")
        )
        return Response(mosaic_body(request, mosaic), status=status.HTTP_201_CREATED)
