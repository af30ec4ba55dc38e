"""Recording reading coverage: the viewer's viewed cells, merged (OR) into the read's grid.

Not an annotation edit: no read version, no revision, no read row lock, so a
coverage post can never make an autosave answer 409 (``ReadCoverage`` explains
the separate table). Only the read's own reader records it, and only until the
read is submitted (then a ``ReadConflict``, like every write to a submitted read).
Cells arrive as the API's base64 grid, as viewport boxes in image pixels, or
both; see ``annotations.geometry.coverage`` for the grid and diagnostic zoom.
"""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotations.geometry.coverage import (
    CoverageError,
    cells_in_viewports,
    decode_cells,
    empty_grid,
    from_bytes,
    to_bytes,
    viewed_fraction,
)
from annotations.models import Read, ReadCoverage, ReadStatus
from users.models import User

from .reads import ReadConflict, mosaic_size


@transaction.atomic
def read_coverage_record(
    *, read: Read, by: User, cells: str | None = None, viewports: Sequence[Sequence[float]] | None = None
) -> ReadCoverage:
    """OR the given cells into the read's grid; returns the stored coverage."""
    if read.reader_id != by.pk:
        raise PermissionDenied("only the read's own reader records what it viewed")
    if read.status == ReadStatus.SUBMITTED:
        raise ReadConflict("read is submitted and locked; its coverage is final", read_version=read.version)
    if cells is None and not viewports:
        raise ValidationError({"cells": "send cells (base64 grid) or viewports ([min_x, min_y, max_x, max_y] boxes)"})
    grid = empty_grid()
    try:
        if cells is not None:
            grid |= decode_cells(cells)
    except CoverageError as error:
        raise ValidationError({"cells": str(error)}) from error
    if viewports:
        width, height = mosaic_size(read)
        try:
            grid |= cells_in_viewports(viewports, width=width, height=height)
        except CoverageError as error:
            raise ValidationError({"viewports": str(error)}) from error
    ReadCoverage.objects.get_or_create(read=read, defaults={"cells": to_bytes(empty_grid())})
    stored = ReadCoverage.objects.select_for_update().get(read=read)
    merged = from_bytes(stored.cells) | grid
    stored.cells = to_bytes(merged)
    stored.viewed_fraction = viewed_fraction(merged)
    stored.save()
    return stored
