"""Deep Zoom (DZI) geometry: levels, tile bounds and the XML descriptor.

DZI numbering: level 0 is 1 x 1 pixel, the top level ``ceil(log2(max(w, h)))`` is
the full resolution; level L is the image scaled by ``2 ** (L - top)`` with sizes
rounded up (as ``vips dzsave`` does). Tiles are ``TILE_SIZE`` pixels plus
``OVERLAP`` pixels on every side that has a neighbour. Pure arithmetic, no I/O, so
it is cheap to call per request and easy to test.
"""

import math
from dataclasses import dataclass
from html import escape

TILE_SIZE = 254
OVERLAP = 1
FORMATS = ("jpeg", "png")


@dataclass(frozen=True)
class TileBounds:
    """A tile's rectangle in the pixels of its level, and the same in full-resolution pixels."""

    left: int
    top: int
    right: int
    bottom: int
    scale: int  # full-resolution pixels per level pixel (a power of two)
    base_left: int
    base_top: int
    base_right: int
    base_bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class DziGrid:
    width: int
    height: int
    tile_size: int = TILE_SIZE
    overlap: int = OVERLAP

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError("a DZI image needs at least one pixel")

    @property
    def max_level(self) -> int:
        return math.ceil(math.log2(max(self.width, self.height)))

    def scale(self, level: int) -> int:
        """Full-resolution pixels per pixel of ``level``."""
        return 2 ** (self.max_level - level)

    def level_size(self, level: int) -> tuple[int, int]:
        scale = self.scale(level)
        return -(-self.width // scale), -(-self.height // scale)

    def tile_count(self, level: int) -> tuple[int, int]:
        width, height = self.level_size(level)
        return -(-width // self.tile_size), -(-height // self.tile_size)

    def has_tile(self, level: int, col: int, row: int) -> bool:
        if not 0 <= level <= self.max_level:
            return False
        cols, rows = self.tile_count(level)
        return 0 <= col < cols and 0 <= row < rows

    def tile_bounds(self, level: int, col: int, row: int) -> TileBounds:
        if not self.has_tile(level, col, row):
            raise IndexError(f"no tile {col}_{row} at level {level}")
        width, height = self.level_size(level)
        scale = self.scale(level)
        left = max(0, col * self.tile_size - self.overlap)
        top = max(0, row * self.tile_size - self.overlap)
        right = min(width, (col + 1) * self.tile_size + self.overlap)
        bottom = min(height, (row + 1) * self.tile_size + self.overlap)
        return TileBounds(
            left, top, right, bottom, scale,
            left * scale, top * scale, min(self.width, right * scale), min(self.height, bottom * scale),
        )  # fmt: skip

    def descriptor(self, image_format: str = "jpeg", tiles_url: str | None = None) -> str:
        """The DZI XML that OpenSeadragon reads; ``tiles_url`` (the ``Url`` attribute) names where
        the tiles are, instead of OpenSeadragon's default (the descriptor's URL with ``_files/``)."""
        url = f' Url="{escape(tiles_url, quote=True)}"' if tiles_url else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Image xmlns="http://schemas.microsoft.com/deepzoom/2008"{url} Format="{image_format}" '
            f'Overlap="{self.overlap}" TileSize="{self.tile_size}">'
            f'<Size Width="{self.width}" Height="{self.height}"/></Image>\n'
        )
