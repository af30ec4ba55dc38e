"""Where a mosaic's files live under MEDIA_ROOT, and safe path handling.

Layout: ``mosaics/<id>/pyramid.tiff`` (tiled pyramidal BigTIFF, 8-bit gray),
``mosaics/<id>/thumbnail.png``, ``mosaics/<id>/original/<name>`` (when the project
keeps originals), ``uploads/<upload-id>.part`` (chunked uploads in flight).
Records store paths relative to MEDIA_ROOT so the media volume can move.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation

PYRAMID_NAME = "pyramid.tiff"
THUMBNAIL_NAME = "thumbnail.png"


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
    """Remove everything stored for a mosaic: its folder and its rendered-tile cache."""
    shutil.rmtree(mosaic_dir(mosaic_id), ignore_errors=True)
    if settings.RCM_TILE_DISK_CACHE_DIR:
        shutil.rmtree(Path(settings.RCM_TILE_DISK_CACHE_DIR) / str(mosaic_id), ignore_errors=True)
