"""ETags, 304s, the tile cache and the tile directory of mosaics without pre-rendered tiles."""

from pathlib import Path

from django.conf import settings
from django.test import override_settings

from annotations.tiles.cache import tile_cache, tile_key
from annotations.tiles.deferred import wait_until_done
from annotations.tiles.signing import dzi_url

from .conftest import TileWorld

TILE = "dzi_files/11/1_1.jpeg"


def test_tiles_carry_an_etag_and_private_cache_control(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}")
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"].startswith("private")


def test_matching_if_none_match_answers_304_without_a_body(tile_world: TileWorld) -> None:
    client = tile_world.client("reader")
    url = f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}"
    etag = client.get(url)["ETag"]
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_304_is_only_given_to_users_who_may_see_the_mosaic(tile_world: TileWorld) -> None:
    url = f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}"
    etag = tile_world.client("reader").get(url)["ETag"]
    assert tile_world.client("outsider").get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404


def _version(tile_world: TileWorld) -> int:
    return Path(settings.MEDIA_ROOT, tile_world.mosaic.pyramid_path).stat().st_mtime_ns


def test_rendered_tiles_are_kept_in_the_users_tile_cache_after_the_response(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}")
    wait_until_done()
    reader = tile_world.users["reader"].pk
    cached = tile_cache().get(tile_key(tile_world.mosaic.pk, _version(tile_world), reader, 11, 1, 1, "jpeg"))
    assert cached == response.content


def test_a_cached_tile_is_served_from_the_cache(tile_world: TileWorld) -> None:
    client = tile_world.client("reader")
    reader = tile_world.users["reader"].pk
    tile_cache().set(tile_key(tile_world.mosaic.pk, _version(tile_world), reader, 11, 1, 1, "jpeg"), b"cached", 60)
    assert client.get(f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}").content == b"cached"


def test_served_tiles_are_written_into_the_users_tile_directory(tile_world: TileWorld, tmp_path: Path) -> None:
    with override_settings(RCM_TILE_DISK_CACHE_DIR=str(tmp_path)):
        response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}")
        wait_until_done()
    written = tmp_path / str(tile_world.mosaic.pk) / str(tile_world.users["reader"].pk) / "11" / "1_1.jpeg"
    assert written.read_bytes() == response.content


def test_the_page_hands_openseadragon_the_plain_descriptor_url() -> None:
    with override_settings(RCM_TILE_URL_SECRET="abc"):
        assert dzi_url(mosaic_id=7, version=99) == "/api/mosaics/7/dzi.dzi"


def test_tile_redis_cache_round_trips_through_one_reused_client() -> None:
    from annotations.tiles.redis_cache import TileRedisCache

    cache = TileRedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"rcmtest:{settings.RUN_ID}"})
    cache.set("tile-roundtrip", b"\xff\xd8tile", 30)
    assert cache.get("tile-roundtrip") == b"\xff\xd8tile"
    assert cache._cache.get_client() is cache._cache.get_client()


@override_settings(RCM_TILE_RENDER_GROUP=2)
def test_with_grouping_a_miss_renders_and_caches_the_tiles_two_by_two_group(tile_world: TileWorld) -> None:
    tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/3_1.png")
    wait_until_done()
    reader, version = tile_world.users["reader"].pk, _version(tile_world)
    keys = [tile_key(tile_world.mosaic.pk, version, reader, 11, c, r, "png") for c, r in [(2, 0), (3, 0), (2, 1), (3, 1)]]
    assert len(tile_cache().get_many(keys)) == 4
    assert tile_cache().get(tile_key(tile_world.mosaic.pk, version, reader, 11, 4, 1, "png")) is None


def test_by_default_a_miss_renders_only_the_asked_tile(tile_world: TileWorld) -> None:
    tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/3_1.png")
    wait_until_done()
    reader, version = tile_world.users["reader"].pk, _version(tile_world)
    keys = [tile_key(tile_world.mosaic.pk, version, reader, 11, c, r, "png") for c, r in [(3, 1), (2, 0), (2, 1), (3, 0)]]
    assert list(tile_cache().get_many(keys)) == keys[:1]
