"""ETags, 304s, the shared tile cache and the nginx tile directory."""

import subprocess
from pathlib import Path

from django.conf import settings
from django.test import override_settings

from annotations.tiles.cache import tile_cache, tile_key
from annotations.tiles.signing import dzi_url, tile_signature

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


def test_rendered_tiles_are_kept_in_the_shared_cache(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}")
    version = Path(settings.MEDIA_ROOT, tile_world.mosaic.pyramid_path).stat().st_mtime_ns
    cached = tile_cache().get(tile_key(tile_world.mosaic.pk, version, 11, 1, 1, "jpeg"))
    assert cached == response.content


def test_served_tiles_are_written_where_nginx_looks_for_them(tile_world: TileWorld, tmp_path: Path) -> None:
    with override_settings(RCM_TILE_DISK_CACHE_DIR=str(tmp_path)):
        response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/{TILE}")
    version = Path(settings.MEDIA_ROOT, tile_world.mosaic.pyramid_path).stat().st_mtime_ns
    written = tmp_path / str(tile_world.mosaic.pk) / str(version) / "11" / "1_1.jpeg"
    assert written.read_bytes() == response.content


def test_signature_is_the_one_nginx_secure_link_md5_computes() -> None:
    # nginx's documented recipe: md5 binary, base64, '+/' -> '-_', no '='.
    text = "1767225600:42:1700000000123456789 s3cret"
    expected = subprocess.run(
        "printf %s \"$TEXT\" | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =",
        shell=True, check=True, capture_output=True, text=True, env={"TEXT": text, "PATH": "/usr/bin:/bin"},
    ).stdout.strip()  # fmt: skip
    assert tile_signature(mosaic_id=42, version=1700000000123456789, expires=1767225600, secret="s3cret") == expected


def test_dzi_url_is_signed_only_when_a_secret_is_configured() -> None:
    with override_settings(RCM_TILE_URL_SECRET=""):
        assert dzi_url(mosaic_id=7, version=99) == "/api/mosaics/7/dzi.dzi"
    with override_settings(RCM_TILE_URL_SECRET="abc", RCM_TILE_URL_TTL=900):
        url = dzi_url(mosaic_id=7, version=99, now=1_000_000)
    assert url.startswith("/api/mosaics/7/dzi.dzi?v=99&exp=")
    expires = int(url.split("exp=")[1].split("&")[0])
    assert 1_000_900 <= expires <= 1_001_200
    assert url.endswith("sig=" + tile_signature(mosaic_id=7, version=99, expires=expires, secret="abc"))


def test_tile_redis_cache_round_trips_through_one_reused_client() -> None:
    from annotations.tiles.redis_cache import TileRedisCache

    cache = TileRedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"rcmtest:{settings.RUN_ID}"})
    cache.set("tile-roundtrip", b"\xff\xd8tile", 30)
    assert cache.get("tile-roundtrip") == b"\xff\xd8tile"
    assert cache._cache.get_client() is cache._cache.get_client()


@override_settings(RCM_TILE_RENDER_GROUP=2)
def test_with_grouping_a_miss_renders_and_caches_the_tiles_two_by_two_group(tile_world: TileWorld) -> None:
    tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/3_1.png")
    version = Path(settings.MEDIA_ROOT, tile_world.mosaic.pyramid_path).stat().st_mtime_ns
    cached = tile_cache().get_many(
        [tile_key(tile_world.mosaic.pk, version, 11, c, r, "png") for c, r in [(2, 0), (3, 0), (2, 1), (3, 1)]]
    )
    assert len(cached) == 4
    assert tile_cache().get(tile_key(tile_world.mosaic.pk, version, 11, 4, 1, "png")) is None


def test_by_default_a_miss_renders_only_the_asked_tile(tile_world: TileWorld) -> None:
    tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/3_1.png")
    version = Path(settings.MEDIA_ROOT, tile_world.mosaic.pyramid_path).stat().st_mtime_ns
    keys = [tile_key(tile_world.mosaic.pk, version, 11, c, r, "png") for c, r in [(3, 1), (2, 0), (2, 1), (3, 0)]]
    assert list(tile_cache().get_many(keys)) == keys[:1]
