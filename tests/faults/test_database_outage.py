"""PostgreSQL away for 5 s while a reader draws: the server says "retry" (503), and the retried strokes all land.

The server's database connection goes through a proxy the test cuts (the shared
PostgreSQL itself is never touched). This is the server's half of the workspace's
offline queue: a stroke refused while the database is away is refused cleanly,
with ``Retry-After``, and the same stroke sent again afterwards is saved once.
"""

import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from annotations.models import Region, Role
from annotations.services.assignment import read_assign
from tests.annotations.reading.conftest import square
from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, member
from tests.faults.records import token_for
from tests.faults.services import PlatformProcess, TcpProxy, platform_env, wait_for_http, web_server

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 5


def test_strokes_refused_while_postgresql_is_away_are_saved_when_sent_again(
    platform_processes: list[PlatformProcess], proxies: list[TcpProxy], tmp_path: Path
) -> None:
    project = ProjectFactory()
    lead, reader = member(project, Role.LEAD), member(project, Role.READER)
    [read] = read_assign(mosaic=MosaicFactory(case=CaseFactory(project=project)), readers=[reader], by=lead)
    database = connection.settings_dict
    proxy = TcpProxy(int(database["PORT"] or 5432))
    proxies.append(proxy)
    env = platform_env(
        RCM_TEST_WORKER="1", DATABASE_URL=f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/postgres"
    )
    server = web_server("db-outage-web", env)
    platform_processes.append(server.start())
    wait_for_http(server.port)  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{server.port}/api/reads/{read.pk}/regions/"  # type: ignore[attr-defined]
    headers = token_for(reader)

    held = {"read_version": read.version}  # as the page's save queue: the version of the last answer

    def stroke(index: int) -> requests.Response:
        body = {"label": "atypical_honeycomb", "geometry": square(20 + 80 * index, 40, 50), "merge": False,
                "read_version": held["read_version"]}  # fmt: skip
        answer = requests.post(url, headers=headers, json=body, timeout=30)
        if answer.status_code == 201:
            held["read_version"] = answer.json()["read_version"]
        return answer

    assert [stroke(index).status_code for index in range(3)] == [201] * 3
    refused = []
    with proxy.outage():
        ends = time.monotonic() + OUTAGE_SECONDS
        index = 3
        while time.monotonic() < ends:
            answer = stroke(index)
            assert answer.status_code == 503 and answer.headers["Retry-After"] == "5", answer.text
            refused.append(index)
            index += 1
            time.sleep(0.5)
    assert len(refused) >= 5
    # The database is back: the page's queue sends the refused strokes again, in order.
    assert [stroke(index).status_code for index in refused] == [201] * len(refused)
    assert Region.objects.filter(read=read).count() == 3 + len(refused)
    read.refresh_from_db()
    assert read.version == 1 + 3 + len(refused)  # one revision per saved stroke, none lost or doubled
