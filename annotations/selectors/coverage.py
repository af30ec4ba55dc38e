"""How much of its mosaic a read's reader viewed at diagnostic zoom (``annotations.geometry.coverage``)."""

from typing import Any

from django.db.models import FloatField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from annotations.geometry.coverage import DIAGNOSTIC_ZOOM, GRID_SIZE, encode_cells, from_bytes
from annotations.models import Read, ReadCoverage


def viewed_fraction_expression() -> Coalesce:
    """``viewed_fraction`` of each read in a queryset (0 when nothing was recorded), for ``annotate``."""
    recorded = ReadCoverage.objects.filter(read=OuterRef("pk")).values("viewed_fraction")[:1]
    return Coalesce(Subquery(recorded, output_field=FloatField()), Value(0.0))


def read_viewed_fraction(read: Read) -> float:
    """The read's viewed fraction: annotated on it by a listing, or one small query."""
    annotated = getattr(read, "viewed_fraction", None)
    if annotated is not None:
        return float(annotated)
    stored = ReadCoverage.objects.filter(read=read).values_list("viewed_fraction", flat=True).first()
    return float(stored or 0.0)


def read_coverage(read: Read) -> dict[str, Any]:
    """The read's grid as the API gives it (see ``annotations.geometry.coverage``)."""
    stored = ReadCoverage.objects.filter(read=read).first()
    grid = from_bytes(stored.cells if stored is not None else None)
    return {
        "read": read.pk,
        "grid_size": GRID_SIZE,
        "cells": encode_cells(grid),
        "viewed_fraction": float(grid.mean()),
        "diagnostic_zoom": DIAGNOSTIC_ZOOM,
        "min_viewed_fraction": read.mosaic.case.project.min_viewed_fraction,
    }
