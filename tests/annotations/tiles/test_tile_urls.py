"""The session-bound tiles URLs of the nginx fast path and their grant records.

A descriptor fetched by a logged-in page names a tiles URL signed for that session;
nginx serves it while the grant record exists. These tests check what Django
writes (signature, records) and, when nginx is installed, the whole path through
platform/nginx/nginx.conf.
"""

import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from annotations.models import Read
from annotations.tiles import grant_records
from annotations.tiles.signing import granted_tiles_url, tile_signature
from tests.nginx_front import Nginx, free_port, nginx_available, production_config

from .conftest import TileWorld, build_tile_world, prerender

SECRET = "test-tile-secret"
JPEG = b"\xff\xd8"


def _tiles_url(client: Client, mosaic_id: int) -> str | None:
    response = client.get(f"/api/mosaics/{mosaic_id}/dzi.dzi")
    assert response.status_code == 200
    match = re.search(r' Url="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def _session(client: Client) -> str:
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_signature_is_the_one_nginx_secure_link_md5_computes() -> None:
    # nginx's documented recipe: md5 binary, base64, '+/' -> '-_', no '='.
    text = "1767225600:42:7:0123abcd:sessionkey123 s3cret"
    expected = subprocess.run(
        "printf %s \"$TEXT\" | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =",
        shell=True, check=True, capture_output=True, text=True, env={"TEXT": text, "PATH": "/usr/bin:/bin"},
    ).stdout.strip()  # fmt: skip
    signature = tile_signature(
        mosaic_id=42, user_id=7, tag="0123abcd", expires=1767225600, session_key="sessionkey123", secret="s3cret"
    )
    assert signature == expected


@override_settings(RCM_TILE_URL_SECRET=SECRET, RCM_TILE_URL_TTL=600)
def test_tiles_url_is_short_lived_and_signed_for_the_session() -> None:
    url = granted_tiles_url(mosaic_id=5, user_id=9, tag="ab12", session_key="session-one", now=1_000_000)
    match = re.fullmatch(r"/api/mosaics/5/tiles/9/ab12/(\d+)/([\w-]+)/", url)
    assert match
    assert 1_000_600 <= int(match.group(1)) <= 1_000_660
    other = granted_tiles_url(mosaic_id=5, user_id=9, tag="ab12", session_key="session-two", now=1_000_000)
    assert other != url


@override_settings(RCM_TILE_URL_SECRET=SECRET)
def test_a_logged_in_page_gets_a_tiles_url_and_its_grant_record(tile_world: TileWorld) -> None:
    client = tile_world.client("reader")
    url = _tiles_url(client, tile_world.mosaic.pk)
    assert url is not None
    reader = tile_world.users["reader"].pk
    tag = grant_records.credential_tag("session", _session(client))
    assert url.startswith(f"/api/mosaics/{tile_world.mosaic.pk}/tiles/{reader}/{tag}/")
    assert grant_records.record_exists(grant_records.record_path(reader, tag, tile_world.mosaic.pk))
    assert tag not in _session(client) and _session(client) not in url


@override_settings(RCM_TILE_URL_SECRET=SECRET)
def test_token_clients_get_no_nginx_url(tile_world: TileWorld) -> None:
    token = Token.objects.create(user=tile_world.users["reader"])
    assert _tiles_url(Client(HTTP_AUTHORIZATION=f"Token {token.key}"), tile_world.mosaic.pk) is None


def test_without_a_secret_descriptors_name_no_tiles_url(tile_world: TileWorld) -> None:
    assert _tiles_url(tile_world.client("reader"), tile_world.mosaic.pk) is None


@override_settings(RCM_TILE_URL_SECRET=SECRET)
def test_django_serves_a_tiles_url_only_to_a_session_that_may_see_the_mosaic(tile_world: TileWorld) -> None:
    reader = tile_world.client("reader")
    tile = f"{_tiles_url(reader, tile_world.mosaic.pk)}11/1_1.jpeg"
    assert reader.get(tile).content.startswith(JPEG)
    for who in ("anonymous", "outsider", "unassigned_reader"):
        response = tile_world.client(who).get(tile)
        assert response.status_code == 404 and not response.content.startswith(JPEG), who


@override_settings(RCM_TILE_URL_SECRET=SECRET)
def test_logout_leaves_a_tombstone_where_the_grant_records_were(tile_world: TileWorld) -> None:
    client = tile_world.client("reader")
    _tiles_url(client, tile_world.mosaic.pk)
    reader, tag = tile_world.users["reader"].pk, grant_records.credential_tag("session", _session(client))
    client.logout()
    record = grant_records.record_path(reader, tag, tile_world.mosaic.pk)
    assert not grant_records.record_exists(record)
    assert record.parent.is_file()  # a racing decision cannot write a record for this session again
    assert grant_records.record_create(reader, tag, tile_world.mosaic.pk, target=record) is None


@override_settings(RCM_TILE_URL_SECRET=SECRET)
def test_removing_the_read_removes_the_grant_record(
    tile_world: TileWorld, django_capture_on_commit_callbacks: Any
) -> None:
    client = tile_world.client("reader")
    _tiles_url(client, tile_world.mosaic.pk)
    reader, tag = tile_world.users["reader"].pk, grant_records.credential_tag("session", _session(client))
    with django_capture_on_commit_callbacks(execute=True):
        Read.objects.filter(reader=tile_world.users["reader"]).delete()
    assert not grant_records.record_exists(grant_records.record_path(reader, tag, tile_world.mosaic.pk))


def test_records_expire_after_their_age_and_tombstones_after_theirs(tile_world: TileWorld) -> None:
    old = grant_records.record_create(1, "aaaa", 3, target=Path("/nonexistent"))
    fresh = grant_records.record_create(1, "bbbb", 3, target=Path("/nonexistent"))
    grant_records.revoke_credential(2, "cccc")
    assert old is not None and fresh is not None
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago), follow_symlinks=False)
    assert grant_records.records_expire(record_age=1800, tombstone_age=7200) == 1
    assert not grant_records.record_exists(old) and grant_records.record_exists(fresh)
    tombstone = grant_records.grant_root() / "2" / "cccc"
    assert tombstone.is_file()
    assert grant_records.records_expire(record_age=1800, tombstone_age=0, now=time.time() + 1) == 1
    assert not tombstone.exists()


# -- the whole path through nginx (skipped where nginx is not installed) ------------------------


@pytest.fixture
def nginx_front(live_server: Any, tmp_path: Path, settings: Any) -> Iterator[str]:
    if not nginx_available():
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    settings.RCM_TILE_URL_SECRET = SECRET
    port = free_port()
    config = production_config(
        work=tmp_path / "nginx", port=port, upstream=live_server.url.removeprefix("http://"),
        media_root=Path(settings.MEDIA_ROOT), grant_root=grant_records.grant_root(),
        static_root=tmp_path / "static", run_as_root=os.geteuid() == 0,
    )  # fmt: skip
    front = Nginx(tmp_path / "nginx", config, port, SECRET)
    front.start()
    yield f"http://127.0.0.1:{port}"
    front.stop()


def _nginx_tile(front: str, mosaic_id: int, session: str) -> str:
    """The tile 11/1_1 under the tiles URL of the descriptor fetched through nginx with ``session``."""
    status, _, descriptor = _get(f"{front}/api/mosaics/{mosaic_id}/dzi.dzi", session)
    match = re.search(rb' Url="([^"]+)"', descriptor)
    assert status == 200 and match, descriptor
    return f"{front}{match.group(1).decode()}11/1_1.jpeg"


def _get(url: str, session: str | None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"} if session else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _served_by_nginx(headers: dict[str, str]) -> bool:
    # nginx sends a file with Last-Modified; Django's tile responses never carry one.
    return "Last-Modified" in headers


@pytest.mark.django_db(transaction=True)
def test_nginx_serves_granted_tiles_and_stops_at_logout_and_revocation(nginx_front: str) -> None:
    world = build_tile_world()
    tiles = prerender(world.mosaic)
    reader, other_session_of_reader, outsider = (Client() for _ in range(3))
    reader.force_login(world.users["reader"])
    other_session_of_reader.force_login(world.users["reader"])
    outsider.force_login(world.users["outsider"])
    session = _session(reader)

    tile = _nginx_tile(nginx_front, world.mosaic.pk, session)
    status, headers, body = _get(tile, session)
    assert status == 200 and _served_by_nginx(headers)
    assert body == (tiles / "11" / "1_1.jpeg").read_bytes()

    # The URL is worth nothing without the session it was signed for.
    for cookie in (None, _session(outsider), _session(other_session_of_reader)):
        status, headers, body = _get(tile, cookie)
        assert not _served_by_nginx(headers), cookie
        if cookie != _session(other_session_of_reader):
            assert status == 404 and not body.startswith(JPEG), cookie

    # Revocation: the read goes, the URL stops at once.
    other_tile = _nginx_tile(nginx_front, world.mosaic.pk, _session(other_session_of_reader))
    assert _served_by_nginx(_get(other_tile, _session(other_session_of_reader))[1])
    Read.objects.filter(reader=world.users["reader"]).delete()
    status, headers, body = _get(other_tile, _session(other_session_of_reader))
    assert status == 404 and not body.startswith(JPEG) and not _served_by_nginx(headers)

    # Logout: the session's URL stops at once, even with the old cookie.
    reader.logout()
    status, headers, body = _get(tile, session)
    assert status == 404 and not body.startswith(JPEG) and not _served_by_nginx(headers)
