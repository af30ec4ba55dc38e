"""The tiled pyramidal BigTIFF and the thumbnail, written so nothing half-done is ever seen.

Each file is written under a hidden temporary name in its final directory and
renamed into place (atomic on one filesystem); on any error the temporary file is
removed. The pyramid carries none of the source's metadata (``keep="none"``: no
ImageDescription, Artist, EXIF, XMP or ICC — de-identification); the only tags it
has are the ones written here: geometry, tiling and the pixel size.

Compression is lossless: these are diagnostic images. The default was chosen by
``benchmarks/ingest_benchmark.py`` among what this libvips build's libtiff offers
(deflate, LZW; its libtiff has no ZSTD or WebP): see benchmarks/README.md.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvips

TILE_SIZE = 256
THUMBNAIL_SIZE = 512


@dataclass(frozen=True)
class Compression:
    name: str
    predictor: str = "none"
    level: int | None = None

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"compression": self.name, "predictor": self.predictor}
        if self.level is not None:
            options["level"] = self.level
        return options

    def describe(self) -> str:
        level = f" level {self.level}" if self.level is not None else ""
        return f"{self.name}{level}, predictor {self.predictor}"


# Chosen by benchmarks/ingest_benchmark.py (see benchmarks/README.md).
LOSSLESS_CANDIDATES = (
    Compression("deflate", "horizontal", 1),
    Compression("deflate", "horizontal", 6),
    Compression("deflate", "none", 1),
    Compression("lzw", "horizontal"),
    Compression("lzw", "none"),
    Compression("none"),
)
DEFAULT_COMPRESSION = Compression("deflate", "horizontal", 1)


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary path next to ``final``; renamed onto it only if the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.stem}-", suffix=final.suffix, dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def write_pyramid(
    image: pyvips.Image,
    destination: Path,
    *,
    um_per_px: float,
    compression: Compression = DEFAULT_COMPRESSION,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Write ``image`` (one uchar band) as a tiled pyramidal BigTIFF at ``destination``."""
    pixels_per_mm = 1000.0 / um_per_px
    # A fresh header: only geometry, band format and the pixel size we decided on.
    image = image.copy(xres=pixels_per_mm, yres=pixels_per_mm, interpretation="b-w")
    if on_progress is not None:
        image.set_progress(True)
        image.signal_connect("eval", lambda _image, progress: on_progress(int(progress.percent)))
    with atomic_path(destination) as temporary:
        image.tiffsave(
            str(temporary),
            tile=True,
            tile_width=TILE_SIZE,
            tile_height=TILE_SIZE,
            pyramid=True,
            bigtiff=True,
            keep="none",
            resunit="cm",
            **compression.options(),
        )


def write_thumbnail(pyramid: Path, destination: Path, *, size: int = THUMBNAIL_SIZE) -> None:
    """A PNG no larger than ``size`` on its longer side, read from the pyramid's small levels."""
    with atomic_path(destination) as temporary:
        pyvips.Image.thumbnail(str(pyramid), size).pngsave(str(temporary), keep="none")
