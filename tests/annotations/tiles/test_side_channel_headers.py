"""Blind reading: no header of a thumbnail, region or tile tells when or where the other reader worked,
and no cache keeps a read's answers (issue 11)."""

from typing import Any

from annotations.models import Role
from annotations.tiles.deferred import wait_until_done
from tests.factories import ReadFactory, member

from .conftest import TileWorld

VOLATILE = ("Date", "Content-Length")


def _image_urls(tile_world: TileWorld) -> list[str]:
    base = f"/api/mosaics/{tile_world.mosaic.pk}"
    return [f"{base}/thumbnail", f"{base}/region?left=100&top=100&width=200&height=200",
            f"{base}/dzi_files/11/1_1.jpeg", f"{base}/dzi.dzi"]  # fmt: skip


def _headers(client: Any, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    wait_until_done()
    return {name: value for name, value in response.items() if name not in VOLATILE}


def test_image_headers_are_private_and_the_same_whatever_the_other_reader_did(tile_world: TileWorld) -> None:
    other = member(tile_world.mosaic.case.project, Role.READER)
    ReadFactory(mosaic=tile_world.mosaic, reader=other)
    tile_world.users["other"] = other
    me = tile_world.client("other")
    before = {url: _headers(me, url) for url in _image_urls(tile_world)}
    # The first reader works: the same thumbnail, region and tiles, and more.
    reader = tile_world.client("reader")
    for url in _image_urls(tile_world):
        _headers(reader, url)
    after = {url: _headers(me, url) for url in _image_urls(tile_world)}
    for url in after:
        assert after[url] == before[url], (url, sorted(set(after[url].items()) ^ set(before[url].items())))
    for url, headers in after.items():
        assert "private" in headers["Cache-Control"] and "public" not in headers["Cache-Control"], url
        assert not {"Last-Modified", "Age", "X-Cache"} & set(headers), (url, headers)


def test_reading_answers_are_kept_by_no_cache(tile_world: TileWorld) -> None:
    read = tile_world.mosaic.reads.get()
    client = tile_world.client("reader")
    for url in (f"/api/reads/{read.pk}/", f"/api/reads/{read.pk}/regions/", f"/api/reads/{read.pk}/history/",
                f"/api/mosaics/{tile_world.mosaic.pk}/reads/", "/api/reads/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= {part.strip() for part in response["Cache-Control"].split(",")}, url
        assert "Last-Modified" not in response and "ETag" not in response, url
