"""A slow chunked upload holds no transaction or row lock while its bytes stream; concurrent chunks stay consistent."""

import hashlib
import socket
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import transaction
from rest_framework.authtoken.models import Token

from annotations.models import Mosaic, UploadSession
from annotations.storage import media_path

from . import images
from .conftest import Study

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_slow_chunk_locks_nothing_and_a_concurrent_chunk_and_completion_stay_consistent(
    live_server: Any, study: Study, tmp_path: Path
) -> None:
    payload = images.write(tmp_path / "m.png", images.gray8(900, 700)).read_bytes()
    headers = {"Authorization": f"Token {Token.objects.create(user=study.contributor).key}"}
    session = requests.post(f"{live_server.url}/api/cases/{study.case.pk}/uploads/", headers=headers,
                            json={"filename": "m.png", "size": len(payload)}, timeout=10).json()  # fmt: skip
    path = f"/api/uploads/{session['id']}/?offset=0"
    host, port = live_server.url.removeprefix("http://").split(":")
    slow = socket.create_connection((host, int(port)), timeout=30)
    head = [f"PUT {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/octet-stream",
            f"Content-Length: {len(payload)}", f"Authorization: {headers['Authorization']}"]  # fmt: skip
    slow.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + payload[: len(payload) // 2])

    # Half-way through the slow chunk: its upload's row is not locked by it ...
    with transaction.atomic():
        UploadSession.objects.select_for_update(nowait=True).get(pk=session["id"])
    # ... and a second client sending the same bytes (a retry after a lost answer) goes through.
    fast = requests.put(f"{live_server.url}{path}", headers=headers, data=payload, timeout=10)
    assert fast.status_code == 200 and fast.json()["received"] == len(payload), fast.text

    slow.sendall(payload[len(payload) // 2 :])
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = slow.recv(65536)
        if not chunk:
            break
        answer += chunk
    slow.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert UploadSession.objects.get(pk=session["id"]).received == len(payload)

    done = requests.post(f"{live_server.url}/api/uploads/{session['id']}/complete/", headers=headers,
                         json={"sha256": hashlib.sha256(payload).hexdigest()}, timeout=10)  # fmt: skip
    assert done.status_code == 201, done.text
    stored = media_path(Mosaic.objects.get(pk=done.json()["id"]).original_path).read_bytes()
    assert stored == payload
