"""The tiled pyramidal BigTIFF and the thumbnail, written so nothing half-done is ever seen.

Each file is written under a hidden temporary name in its final directory and
renamed into place (atomic on one filesystem); on any error the temporary file is
removed. The pyramid carries none of the source's metadata (``keep="none"``: no
ImageDescription, Artist, EXIF, XMP or ICC — de-identification); the only tags it
has are the ones written here: geometry, tiling and the pixel size.

Compression is always lossless: these are diagnostic images. The default (none)
was chosen by ``benchmarks/ingest_benchmark.py`` among what this libvips build's
libtiff offers (deflate and LZW with or without predictor, PackBits; it has no
ZSTD or WebP): see benchmarks/README.md. ``Compression.parse`` reads the setting
``RCM_PYRAMID_COMPRESSION`` for sites that prefer disk to CPU.
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

    @classmethod
    def parse(cls, text: str) -> "Compression":
        """'none', 'packbits', 'lzw', 'deflate', 'deflate:6', 'deflate:6:horizontal', 'lzw::horizontal'."""
        name, _, rest = text.strip().lower().partition(":")
        level_text, _, predictor = rest.partition(":")
        if name not in LOSSLESS_NAMES:
            raise ValueError(f"{text!r}: the pyramid compression must be lossless, one of {', '.join(LOSSLESS_NAMES)}")
        if predictor not in ("", "none", "horizontal"):
            raise ValueError(f"{text!r}: the predictor must be 'none' or 'horizontal'")
        level = int(level_text) if level_text else (1 if name == "deflate" else None)
        return cls(name, predictor or "none", level)


LOSSLESS_NAMES = ("none", "packbits", "lzw", "deflate")
# What benchmarks/ingest_benchmark.py compares (this libvips build's libtiff has no ZSTD or WebP).
LOSSLESS_CANDIDATES = (
    Compression("deflate", "horizontal", 1),
    Compression("deflate", "horizontal", 6),
    Compression("deflate", "none", 1),
    Compression("lzw", "horizontal"),
    Compression("lzw", "none"),
    Compression("packbits"),
    Compression("none"),
)
# Chosen by the benchmark (benchmarks/README.md): on speckled RCM content every
# lossless codec here costs 1.6-10x the time of an uncompressed save for at most 17 %
# less disk (deflate level 6); the setting RCM_PYRAMID_COMPRESSION trades CPU for disk.
DEFAULT_COMPRESSION = Compression("none")


def fsync_path(path: Path) -> None:
    """Flush a file's (or a directory's) data to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary path next to ``final``; renamed onto it only if the block succeeds.

    The data is fsync'ed before the rename and the directory after it: after a crash
    or power loss, ``final`` is the whole new file or the old one, never a file of the
    right name with blocks missing. Temporary names start with a dot; an ingest that
    restarts after its worker died removes them.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.stem}-", suffix=final.suffix, dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        # mkstemp makes the file private; the web server and nginx must read it.
        temporary.chmod(0o644)
        fsync_path(temporary)
        os.replace(temporary, final)
        fsync_path(final.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_pyramid(
    image: pyvips.Image,
    destination: Path,
    *,
    thumbnail: Path,
    um_per_px: float,
    compression: Compression = DEFAULT_COMPRESSION,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Write ``image`` (one uchar band) as a tiled pyramidal BigTIFF, and its thumbnail PNG.

    The thumbnail is read from the pyramid's small levels while the pyramid still has
    its unique temporary name: libvips caches opened files by name, and a re-ingest
    must never be served the previous pyramid.
    """
    pixels_per_mm = 1000.0 / um_per_px
    # A fresh header: only geometry, band format and the pixel size we decided on.
    image = image.copy(xres=pixels_per_mm, yres=pixels_per_mm, interpretation="b-w")
    if on_progress is not None:
        image.set_progress(True)
        image.signal_connect("eval", lambda _image, progress: on_progress(int(progress.percent)))
    with atomic_path(destination) as temporary, atomic_path(thumbnail) as thumbnail_temporary:
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
        small = pyvips.Image.thumbnail(str(temporary), THUMBNAIL_SIZE)
        small.pngsave(str(thumbnail_temporary), keep="none")
