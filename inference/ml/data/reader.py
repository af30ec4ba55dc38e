"""Where tiles come from: the ``TileReader`` contract and a pyvips reader over a pyramid file.

The platform implements ``TileReader`` over its large_image adapter; ``PyramidReader``
is the Django-free implementation over a tiled pyramidal TIFF path (the pyramids
ingest writes with pyvips), for tests, benchmarks and scripts on a GPU box.

``PyramidReader`` opens the file lazily, once per process: it pickles as its path
only, so a DataLoader worker (forked or spawned) opens its own libvips handle and
never shares one across a fork. Reads pick the stored level closest above the
requested scale and resample the rest with Pillow (antialiased), so a tile at the
mosaic's own scale is a plain copy of level-0 pixels. Pixels outside the mosaic read
as 0, which is what RCM background looks like.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyvips
from PIL import Image

# libvips reports 1 pixel per mm when a TIFF has no resolution tag.
_NO_RESOLUTION = 1.0


class PyramidError(Exception):
    """The pyramid cannot be opened or read (missing file, not an image, no pixel size)."""


@runtime_checkable
class TileReader(Protocol):
    """A mosaic's pixels: level-0 rectangles resampled to a given size, and a small overview."""

    @property
    def width(self) -> int: ...  # level-0 pixels

    @property
    def height(self) -> int: ...

    @property
    def um_per_px(self) -> float: ...  # micrometres per level-0 pixel

    def read_region(
        self, left: int, top: int, width: int, height: int, *, out_width: int, out_height: int
    ) -> np.ndarray:
        """The level-0 rectangle resampled to (out_height, out_width), uint8; 0 outside the mosaic."""
        ...

    def overview(self, max_size: int) -> np.ndarray:
        """The whole mosaic scaled to fit ``max_size`` on its long side, uint8 (H, W), aspect kept."""
        ...


@dataclass
class PyramidReader:
    """``TileReader`` over a tiled pyramidal TIFF (8-bit, one band); pickles as its path only."""

    path: Path
    pixel_size_um: float | None = None  # overrides the file's resolution tag
    _pid: int = field(default=-1, init=False, repr=False)
    _levels: list[Any] = field(default_factory=list, init=False, repr=False)  # pyvips.Image per stored level
    _regions: list[Any] = field(default_factory=list, init=False, repr=False)
    _um_per_px: float = field(default=0.0, init=False, repr=False)

    def __reduce__(self) -> tuple[type["PyramidReader"], tuple[Path, float | None]]:
        return (PyramidReader, (self.path, self.pixel_size_um))

    def _open(self) -> None:
        if self._pid == os.getpid():
            return
        try:
            # revalidate: libvips caches opened files by name; a re-ingested pyramid must not be served stale.
            base = pyvips.Image.new_from_file(str(self.path), access="random", revalidate=True)
            pages = base.get("n-pages") if "n-pages" in base.get_fields() else 1
            levels = [base] + [
                pyvips.Image.new_from_file(str(self.path), page=i, access="random", revalidate=True)
                for i in range(1, pages)
            ]
        except pyvips.Error as error:
            raise PyramidError(f"{self.path}: cannot open as an image ({str(error).strip()})") from error
        if base.bands != 1 or base.format != "uchar":
            raise PyramidError(f"{self.path}: expected one 8-bit band, got {base.bands} band(s) of {base.format}")
        # Keep only pages that halve the previous one: the stored pyramid levels.
        self._levels = [levels[0]]
        for level in levels[1:]:
            if level.width == self._levels[-1].width // 2 and level.height == self._levels[-1].height // 2:
                self._levels.append(level)
        self._regions = [pyvips.Region.new(level) for level in self._levels]
        if self.pixel_size_um is not None:
            self._um_per_px = self.pixel_size_um
        elif base.xres > _NO_RESOLUTION:
            self._um_per_px = 1000.0 / base.xres  # libvips reports pixels per millimetre
        else:
            raise PyramidError(f"{self.path}: the file has no pixel size; pass pixel_size_um")
        self._pid = os.getpid()

    @property
    def width(self) -> int:
        self._open()
        return int(self._levels[0].width)

    @property
    def height(self) -> int:
        self._open()
        return int(self._levels[0].height)

    @property
    def um_per_px(self) -> float:
        self._open()
        return self._um_per_px

    def read_region(
        self, left: int, top: int, width: int, height: int, *, out_width: int, out_height: int
    ) -> np.ndarray:
        self._open()
        scale = min(width / out_width, height / out_height)
        level = max(0, min(len(self._levels) - 1, int(np.floor(np.log2(scale + 1e-9)))))
        factor = 2**level
        # The integer rectangle of the stored level that covers the request, and where the request sits in it.
        x0, y0 = left / factor, top / factor
        x1, y1 = (left + width) / factor, (top + height) / factor
        ix0, iy0, ix1, iy1 = int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)), int(np.ceil(y1))
        pixels = self._fetch(level, ix0, iy0, ix1 - ix0, iy1 - iy0)
        box = (x0 - ix0, y0 - iy0, x1 - ix0, y1 - iy0)
        if pixels.shape == (out_height, out_width) and box == (0, 0, out_width, out_height):
            return pixels
        resized = Image.fromarray(pixels).resize((out_width, out_height), Image.Resampling.BILINEAR, box=box)
        return np.array(resized)  # a writable copy: torch.from_numpy needs one

    def _fetch(self, level: int, left: int, top: int, width: int, height: int) -> np.ndarray:
        """A rectangle of a stored level, zero outside it (pyvips refuses reads past the edge)."""
        image = self._levels[level]
        out = np.zeros((height, width), dtype=np.uint8)
        cx0, cy0 = max(left, 0), max(top, 0)
        cx1, cy1 = min(left + width, image.width), min(top + height, image.height)
        if cx1 > cx0 and cy1 > cy0:
            data = self._regions[level].fetch(cx0, cy0, cx1 - cx0, cy1 - cy0)
            out[cy0 - top : cy1 - top, cx0 - left : cx1 - left] = np.frombuffer(data, dtype=np.uint8).reshape(
                cy1 - cy0, cx1 - cx0
            )
        return out

    def overview(self, max_size: int) -> np.ndarray:
        self._open()
        # The smallest stored level still at least max_size on its long side, shrunk by libvips.
        level = self._levels[0]
        for candidate in self._levels[1:]:
            if max(candidate.width, candidate.height) >= max_size:
                level = candidate
        small = level.thumbnail_image(max_size, height=max_size, size="down")
        return small.numpy().reshape(small.height, small.width).astype(np.uint8, copy=False)
