"""The one snake_case adapter over large_image: open a mosaic's pyramid, cached.

Open sources are kept per process, keyed by mosaic id, pyramid path and the file's
modification time, so a re-ingested pyramid is reopened and nothing else is.
large_image keeps its own tile cache behind the source.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import large_image
import numpy as np
from large_image.constants import TILE_FORMAT_NUMPY

from annotations.models import Mosaic
from annotations.storage import media_path

_MAX_OPEN = 32
_lock = threading.Lock()
_open: "OrderedDict[tuple[int, str, int], MosaicSource]" = OrderedDict()


class PyramidMissing(Exception):
    """The mosaic has no pyramid on disk (not ingested, or the file went away)."""


@dataclass(frozen=True)
class MosaicSource:
    """An open pyramid and what identifies its version."""

    mosaic_id: int
    path: Path
    version: int  # the pyramid's mtime in ns: changes when the file is rewritten
    width: int
    height: int
    max_downsample: int  # the coarsest stored level's downsampling factor (a power of two)
    tile_width: int
    tile_height: int
    tile_source: Any  # large_image.tilesource.TileSource

    def level_pixels(self, *, downsample: int, left: int, top: int, right: int, bottom: int) -> np.ndarray:
        """A rectangle of the stored level ``downsample`` (a power of two), in that level's pixels.

        Read with ``getTile`` and stitched: no resampling and none of ``getRegion``'s
        generic iteration. Stored levels are ``floor(size / downsample)`` wide (libvips);
        pixels past that edge repeat the last row or column, like DZI's rounded-up sizes.
        """
        z = (self.max_downsample // downsample).bit_length() - 1
        stored_right, stored_bottom = self.width // downsample, self.height // downsample
        out = np.empty((bottom - top, right - left), dtype=np.uint8)
        read_right, read_bottom = min(right, stored_right), min(bottom, stored_bottom)
        tw, th = self.tile_width, self.tile_height
        for ty in range(top // th, (read_bottom - 1) // th + 1):
            for tx in range(left // tw, (read_right - 1) // tw + 1):
                tile = _to_gray(self.tile_source.getTile(tx, ty, z, numpyAllowed="always"))
                x0, x1 = max(left, tx * tw), min(read_right, (tx + 1) * tw)
                y0, y1 = max(top, ty * th), min(read_bottom, (ty + 1) * th)
                out[y0 - top : y1 - top, x0 - left : x1 - left] = tile[
                    y0 - ty * th : y1 - ty * th, x0 - tx * tw : x1 - tx * tw
                ]
        if read_right < right:
            out[:, read_right - left :] = out[:, read_right - left - 1 : read_right - left]
        if read_bottom < bottom:
            out[read_bottom - top :, :] = out[read_bottom - top - 1 : read_bottom - top, :]
        return out

    def region(self, *, left: int, top: int, right: int, bottom: int, out_width: int, out_height: int) -> np.ndarray:
        """Full-resolution rectangle scaled to (at most) the output size, as a 2-D uint8 array.

        large_image reads from the pyramid level closest above the output scale, so
        power-of-two scales come straight from a stored level without resampling.
        """
        array, _ = self.tile_source.getRegion(
            region={"left": left, "top": top, "right": right, "bottom": bottom, "units": "base_pixels"},
            output={"maxWidth": out_width, "maxHeight": out_height},
            format=TILE_FORMAT_NUMPY,
        )
        return _to_gray(array)

    def thumbnail(self, *, size: int) -> np.ndarray:
        array, _ = self.tile_source.getThumbnail(width=size, height=size, format=TILE_FORMAT_NUMPY)
        return _to_gray(array)


def _to_gray(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3:
        # Pyramids are single-band; drop an alpha band or average colour if one appears.
        bands = array.shape[2]
        array = array[:, :, 0] if bands in (1, 2) else array[:, :, :3].mean(axis=2)
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return array


def open_mosaic(mosaic: Mosaic) -> MosaicSource:
    """The open pyramid of ``mosaic``; raises PyramidMissing when there is none."""
    if not mosaic.pyramid_path:
        raise PyramidMissing(f"mosaic {mosaic.pk} has no pyramid")
    path = media_path(mosaic.pyramid_path)
    try:
        version = path.stat().st_mtime_ns
    except FileNotFoundError as error:
        raise PyramidMissing(f"pyramid of mosaic {mosaic.pk} is missing") from error
    key = (mosaic.pk, str(path), version)
    with _lock:
        source = _open.get(key)
        if source is not None:
            _open.move_to_end(key)
            return source
    tile_source = large_image.open(str(path))
    metadata = tile_source.getMetadata()
    source = MosaicSource(
        mosaic.pk, path, version, int(metadata["sizeX"]), int(metadata["sizeY"]),
        2 ** (int(metadata["levels"]) - 1), int(metadata["tileWidth"]), int(metadata["tileHeight"]), tile_source,
    )  # fmt: skip
    with _lock:
        _open[key] = source
        while len(_open) > _MAX_OPEN:
            _open.popitem(last=False)
    return source


def forget_open_sources() -> None:
    """Drop every cached source (tests, and after a pyramid is deleted)."""
    with _lock:
        _open.clear()
