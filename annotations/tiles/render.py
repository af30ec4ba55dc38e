"""Pixels and encodings: DZI tiles, regions at any scale, thumbnails.

Tiles are cut from the pyramid through ``MosaicSource.region`` (large_image's
getRegion), which reads the stored level at power-of-two scales, so tile pixels
match ``vips dzsave`` of the same image (checked in the tests).
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


_overviews_lock = threading.Lock()
_overviews: "OrderedDict[tuple[int, int, int], np.ndarray]" = OrderedDict()


def overview_level(source: MosaicSource, grid: DziGrid, level: int) -> np.ndarray:
    """A whole DZI level coarser than the pyramid's coarsest stored level (a few hundred px at most).

    Built from the coarsest stored level by repeated halving, so the small overview
    levels follow libvips' arithmetic instead of large_image's aspect-rounded resize.
    """
    key = (source.mosaic_id, source.version, level)
    with _overviews_lock:
        if key in _overviews:
            return _overviews[key]
    base_level = grid.max_level - source.max_downsample.bit_length() + 1
    width, height = grid.level_size(base_level)
    array = fit_to(source.region(left=0, top=0, right=grid.width, bottom=grid.height,
                                 out_width=width, out_height=height), width, height)  # fmt: skip
    for _ in range(base_level - level):
        array = halve(array)
    with _overviews_lock:
        _overviews[key] = array
        while len(_overviews) > 256:
            _overviews.popitem(last=False)
    return array


def dzi_tile_pixels(source: MosaicSource, grid: DziGrid, level: int, col: int, row: int) -> np.ndarray:
    bounds = grid.tile_bounds(level, col, row)
    if bounds.scale > source.max_downsample:
        return overview_level(source, grid, level)[bounds.top : bounds.bottom, bounds.left : bounds.right]
    array = source.region(
        left=bounds.base_left, top=bounds.base_top, right=bounds.base_right, bottom=bounds.base_bottom,
        out_width=bounds.width, out_height=bounds.height,
    )  # fmt: skip
    return fit_to(array, bounds.width, bounds.height)


def dzi_block_pixels(
    source: MosaicSource, grid: DziGrid, level: int, col: int, row: int, block: int
) -> dict[tuple[int, int], np.ndarray]:
    """The tiles of the ``block`` x ``block`` group (aligned on multiples of ``block``) holding (col, row).

    Read straight from the stored level (DZI levels down to the coarsest stored one are
    stored levels) with ``MosaicSource.level_pixels``. One pyramid read for the group: neighbouring DZI tiles share the stored tiles
    under their borders (the 254-px DZI grid never lines up with the pyramid's
    256-px tiles), so a 2 x 2 group decodes about 9 stored tiles instead of 16, and
    OpenSeadragon asks for the neighbours next anyway.
    """
    bounds = grid.tile_bounds(level, col, row)
    if bounds.scale > source.max_downsample:
        return {(col, row): dzi_tile_pixels(source, grid, level, col, row)}
    cols, rows = grid.tile_count(level)
    members = [
        (c, r)
        for c in range(col - col % block, min(cols, col - col % block + block))
        for r in range(row - row % block, min(rows, row - row % block + block))
    ]
    tiles = {member: grid.tile_bounds(level, *member) for member in members}
    first, last = tiles[members[0]], tiles[members[-1]]
    union = source.level_pixels(
        downsample=bounds.scale, left=first.left, top=first.top, right=last.right, bottom=last.bottom
    )
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
    """8-bit grey pixels as JPEG (quality from settings) or PNG (fast, lossless)."""
    buffer = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(array), mode="L")
    if image_format == "jpeg":
        image.save(buffer, format="JPEG", quality=settings.RCM_TILE_JPEG_QUALITY)
    elif image_format == "png":
        # Level 1: the pixels stay lossless; higher levels cost milliseconds per tile for a few % of bytes.
        image.save(buffer, format="PNG", compress_level=1)
    else:
        raise ValueError(f"unknown tile format {image_format!r}")
    return buffer.getvalue()
