"""Who gets tiles: invisible mosaics answer 404, not-ready ones 409, and the decision is
cached per credential so the 2nd..Nth tile makes no database query."""

import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from annotations.models import MosaicStatus, Read
from tests.factories import MosaicFactory

from .conftest import TileWorld

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


@override_settings(RCM_TILE_ACCESS_TTL=0.5)
def test_removing_a_read_stops_tile_access_within_the_access_ttl(tile_world: TileWorld) -> None:
    client = tile_world.client("reader")
    url = f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/0_0.jpeg"
    assert client.get(url).status_code == 200
    Read.objects.filter(mosaic=tile_world.mosaic).delete()
    time.sleep(0.6)
    assert client.get(url).status_code == 404


def test_tiles_refuse_writes(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").post(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/0_0.jpeg")
    assert response.status_code == 405
