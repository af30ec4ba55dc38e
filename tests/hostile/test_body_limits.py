"""Oversized request bodies get a 413 with a JSON reason, before the server reads them."""

import json
import socket
import time
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from tests.annotations.reading.conftest import Reading, square

pytestmark = pytest.mark.django_db(transaction=True)


def streamed_request(
    server_url: str, path: str, headers: dict[str, str], *, declared: int, sent: int
) -> tuple[str, float]:
    """Send headers declaring ``declared`` body bytes, then only ``sent`` of them; the answer and its delay."""
    host, port = server_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as connection:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
                f"Content-Length: {declared}", *(f"{name}: {value}" for name, value in headers.items())]  # fmt: skip
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        connection.sendall(b"[" * sent)
        started = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 60:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer.decode(errors="replace"), time.monotonic() - started


def test_a_region_body_declared_at_100_mb_is_refused_unread(live_server: Any, reading: Reading) -> None:
    token = Token.objects.create(user=reading.reader_a).key
    answer, waited = streamed_request(live_server.url, f"/api/reads/{reading.read_a.pk}/regions/",
                                      {"Authorization": f"Token {token}"}, declared=100 * 1024**2, sent=64 * 1024)  # fmt: skip
    status_line, _, rest = answer.partition("\r\n")
    assert " 413 " in status_line, answer[:500]
    body = json.loads(rest.partition("\r\n\r\n")[2])
    assert "at most 4,194,304" in body["detail"] and "RCM_MAX_SHAPE_JSON_BYTES" in body["detail"]
    assert waited < 10  # answered while 99.9 % of the body was never sent


def test_a_default_endpoint_refuses_a_body_above_one_megabyte_and_saves_nothing(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    before = reading.read_a.version
    response = client.patch(f"/api/reads/{reading.read_a.pk}/", {"note": "x" * (1024**2 + 1)}, format="json")
    assert response.status_code == 413
    assert "RCM_MAX_JSON_BYTES" in response.json()["detail"]
    reading.read_a.refresh_from_db()
    assert (reading.read_a.version, reading.read_a.note) == (before, "")


def test_limits_are_per_route_a_geojson_import_takes_more_than_a_drawing_write(reading: Reading, settings) -> None:
    settings.RCM_MAX_SHAPE_JSON_BYTES = 2000
    settings.RCM_MAX_GEOJSON_BYTES = 100_000
    client = reading.client(reading.reader_a)
    feature = {"type": "Feature", "properties": {"label": "atypical_honeycomb"}, "geometry": square(10, 10, 50)}
    collection = {"type": "FeatureCollection", "features": [feature] * 20}  # ~4 KB: above the drawing limit
    assert len(json.dumps(collection)) > 2000
    imported = client.put(f"/api/reads/{reading.read_a.pk}/geojson", collection, format="json")
    assert imported.status_code == 200, imported.content
    stroke = {"label": "atypical_honeycomb", "geometry": collection["features"][0]["geometry"], "pad": "x" * 2000}
    drawn = client.post(f"/api/reads/{reading.read_a.pk}/regions/", stroke, format="json")
    assert drawn.status_code == 413
