"""Where rendered tiles are kept: the shared Django cache, and the nginx tile directory.

The Django cache (``RCM_TILE_CACHE_ALIAS``: local memory by default, Redis in
production and tests, through ``redis_cache.TileRedisCache`` where configured) is shared by every worker. Keys carry the pyramid version, so
a rewritten pyramid never serves stale tiles. When ``RCM_TILE_DISK_CACHE_DIR`` is
set (production behind ``platform/nginx``), every tile Django serves is also written
to ``<dir>/<mosaic id>/<version>/<level>/<col>_<row>.<format>`` (atomically), where
nginx finds it for signed URLs.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import BaseCache, caches

from . import render
from .dzi import DziGrid
from .source import MosaicSource


def tile_key(mosaic_id: int, version: int, level: int, col: int, row: int, image_format: str) -> str:
    return f"tile:{mosaic_id}:{version:x}:{level}:{col}:{row}:{image_format}"


def tile_cache() -> BaseCache:
    alias = settings.RCM_TILE_CACHE_ALIAS
    return caches[alias if alias in settings.CACHES else "default"]


def dzi_tile_bytes(source: MosaicSource, grid: DziGrid, level: int, col: int, row: int, image_format: str) -> bytes:
    """The encoded tile from the shared cache; on a miss its group of ``RCM_TILE_RENDER_GROUP``² tiles
    is rendered and cached together (render.dzi_block_pixels)."""
    cache = tile_cache()
    key = tile_key(source.mosaic_id, source.version, level, col, row, image_format)
    body = cache.get(key)
    if body is None:
        group = render.dzi_block_pixels(source, grid, level, col, row, max(1, settings.RCM_TILE_RENDER_GROUP))
        bodies = {member: render.encode(pixels, image_format) for member, pixels in group.items()}
        cache.set_many(
            {tile_key(source.mosaic_id, source.version, level, c, r, image_format): b for (c, r), b in bodies.items()},
            settings.RCM_TILE_CACHE_TTL,
        )
        body = bodies[(col, row)]
    return body


def disk_tile_path(mosaic_id: int, version: int, level: int, col: int, row: int, image_format: str) -> Path | None:
    root = settings.RCM_TILE_DISK_CACHE_DIR
    if not root:
        return None
    return Path(root) / str(mosaic_id) / str(version) / str(level) / f"{col}_{row}.{image_format}"


def write_disk_tile(path: Path, body: bytes) -> None:
    """Write once, atomically (rename), so nginx never serves a half-written file."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tile-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
