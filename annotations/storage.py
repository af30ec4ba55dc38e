"""Where a mosaic's files live under MEDIA_ROOT, and safe path handling.

Layout: ``mosaics/<id>/pyramid.tiff`` (tiled pyramidal BigTIFF, 8-bit gray),
``mosaics/<id>/thumbnail.png``, ``mosaics/<id>/dzi/`` (Deep Zoom tiles pre-rendered
at ingest, ``annotations.ingest.prerender``), ``mosaics/<id>/original/<name>`` (when
the project keeps originals), ``uploads/<upload-id>.part`` (chunked uploads in flight).
Records store paths relative to MEDIA_ROOT so the media volume can move.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation

from annotations.ingest.pipeline import PYRAMID_NAME, THUMBNAIL_NAME
from annotations.ingest.prerender import DZI_DIR_NAME

__all__ = ["DZI_DIR_NAME", "PYRAMID_NAME", "THUMBNAIL_NAME", "media_path", "media_root", "mosaic_dir", "remove_mosaic_files", "remove_rendered_tiles", "to_relative"]


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def mosaic_dir(mosaic_id: int) -> Path:
    return media_root() / "mosaics" / str(mosaic_id)


def to_relative(path: Path) -> str:
    return str(path.resolve().relative_to(media_root().resolve()))


def media_path(relative: str) -> Path:
    """The absolute path of a stored relative path; refuses anything outside MEDIA_ROOT."""
    root = media_root().resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise SuspiciousFileOperation(f"{relative!r} points outside the media root")
    return path


def remove_mosaic_files(mosaic_id: int) -> None:
    """Remove everything stored for a mosaic: its folder (pyramid, pre-rendered tiles…) and rendered tiles."""
    shutil.rmtree(mosaic_dir(mosaic_id), ignore_errors=True)
    remove_rendered_tiles(mosaic_id)


def remove_rendered_tiles(mosaic_id: int) -> None:
    """Remove the tiles Django rendered into the tile directory (``RCM_TILE_DISK_CACHE_DIR``)."""
    if settings.RCM_TILE_DISK_CACHE_DIR:
        shutil.rmtree(Path(settings.RCM_TILE_DISK_CACHE_DIR) / str(mosaic_id), ignore_errors=True)
