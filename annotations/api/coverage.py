"""Reading coverage API: what of a mosaic a read's reader viewed at diagnostic zoom.

``GET /api/reads/{id}/coverage/`` (whoever may see the read) gives the grid;
``POST`` (the read's own reader, until it is submitted) merges viewed cells into
it, as base64 ``cells`` or ``viewports`` boxes in image pixels. Never an
annotation edit: no version, no revision, no 409 for a stale ``read_version``.
The grid, its encoding and the diagnostic zoom: ``annotations.geometry.coverage``.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.geometry.coverage import DIAGNOSTIC_ZOOM, GRID_SIZE
from annotations.selectors.coverage import read_coverage
from annotations.services.coverage import read_coverage_record

from . import reading_schema as schema
from .reading import ReadingView
from .strict import StrictFieldsMixin


class CoverageInput(StrictFieldsMixin, serializers.Serializer[Any]):
    cells = serializers.CharField(
        required=False, max_length=2000,
        help_text=f"{GRID_SIZE} x {GRID_SIZE} bits, row-major, most significant bit first, base64",
    )  # fmt: skip
    viewports = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4),
        required=False, max_length=1000,
        help_text=f"[min_x, min_y, max_x, max_y] boxes in full-resolution pixels, each seen at diagnostic zoom "
                  f"(at least {DIAGNOSTIC_ZOOM} screen px per image px)",
    )  # fmt: skip


class CoverageSerializer(serializers.Serializer[Any]):
    read = serializers.IntegerField()
    grid_size = serializers.IntegerField(help_text="cells per side; the grid spans the mosaic")
    cells = serializers.CharField(help_text="the viewed cells: bits row-major, most significant first, base64")
    viewed_fraction = serializers.FloatField()
    diagnostic_zoom = serializers.FloatField(help_text="screen px per image px from which a view counts")
    min_viewed_fraction = serializers.FloatField(help_text="the project's threshold for the submit warning (0: none)")


class ReadCoverageView(ReadingView):
    """The cells of the mosaic a read's reader viewed at diagnostic zoom."""

    @extend_schema(operation_id="reads_coverage_retrieve", responses={200: CoverageSerializer, **schema.NOT_FOUND})
    def get(self, request: Request, read_id: int) -> Response:
        return Response(read_coverage(self.get_read(read_id)))

    @extend_schema(
        operation_id="reads_coverage_record",
        request=CoverageInput,
        responses={200: CoverageSerializer, **schema.WRITE_ERRORS},
    )
    def post(self, request: Request, read_id: int) -> Response:
        read = self.get_read(read_id)
        data = self.parse(CoverageInput, request.data)
        read_coverage_record(read=read, by=self.caller(), **data)
        return Response(read_coverage(read))
