"""Reading coverage: which parts of a mosaic a reader looked at closely enough to judge them.

**Diagnostic zoom** (``DIAGNOSTIC_ZOOM``): the viewer counts a view only when
one full-resolution image pixel spans at least half a screen (CSS) pixel, i.e.
at least 1 screen px per 2 image px (OpenSeadragon's
``viewport.viewportToImageZoom(viewport.getZoom()) >= 0.5``). Zoomed further
out, cellular detail (the honeycomb, dendritic cells) cannot be judged, so
panning over the overview does not count as reading.

**The grid** (``GRID_SIZE`` x ``GRID_SIZE`` cells, 64 x 64) is laid over the
mosaic's own extent: cell ``(row, col)`` covers x in ``[col, col + 1) * W / 64``
and y in ``[row, row + 1) * H / 64`` full-resolution pixels, so every cell is
over the mosaic and a mosaic's viewed fraction is the share of set cells. A
viewport marks the cells whose **centre** it contains (a box shown at the
screen's edge for a moment does not mark the cells it barely touches).

**Encoding** (what the API sends and accepts): the cells row-major, one bit
each, most significant bit first (``numpy.packbits``), 512 bytes, base64. Cells
are only ever added (OR): a later, smaller grid never clears what was seen.

Django-free: plain numbers in, plain arrays and strings out.
"""

import base64
import binascii
from collections.abc import Iterable, Sequence

import numpy as np

GRID_SIZE = 64
DIAGNOSTIC_ZOOM = 0.5  # screen px per full-resolution image px, at least
_CELL_BYTES = GRID_SIZE * GRID_SIZE // 8


class CoverageError(ValueError):
    """Coverage input that cannot be used, with a message fit for the user."""


def empty_grid() -> np.ndarray:
    return np.zeros((GRID_SIZE, GRID_SIZE), dtype=bool)


def decode_cells(text: str) -> np.ndarray:
    """A base64 grid (see the module docstring) as a ``(64, 64)`` bool array; CoverageError if malformed."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise CoverageError("cells must be base64") from error
    if len(raw) != _CELL_BYTES:
        raise CoverageError(f"cells must hold {GRID_SIZE} x {GRID_SIZE} bits ({_CELL_BYTES} bytes), not {len(raw)}")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8)).reshape(GRID_SIZE, GRID_SIZE).astype(bool)


def encode_cells(grid: np.ndarray) -> str:
    return base64.b64encode(np.packbits(grid.astype(bool)).tobytes()).decode("ascii")


def from_bytes(raw: bytes | memoryview | None) -> np.ndarray:
    """A grid as stored (packed bytes; empty for a read nobody looked at yet)."""
    if not raw:
        return empty_grid()
    return np.unpackbits(np.frombuffer(bytes(raw), dtype=np.uint8)).reshape(GRID_SIZE, GRID_SIZE).astype(bool)


def to_bytes(grid: np.ndarray) -> bytes:
    return np.packbits(grid.astype(bool)).tobytes()


def viewed_fraction(grid: np.ndarray) -> float:
    return float(grid.mean())


def cells_in_viewports(viewports: Iterable[Sequence[float]], *, width: int, height: int) -> np.ndarray:
    """The cells whose centre lies in any of the boxes ``[min_x, min_y, max_x, max_y]`` (image pixels)."""
    if width <= 0 or height <= 0:
        raise CoverageError("the mosaic has no size yet")
    centres_x = (np.arange(GRID_SIZE) + 0.5) * width / GRID_SIZE
    centres_y = (np.arange(GRID_SIZE) + 0.5) * height / GRID_SIZE
    grid = empty_grid()
    for index, box in enumerate(viewports):
        if len(box) != 4 or not np.all(np.isfinite(box)) or box[0] > box[2] or box[1] > box[3]:
            raise CoverageError(f"viewports[{index}] is not [min_x, min_y, max_x, max_y] with min <= max")
        columns = (centres_x >= box[0]) & (centres_x <= box[2])
        rows = (centres_y >= box[1]) & (centres_y <= box[3])
        grid |= np.outer(rows, columns)
    return grid
