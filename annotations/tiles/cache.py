"""Where a tile's bytes come from: the tiles pre-rendered at ingest, the user's rendered tiles, or the renderer.

1. A mosaic with pre-rendered tiles (``annotations.ingest.prerender``, the default)
   serves its JPEG tiles from those files: the same bytes the renderer makes, with
   no network round trip and nothing written when someone looks.
2. Otherwise, with a tile directory (``RCM_TILE_DISK_CACHE_DIR``, production), the
   user's rendered tile is a file there (one local read; nginx serves it too, through
   the user's grant record); without one, it is in the tile cache
   (``RCM_TILE_CACHE_ALIAS``: Redis in tests and where configured, local memory
   otherwise), one round trip.
3. A tile found in neither is rendered (its group of ``RCM_TILE_RENDER_GROUP``² tiles);
   writing the rendered tiles into the directory or the cache happens after the
   response (``deferred``).

Rendered tiles are kept per user: with blind double reading, what one reader looked at
must not make another reader's tiles faster or different (their timing would tell where
the other reader worked). Cache keys carry the pyramid version; a re-ingest removes
the tile directory of the mosaic (``invalidation``).
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import BaseCache, caches

from . import render
from .deferred import defer
from .grant_records import user_tile_dir
from .grants import TileGrant


class TileMissing(Exception):
    """A pre-rendered tile file is gone (its mosaic is being deleted)."""


def tile_key(mosaic_id: int, version: int, user_id: int, level: int, col: int, row: int, image_format: str) -> str:
    return f"tile:{mosaic_id}:{version:x}:{user_id}:{level}:{col}:{row}:{image_format}"


def tile_cache() -> BaseCache:
    alias = settings.RCM_TILE_CACHE_ALIAS
    return caches[alias if alias in settings.CACHES else "default"]


def dzi_tile_bytes(grant: TileGrant, level: int, col: int, row: int, image_format: str) -> bytes:
    source = grant.source
    if image_format == "jpeg" and source.dzi_dir is not None:
        try:
            return (source.dzi_dir / str(level) / f"{col}_{row}.jpeg").read_bytes()
        except FileNotFoundError as error:
            raise TileMissing(str(error)) from error
    path = disk_tile_path(grant, level, col, row, image_format)
    if path is not None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
    else:
        body = tile_cache().get(
            tile_key(source.mosaic_id, source.version, grant.user_id, level, col, row, image_format)
        )
        if body is not None:
            return bytes(body)
    group = render.dzi_block_pixels(source, grant.grid, level, col, row, max(1, settings.RCM_TILE_RENDER_GROUP))
    bodies = {member: render.encode(pixels, image_format) for member, pixels in group.items()}
    defer(lambda: _store(grant, level, image_format, bodies))
    return bodies[(col, row)]


def _store(grant: TileGrant, level: int, image_format: str, bodies: dict[tuple[int, int], bytes]) -> None:
    """Into the user's tile directory when there is one, else into the tile cache."""
    if not grant.source.path.exists():
        return  # the mosaic was deleted meanwhile: leave no orphan behind
    if settings.RCM_TILE_DISK_CACHE_DIR:
        for (c, r), body in bodies.items():
            write_disk_tile(
                user_tile_dir(grant.mosaic_id, grant.user_id) / str(level) / f"{c}_{r}.{image_format}", body
            )
        return
    source = grant.source
    tile_cache().set_many(
        {
            tile_key(source.mosaic_id, source.version, grant.user_id, level, c, r, image_format): body
            for (c, r), body in bodies.items()
        },
        settings.RCM_TILE_CACHE_TTL,
    )


def disk_tile_path(grant: TileGrant, level: int, col: int, row: int, image_format: str) -> Path | None:
    """Where nginx looks for the user's rendered tile (None: no tile directory configured)."""
    if not settings.RCM_TILE_DISK_CACHE_DIR:
        return None
    return user_tile_dir(grant.mosaic_id, grant.user_id) / str(level) / f"{col}_{row}.{image_format}"


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
