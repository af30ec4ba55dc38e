"""Pixels and encodings: DZI tiles, regions at any scale, thumbnails.

DZI tiles are exactly what ``vips dzsave`` writes for the same image, byte for
byte (the tests compare every tile): ingest pre-renders the tiles with dzsave
(``annotations.ingest.dzi``) and a mosaic without them gets them rendered here, so
whichever path serves a tile (nginx, a pre-rendered file, this renderer) a user
sees the same bytes. Two facts make that possible:

- dzsave builds each DZI level by halving the one above it, rounding sizes up
  (odd edges repeated, 2 x 2 mean, rounded: ``halve``); the pyramid TIFF that
  ingest writes stores the same levels, rounded down. So a tile is read from the
  stored level, and only the last column or row that the TIFF level lacks is
  rebuilt by halving the level above (``level_rect``), recursively up to full
  resolution, which is complete;
- libvips and Pillow both encode with libjpeg-turbo's standard tables: Pillow's
  JPEG is dzsave's plus a JFIF APP0 segment, which ``encode`` leaves out.
"""

import io
import threading
from collections import OrderedDict

import numpy as np
from django.conf import settings
from PIL import Image

from .dzi import DziGrid
from .source import MosaicSource

CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}
_JFIF_APP0 = b"\xff\xd8\xff\xe0"


def fit_to(array: np.ndarray, width: int, height: int) -> np.ndarray:
    """Crop or edge-pad to exactly ``width`` x ``height`` (large_image may round a pixel off)."""
    array = array[:height, :width]
    pad_y, pad_x = height - array.shape[0], width - array.shape[1]
    if pad_y or pad_x:
        array = np.pad(array, ((0, pad_y), (0, pad_x)), mode="edge")
    return array


def halve(array: np.ndarray) -> np.ndarray:
    """One pyramid step as libvips takes it: odd edges repeated, 2 x 2 mean, rounded."""
    height, width = array.shape
    padded = np.pad(array, ((0, height % 2), (0, width % 2)), mode="edge").astype(np.uint16)
    total = padded[0::2, 0::2] + padded[1::2, 0::2] + padded[0::2, 1::2] + padded[1::2, 1::2]
    return ((total + 2) // 4).astype(np.uint8)


def level_rect(
    source: MosaicSource, grid: DziGrid, level: int, left: int, top: int, right: int, bottom: int
) -> np.ndarray:
    """A rectangle of DZI level ``level`` (one the pyramid stores), in that level's pixels.

    The stored level is ``floor(size / scale)`` wide, the DZI level ``ceil``: the
    columns and rows past the stored edge are the halved rectangle of the level above.
    """
    scale = grid.scale(level)
    stored_right, stored_bottom = grid.width // scale, grid.height // scale
    inner_right, inner_bottom = min(right, stored_right), min(bottom, stored_bottom)
    if inner_right == right and inner_bottom == bottom:
        return source.level_pixels(downsample=scale, left=left, top=top, right=right, bottom=bottom)
    out = np.empty((bottom - top, right - left), dtype=np.uint8)
    if inner_right > left and inner_bottom > top:
        out[: inner_bottom - top, : inner_right - left] = source.level_pixels(
            downsample=scale, left=left, top=top, right=inner_right, bottom=inner_bottom
        )
    if right > inner_right:
        edge = max(left, inner_right)
        out[:, edge - left :] = _halved_from_above(source, grid, level, edge, top, right, bottom)
    if bottom > inner_bottom and inner_right > left:
        edge = max(top, inner_bottom)
        out[edge - top :, : inner_right - left] = _halved_from_above(
            source, grid, level, left, edge, inner_right, bottom
        )
    return out


def _halved_from_above(
    source: MosaicSource, grid: DziGrid, level: int, left: int, top: int, right: int, bottom: int
) -> np.ndarray:
    width, height = grid.level_size(level + 1)
    above = level_rect(source, grid, level + 1, 2 * left, 2 * top, min(2 * right, width), min(2 * bottom, height))
    return halve(above)


_overviews_lock = threading.Lock()
_overviews: "OrderedDict[tuple[int, int, int], np.ndarray]" = OrderedDict()


def overview_level(source: MosaicSource, grid: DziGrid, level: int) -> np.ndarray:
    """A whole DZI level coarser than the pyramid's coarsest stored level (a few hundred px at most).

    The coarsest stored level, completed to its DZI size, halved down to ``level``.
    """
    key = (source.mosaic_id, source.version, level)
    with _overviews_lock:
        if key in _overviews:
            return _overviews[key]
    base_level = grid.max_level - source.max_downsample.bit_length() + 1
    width, height = grid.level_size(base_level)
    array = level_rect(source, grid, base_level, 0, 0, width, height)
    for _ in range(base_level - level):
        array = halve(array)
    with _overviews_lock:
        _overviews[key] = array
        while len(_overviews) > 256:
            _overviews.popitem(last=False)
    return array


def dzi_tile_pixels(source: MosaicSource, grid: DziGrid, level: int, col: int, row: int) -> np.ndarray:
    return dzi_block_pixels(source, grid, level, col, row, 1)[(col, row)]


def dzi_block_pixels(
    source: MosaicSource, grid: DziGrid, level: int, col: int, row: int, block: int
) -> dict[tuple[int, int], np.ndarray]:
    """The tiles of the ``block`` x ``block`` group (aligned on multiples of ``block``) holding (col, row).

    One pyramid read for the group: neighbouring DZI tiles share the stored tiles
    under their borders (the 254-px DZI grid never lines up with the pyramid's
    256-px tiles), so a 2 x 2 group decodes about 9 stored tiles instead of 16.
    """
    bounds = grid.tile_bounds(level, col, row)
    if bounds.scale > source.max_downsample:
        overview = overview_level(source, grid, level)
        return {(col, row): overview[bounds.top : bounds.bottom, bounds.left : bounds.right]}
    cols, rows = grid.tile_count(level)
    members = [
        (c, r)
        for c in range(col - col % block, min(cols, col - col % block + block))
        for r in range(row - row % block, min(rows, row - row % block + block))
    ]
    tiles = {member: grid.tile_bounds(level, *member) for member in members}
    first, last = tiles[members[0]], tiles[members[-1]]
    union = level_rect(source, grid, level, first.left, first.top, last.right, last.bottom)
    return {
        member: union[b.top - first.top : b.bottom - first.top, b.left - first.left : b.right - first.left]
        for member, b in tiles.items()
    }


def region_pixels(source: MosaicSource, *, left: int, top: int, width: int, height: int, scale: float) -> np.ndarray:
    """A full-resolution rectangle scaled by ``scale`` (output size rounded, at least 1 px)."""
    out_width, out_height = output_size(width, height, scale)
    array = source.region(
        left=left, top=top, right=left + width, bottom=top + height, out_width=out_width, out_height=out_height
    )
    return fit_to(array, out_width, out_height)


def output_size(width: int, height: int, scale: float) -> tuple[int, int]:
    return max(1, round(width * scale)), max(1, round(height * scale))


def encode(array: np.ndarray, image_format: str) -> bytes:
    """8-bit grey pixels as JPEG (quality from settings; dzsave's bytes) or PNG (fast, lossless)."""
    buffer = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(array), mode="L")
    if image_format == "jpeg":
        image.save(buffer, format="JPEG", quality=settings.RCM_TILE_JPEG_QUALITY)
        return without_jfif_header(buffer.getvalue())
    if image_format == "png":
        # Level 1: the pixels stay lossless; higher levels cost milliseconds per tile for a few % of bytes.
        image.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()
    raise ValueError(f"unknown tile format {image_format!r}")


def without_jfif_header(body: bytes) -> bytes:
    """A JPEG without its JFIF APP0 segment (as libvips writes it with ``keep="none"``)."""
    if body.startswith(_JFIF_APP0):
        length = int.from_bytes(body[4:6], "big")
        return body[:2] + body[4 + length :]
    return body
