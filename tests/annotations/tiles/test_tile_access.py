"""Who gets tiles: invisible mosaics answer 404, not-ready ones 409, and the decision is
cached per credential so the 2nd..Nth tile makes no database query — and ends at once
when the credential or the access ends (logout, membership, role, read, deletion)."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from annotations.models import Membership, MosaicStatus, Read, Role
from annotations.services.cleanup import mosaic_delete
from annotations.storage import mosaic_dir
from tests.factories import CenterFactory, MosaicFactory

from .conftest import TileWorld, prerender

JPEG = b"\xff\xd8"

ENDPOINTS = ["dzi.dzi", "dzi_files/11/0_0.jpeg", "thumbnail", "region?left=0&top=0&width=64&height=64"]


@pytest.mark.parametrize("who", ["unassigned_reader", "outsider", "nobody", "anonymous"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_users_who_cannot_see_the_mosaic_get_404(tile_world: TileWorld, who: str, endpoint: str) -> None:
    response = tile_world.client(who).get(f"/api/mosaics/{tile_world.mosaic.pk}/{endpoint}")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["reader", "lead"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_assigned_reader_and_lead_get_every_endpoint(tile_world: TileWorld, who: str, endpoint: str) -> None:
    response = tile_world.client(who).get(f"/api/mosaics/{tile_world.mosaic.pk}/{endpoint}")
    assert response.status_code == 200


def test_unknown_mosaic_answers_404(tile_world: TileWorld) -> None:
    assert tile_world.client("lead").get("/api/mosaics/987654321/dzi.dzi").status_code == 404


def test_mosaic_still_processing_answers_409_with_its_status(tile_world: TileWorld) -> None:
    processing = MosaicFactory(case=tile_world.mosaic.case, status=MosaicStatus.PROCESSING)
    response = tile_world.client("lead").get(f"/api/mosaics/{processing.pk}/dzi_files/0/0_0.jpeg")
    assert response.status_code == 409
    assert "processing" in response.json()["detail"]


def test_second_and_later_tiles_make_no_database_queries(tile_world: TileWorld) -> None:
    client = tile_world.client("reader")
    base = f"/api/mosaics/{tile_world.mosaic.pk}"
    assert client.get(f"{base}/dzi.dzi").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        for col, row in [(0, 0), (1, 0), (0, 1), (2, 3), (5, 4)]:
            assert client.get(f"{base}/dzi_files/11/{col}_{row}.jpeg").status_code == 200
        assert client.get(f"{base}/dzi_files/9/0_0.png").status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]


def test_token_authentication_serves_tiles_and_a_wrong_token_gets_401(tile_world: TileWorld) -> None:
    token = Token.objects.create(user=tile_world.users["reader"])
    url = f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/0_0.jpeg"
    assert Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(url).status_code == 200
    assert Client(HTTP_AUTHORIZATION="Token not-a-real-token").get(url).status_code == 401


def _tile(client: Client, tile_world: TileWorld, tile: str = "11/0_0.jpeg", mosaic_id: int | None = None) -> Any:
    return client.get(f"/api/mosaics/{mosaic_id or tile_world.mosaic.pk}/dzi_files/{tile}")


def _refused(response: Any) -> bool:
    """404 with a JSON body, never image bytes."""
    return response.status_code == 404 and not response.content.startswith(JPEG) and "detail" in response.json()


def test_a_shared_non_token_authorization_header_authenticates_no_one(tile_world: TileWorld) -> None:
    # A site-wide Basic gate or an SSO proxy sends the same header for everybody.
    gate = "Basic c2l0ZTpnYXRl"
    reader = tile_world.client("reader")
    reader.defaults["HTTP_AUTHORIZATION"] = gate
    assert _tile(reader, tile_world).content.startswith(JPEG)
    assert _refused(_tile(Client(HTTP_AUTHORIZATION=gate), tile_world))
    outsider = tile_world.client("outsider")
    outsider.defaults["HTTP_AUTHORIZATION"] = gate
    assert _refused(_tile(outsider, tile_world))
    bearer = "Bearer shared-by-the-proxy"
    reader.defaults["HTTP_AUTHORIZATION"] = bearer
    assert _tile(reader, tile_world).content.startswith(JPEG)
    assert _refused(_tile(Client(HTTP_AUTHORIZATION=bearer), tile_world))


def test_a_session_cookie_reused_after_logout_gets_no_tiles(tile_world: TileWorld) -> None:
    browser = Client()
    assert browser.post("/login/", {"username": tile_world.users["reader"].username, "password": "pw-for-tests"}).status_code == 302
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert _tile(browser, tile_world).content.startswith(JPEG)
    browser.post("/logout/")
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert _refused(_tile(stolen, tile_world))


def test_a_deleted_token_gets_no_tiles(tile_world: TileWorld) -> None:
    token = Token.objects.create(user=tile_world.users["reader"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert _tile(client, tile_world).content.startswith(JPEG)
    token.delete()
    assert _tile(client, tile_world).status_code == 401


Revocation = Callable[[TileWorld], None]


def _remove_read(world: TileWorld) -> None:
    Read.objects.filter(mosaic=world.mosaic, reader=world.users["reader"]).delete()


def _remove_membership(world: TileWorld) -> None:
    Membership.objects.filter(user=world.users["reader"]).delete()


def _deactivate_user(world: TileWorld) -> None:
    world.users["reader"].is_active = False
    world.users["reader"].save()


def _move_case_to_another_project(world: TileWorld) -> None:
    from tests.factories import ProjectFactory

    world.mosaic.case.project = ProjectFactory()
    world.mosaic.case.save()


@pytest.mark.parametrize("revoke", [_remove_read, _remove_membership, _deactivate_user, _move_case_to_another_project])
def test_losing_access_ends_cached_tile_access_at_once(
    tile_world: TileWorld, revoke: Revocation, django_capture_on_commit_callbacks: Any
) -> None:
    client = tile_world.client("reader")
    assert _tile(client, tile_world).content.startswith(JPEG)
    with django_capture_on_commit_callbacks(execute=True):
        revoke(tile_world)
    assert _refused(_tile(client, tile_world))


def test_a_reader_who_becomes_a_contributor_loses_tiles_of_old_reads(
    tile_world: TileWorld, django_capture_on_commit_callbacks: Any
) -> None:
    client = tile_world.client("reader")
    assert _tile(client, tile_world).content.startswith(JPEG)
    membership = Membership.objects.get(user=tile_world.users["reader"], project=tile_world.mosaic.case.project)
    other_center = CenterFactory()
    tile_world.mosaic.case.project.centers.add(other_center)
    with django_capture_on_commit_callbacks(execute=True):
        membership.role, membership.center = Role.CONTRIBUTOR, other_center
        membership.save()
    assert _refused(_tile(client, tile_world))


@pytest.mark.parametrize("with_prerendered_tiles", [False, True])
def test_deleting_a_mosaic_ends_tile_access_at_once_and_its_files_go(
    tile_world: TileWorld, with_prerendered_tiles: bool, django_capture_on_commit_callbacks: Any
) -> None:
    if with_prerendered_tiles:
        prerender(tile_world.mosaic)
    client, lead = tile_world.client("reader"), tile_world.client("lead")
    assert _tile(client, tile_world).content.startswith(JPEG)
    assert _tile(lead, tile_world, "10/1_1.jpeg").content.startswith(JPEG)
    mosaic_id = tile_world.mosaic.pk
    with django_capture_on_commit_callbacks(execute=True):
        mosaic_delete(mosaic=tile_world.mosaic)
    assert _refused(_tile(client, tile_world, mosaic_id=mosaic_id))
    assert _refused(_tile(lead, tile_world, "10/1_1.jpeg", mosaic_id=mosaic_id))
    assert not mosaic_dir(mosaic_id).exists()


def test_deleting_a_mosaic_ends_cached_access_before_its_transaction_commits(tile_world: TileWorld) -> None:
    client = tile_world.client("reader")
    assert _tile(client, tile_world).content.startswith(JPEG)
    mosaic_id = tile_world.mosaic.pk
    tile_world.mosaic.delete()  # its files go only after the commit; access ends now
    assert _refused(_tile(client, tile_world, mosaic_id=mosaic_id))
def test_tiles_refuse_writes(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").post(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/0_0.jpeg")
    assert response.status_code == 405


def test_a_token_that_expires_ends_its_cached_tile_decision(tile_world: TileWorld) -> None:
    # A token with three seconds left: its first tile caches the decision (RCM_TILE_ACCESS_TTL, 60 s) …
    token = Token.objects.create(user=tile_world.users["reader"])
    ends = timezone.now() + timedelta(seconds=3)
    Token.objects.filter(pk=token.pk).update(created=ends - timedelta(seconds=settings.RCM_TOKEN_TTL))
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert _tile(client, tile_world).content.startswith(JPEG)
    while timezone.now() <= ends:  # … and once the token has ended, the cached decision has too.
        time.sleep(0.1)
    refused = _tile(client, tile_world)
    assert refused.status_code == 401
    assert b"Token has expired." in refused.content
