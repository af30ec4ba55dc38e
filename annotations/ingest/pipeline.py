"""One source (a file or a VivaBlock folder) to a pyramid, a thumbnail and a record.

``ingest_source`` runs the steps in order and returns what the Mosaic record needs;
any refusal is an ``IngestError`` whose message is meant for the person who
uploaded. The caller owns ``out_dir`` and removes it on failure; the files here
are written atomically, so an interrupted run leaves nothing under a final name.
"""

import errno
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyvips

from . import bmp
from .errors import IngestError, StorageFull
from .prerender import DZI_DIR_NAME, write_dzi_tiles
from .pyramid import DEFAULT_COMPRESSION, Compression, write_pyramid
from .read import load, to_gray8, um_per_px_from_metadata, vips_reason
from .sniff import check_header, read_header
from .vivablock import Grid, frames_in, grid_from_folder, is_vivablock, stitch

HASH_BLOCK = 4 * 1024**2
# Smaller BMPs are decoded in memory (Pillow); larger uncompressed ones strip by strip.
BMP_IN_MEMORY_PIXELS = 4_000_000

Progress = Callable[[int], None]

# The files an ingest writes into its output folder (storage lays them out under MEDIA_ROOT).
PYRAMID_NAME = "pyramid.tiff"
THUMBNAIL_NAME = "thumbnail.png"


@dataclass
class IngestResult:
    width: int
    height: int
    um_per_px: float
    checksum: str
    pyramid: Path
    thumbnail: Path
    source_info: dict[str, Any] = field(default_factory=dict)
    dzi: Path | None = None  # pre-rendered Deep Zoom tiles (prerender.py), when asked for


def storage_full(out_dir: Path) -> StorageFull:
    free = shutil.disk_usage(out_dir.parent if not out_dir.exists() else out_dir).free
    return StorageFull(
        f"the server's storage is full ({free / 1024**2:.0f} MB free) and the pyramid could not be written; "
        "nothing was kept of it. An administrator must free space or enlarge the media volume, then re-run the ingest"
    )


def sha256_of(source: Path) -> str:
    """SHA-256 of a file, or of a VivaBlock folder's frames (name and bytes, in order)."""
    digest = hashlib.sha256()
    paths = frames_in(source) if source.is_dir() else [source]
    for path in paths:
        if source.is_dir():
            digest.update(path.name.encode() + b"\0")
        with path.open("rb") as stream:
            while block := stream.read(HASH_BLOCK):
                digest.update(block)
    return digest.hexdigest()


def open_source(
    source: Path,
    *,
    max_pixels: int,
    grid: Grid | None = None,
    scratch_dir: Path | None = None,
    scratch: list[Path] | None = None,
) -> tuple[pyvips.Image, dict[str, Any], float | None]:
    """The source as one uchar band, what was done to it, and its own pixel size if stated.

    With ``scratch_dir``, a large uncompressed BMP is converted into a raw file there
    first (bounded memory); its path is appended to ``scratch``, for the caller to
    remove once the image is written.
    """
    if source.is_dir():
        if not is_vivablock(source):
            raise IngestError(f"{source.name} is a folder without VivaBlock frames (v0000000.bmp …)")
        grid = grid or grid_from_folder(source)
        if grid is None:
            raise IngestError(
                f"{source.name}: a VivaBlock folder needs its grid: pass --grid COLUMNSxROWS "
                "(and --serpentine if rows alternate) or put a vivablock.json next to the frames"
            )
        image, info = stitch(source, grid, max_pixels=max_pixels)
        return image, info, None
    header = read_header(source)
    check_header(header, max_pixels=max_pixels)
    streamed: list[str] | None = None
    if header.format == "bmp" and scratch_dir is not None and header.pixels > BMP_IN_MEMORY_PIXELS:
        layout = bmp.read_layout(source)
        if layout.streamable:
            raw, streamed, scratch_file = bmp.stream_to_gray(source, layout, scratch_dir)
            if scratch is not None:
                scratch.append(scratch_file)
    if streamed is None:
        # 16-bit data needs two passes (its brightest sample, then the scaling).
        raw = load(source, header, sequential=header.bits_per_sample <= 8)
    if (raw.width, raw.height) != (header.width, header.height):
        raise IngestError(
            f"the file's header says {header.width} x {header.height} but it decodes as {raw.width} x {raw.height}"
        )
    image, info = to_gray8(raw, header)
    if streamed is not None:
        info["channels"] = header.channels
        info["conversions"] = streamed + info["conversions"]
    pages = int(raw.get("n-pages")) if "n-pages" in raw.get_fields() else 1
    if pages > 1:
        info["conversions"].append(
            f"first of {pages} pages read (the full resolution of a pyramid, or the first image of a stack)"
        )
    extension = source.suffix.lower().lstrip(".")
    if extension and extension not in _EXTENSIONS[header.format]:
        info["extension_mismatch"] = f"named .{extension} but the content is {header.format.upper()}; read as such"
    return image, info, um_per_px_from_metadata(raw)


_EXTENSIONS = {
    "tiff": {"tif", "tiff", "btf", "tf8"},
    "bigtiff": {"tif", "tiff", "btf", "tf8"},
    "png": {"png"},
    "jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "bmp": {"bmp", "dib"},
}


def ingest_source(
    source: Path,
    out_dir: Path,
    *,
    max_pixels: int,
    default_um_per_px: float,
    grid: Grid | None = None,
    compression: Compression = DEFAULT_COMPRESSION,
    checksum: str | None = None,
    dzi_quality: int | None = None,
    on_progress: Progress | None = None,
) -> IngestResult:
    """Pyramid and thumbnail of ``source`` in ``out_dir``; ``checksum`` skips re-hashing a known source.

    With ``dzi_quality`` the Deep Zoom tiles are pre-rendered too, as JPEG of that quality.
    """
    report = on_progress or (lambda _percent: None)
    report(1)
    scratch: list[Path] = []
    try:
        return _ingest(source, out_dir, scratch, max_pixels=max_pixels, default_um_per_px=default_um_per_px,
                       grid=grid, compression=compression, checksum=checksum, dzi_quality=dzi_quality,
                       report=report)  # fmt: skip
    except OSError as error:  # a BMP's scratch file, the thumbnail, an fsync, a rename
        if error.errno == errno.ENOSPC:
            raise storage_full(out_dir) from error
        raise
    finally:
        for path in scratch:
            path.unlink(missing_ok=True)


def _ingest(
    source: Path,
    out_dir: Path,
    scratch: list[Path],
    *,
    max_pixels: int,
    default_um_per_px: float,
    grid: Grid | None,
    compression: Compression,
    checksum: str | None,
    dzi_quality: int | None,
    report: Progress,
) -> IngestResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    image, info, stated_um = open_source(source, max_pixels=max_pixels, grid=grid, scratch_dir=out_dir, scratch=scratch)
    checksum = checksum or sha256_of(source)
    report(5)
    um_per_px = stated_um or default_um_per_px
    info["um_per_px_source"] = "file metadata (resolution tags)" if stated_um else "project default"
    info["pyramid"] = {"compression": compression.describe(), "tile_size": 256, "metadata_copied": False}
    pyramid = out_dir / PYRAMID_NAME
    thumbnail = out_dir / THUMBNAIL_NAME
    # Progress: the pyramid (which decodes the source) is most of the work; the tiles read the pyramid back.
    pyramid_share = 90 if dzi_quality is None else 65
    try:
        write_pyramid(
            image,
            pyramid,
            thumbnail=thumbnail,
            um_per_px=um_per_px,
            compression=compression,
            on_progress=lambda percent: report(5 + percent * pyramid_share // 100),
        )
        dzi = None
        if dzi_quality is not None:
            dzi = write_dzi_tiles(
                pyramid,
                out_dir / DZI_DIR_NAME,
                quality=dzi_quality,
                on_progress=lambda percent: report(5 + pyramid_share + percent * (90 - pyramid_share) // 100),
            )
            info["dzi_tiles"] = {"format": "jpeg", "quality": dzi_quality}
    except pyvips.Error as error:
        if "No space left on device" in str(error):
            raise storage_full(out_dir) from error
        raise IngestError(f"the image data is truncated or corrupt: {vips_reason(error)}") from error
    report(100)
    return IngestResult(
        width=image.width,
        height=image.height,
        um_per_px=um_per_px,
        checksum=checksum,
        pyramid=pyramid,
        thumbnail=thumbnail,
        source_info=info,
        dzi=dzi,
    )
