"""The one snake_case adapter over large_image: open a mosaic's pyramid, cached.

Open sources are kept per process, keyed by mosaic id, pyramid path and the file's
modification time, so a re-ingested pyramid is reopened and nothing else is.
large_image keeps its own tile cache behind the source. A source also knows
whether ingest pre-rendered the mosaic's Deep Zoom tiles beside the pyramid.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import large_image
import numpy as np
import pyvips
from large_image.constants import TILE_FORMAT_NUMPY

from annotations.ingest.prerender import DZI_DIR_NAME, dzi_descriptor_path, dzi_tiles_dir
from annotations.models import Mosaic
from annotations.storage import media_path

_MAX_OPEN = 64
_lock = threading.Lock()
_open: "OrderedDict[tuple[int, str, int], MosaicSource]" = OrderedDict()


class PyramidMissing(Exception):
    """The mosaic has no pyramid on disk (not ingested, or the file went away)."""


@dataclass(frozen=True)
class MosaicSource:
    """A mosaic's pyramid: what identifies its version, its geometry, and large_image opened on demand.

    The header (size, stored levels) is read with libvips when the mosaic is opened;
    large_image opens the file only when a tile must be rendered. A mosaic whose tiles
    were pre-rendered at ingest is mostly served from those files, so most never need it.
    """

    mosaic_id: int
    path: Path
    version: int  # the pyramid's mtime in ns: changes when the file is rewritten
    width: int
    height: int
    max_downsample: int  # the coarsest stored level's downsampling factor (a power of two)
    dzi_dir: Path | None = None  # the JPEG tiles pre-rendered at ingest (<level>/<col>_<row>.jpeg), if any

    @cached_property
    def tile_source(self) -> Any:
        """large_image's TileSource of the pyramid (its camelCase API stays in this module)."""
        return large_image.open(str(self.path))

    @cached_property
    def _tiling(self) -> tuple[int, int, int]:
        """large_image's level count (it may announce a coarser level than the file stores) and tile size."""
        metadata = self.tile_source.getMetadata()
        return int(metadata["levels"]), int(metadata["tileWidth"]), int(metadata["tileHeight"])

    def level_pixels(self, *, downsample: int, left: int, top: int, right: int, bottom: int) -> np.ndarray:
        """A rectangle of the stored level ``downsample`` (a power of two), in that level's pixels.

        Read with ``getTile`` and stitched: no resampling and none of ``getRegion``'s
        generic iteration. Stored levels are ``floor(size / downsample)`` wide (libvips);
        pixels past that edge repeat the last row or column, like DZI's rounded-up sizes.
        """
        levels, tw, th = self._tiling
        z = levels - downsample.bit_length()
        stored_right, stored_bottom = self.width // downsample, self.height // downsample
        out = np.empty((bottom - top, right - left), dtype=np.uint8)
        read_right, read_bottom = min(right, stored_right), min(bottom, stored_bottom)
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
    if source is not None:
        if source.dzi_dir is None and (dzi_dir := _prerendered_tiles(path)) is not None:
            source = replace(source, dzi_dir=dzi_dir)  # pre-rendered since it was opened (prerender_tiles)
            with _lock:
                _open[key] = source
        return source
    # libvips stores levels down to one tile (floor sizes), one TIFF page each.
    try:
        header = pyvips.Image.new_from_file(str(path), revalidate=True)
    except pyvips.Error as error:
        raise PyramidMissing(f"pyramid of mosaic {mosaic.pk} cannot be read") from error
    source = MosaicSource(
        mosaic.pk, path, version, header.width, header.height, 2 ** (int(header.get("n-pages")) - 1),
        _prerendered_tiles(path),
    )  # fmt: skip
    with _lock:
        _open[key] = source
        while len(_open) > _MAX_OPEN:
            _open.popitem(last=False)
    return source


def _prerendered_tiles(pyramid: Path) -> Path | None:
    """The tiles ingest wrote beside the pyramid (annotations.ingest.prerender), when complete."""
    dzi = pyramid.parent / DZI_DIR_NAME
    return dzi_tiles_dir(dzi) if dzi_descriptor_path(dzi).is_file() else None


def forget_open_sources() -> None:
    """Drop every cached source (tests, and after a pyramid is deleted)."""
    with _lock:
        _open.clear()
