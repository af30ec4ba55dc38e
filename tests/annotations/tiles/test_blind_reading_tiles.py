"""Blind double reading: a reader's tile responses must not tell where the other reader looked.

Nothing a reader's tile requests leave behind may be shared with another reader:
no cache entry, no file, no header. With pre-rendered tiles (the default) viewing
writes nothing at all; without them, the tile cache and tile directory are per user.
"""

from pathlib import Path
from typing import Any

import pytest

from annotations.models import Role
from annotations.storage import media_path, mosaic_dir
from annotations.tiles.cache import tile_cache, tile_key
from annotations.tiles.deferred import wait_until_done
from tests.factories import ReadFactory, member

from .conftest import TileWorld, prerender

VIEWED = ["11/1_1.jpeg", "11/2_1.jpeg", "10/0_0.jpeg", "9/0_0.jpeg", "11/3_3.png"]
NOT_VIEWED = ["11/4_2.jpeg", "11/0_3.jpeg", "10/2_1.jpeg", "8/0_0.jpeg", "11/4_4.png"]


@pytest.fixture
def second_reader(tile_world: TileWorld) -> Any:
    reader = member(tile_world.mosaic.case.project, Role.READER)
    ReadFactory(mosaic=tile_world.mosaic, reader=reader)
    return reader


def _shared_state(tile_world: TileWorld, tile_dir: Path | None) -> dict[str, tuple[int, int]]:
    """Files of the mosaic (and of the tile directory) with size and mtime, and tile cache keys."""
    state: dict[str, tuple[int, int]] = {}
    for root in (mosaic_dir(tile_world.mosaic.pk), tile_dir):
        for path in root.rglob("*") if root is not None and root.exists() else []:
            stat = path.stat()
            state[str(path)] = (stat.st_size, stat.st_mtime_ns)
    client = tile_cache()._cache.get_client()  # type: ignore[attr-defined]  # Django's Redis backend
    for key in client.scan_iter(match=f"*tile:{tile_world.mosaic.pk}:*", count=1000):
        state[key.decode()] = (0, 0)
    return state


def _view(tile_world: TileWorld, who: str, tiles: list[str]) -> dict[str, Any]:
    client = tile_world.client(who)
    responses = {tile: client.get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/{tile}") for tile in tiles}
    wait_until_done()
    return responses


def _headers(response: Any) -> dict[str, str]:
    # The ETag names the tile (the same for everybody) and the length depends on the content.
    return {name: value for name, value in response.items() if name not in ("ETag", "Content-Length")}


def test_with_prerendered_tiles_viewing_leaves_nothing_behind(
    tile_world: TileWorld, tmp_path: Path, settings: Any
) -> None:
    settings.RCM_TILE_DISK_CACHE_DIR = str(tmp_path / "tilecache")
    prerender(tile_world.mosaic)
    jpeg_only = [tile for tile in VIEWED if tile.endswith(".jpeg")]
    before = _shared_state(tile_world, tmp_path / "tilecache")
    _view(tile_world, "reader", jpeg_only)
    assert _shared_state(tile_world, tmp_path / "tilecache") == before


def test_without_prerendered_tiles_what_a_reader_leaves_behind_is_only_their_own(
    tile_world: TileWorld, second_reader: Any, tmp_path: Path, settings: Any
) -> None:
    settings.RCM_TILE_DISK_CACHE_DIR = str(tmp_path / "tilecache")
    reader = tile_world.users["reader"].pk
    before = _shared_state(tile_world, tmp_path / "tilecache")
    _view(tile_world, "reader", VIEWED)
    left = set(_shared_state(tile_world, tmp_path / "tilecache")) - set(before)
    assert left  # the reader's own cache entries and files
    own_folder = str(tmp_path / "tilecache" / str(tile_world.mosaic.pk) / str(reader))
    assert all(
        f":{reader}:" in entry or entry.startswith(own_folder) or entry == str(Path(own_folder).parent)
        for entry in left
    ), left


def test_another_readers_cached_tile_is_never_served(tile_world: TileWorld, second_reader: Any) -> None:
    _view(tile_world, "reader", ["11/1_1.jpeg"])
    version = media_path(tile_world.mosaic.pyramid_path).stat().st_mtime_ns
    first_reader = tile_world.users["reader"].pk
    tile_cache().set(tile_key(tile_world.mosaic.pk, version, first_reader, 11, 1, 1, "jpeg"), b"first reader's", 60)
    tile_world.users["second"] = second_reader
    body = _view(tile_world, "second", ["11/1_1.jpeg"])["11/1_1.jpeg"].content
    assert body.startswith(b"\xff\xd8") and body != b"first reader's"


@pytest.mark.parametrize("prerendered", [True, False])
def test_headers_of_tiles_the_other_reader_viewed_match_those_of_tiles_nobody_viewed(
    tile_world: TileWorld, second_reader: Any, prerendered: bool
) -> None:
    if prerendered:
        prerender(tile_world.mosaic)
    _view(tile_world, "reader", VIEWED)
    tile_world.users["second"] = second_reader
    viewed, not_viewed = _view(tile_world, "second", VIEWED), _view(tile_world, "second", NOT_VIEWED)
    for seen, unseen in zip(VIEWED, NOT_VIEWED, strict=True):
        assert viewed[seen].status_code == not_viewed[unseen].status_code == 200
        assert _headers(viewed[seen]) == _headers(not_viewed[unseen]), (seen, unseen)
        assert not {"Age", "X-Cache", "Last-Modified"} & set(viewed[seen].headers)
