"""Fixtures of the fault tests: private services and platform processes, cleaned up whatever happens.

``private_redis`` / ``private_postgres`` start services of this test's own (see
``services``); ``platform_processes`` starts web servers and Celery workers and
stops every one of them at the end, writing their logs to ``tests/artifacts``.
Platform processes use this run's test database (``RCM_TEST_WORKER=1``) unless a
test gives them another ``DATABASE_URL``, and this test's media root.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.services import PlatformProcess, PrivatePostgres, PrivateRedis, TcpProxy, postgres_bin_dir

pytestmark = pytest.mark.faults


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    yield redis
    redis.close()


@pytest.fixture
def private_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    if postgres_bin_dir() is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    # Not under tmp_path: the postgres user must be able to reach the folder.
    postgres = PrivatePostgres(Path("/tmp") / f"rcm-fault-pg-{tmp_path_factory.getbasetemp().name}").init()
    postgres.start()
    yield postgres
    postgres.close()


@pytest.fixture
def proxies() -> Iterator[list[TcpProxy]]:
    """Append proxies to the list; all are closed at the end."""
    made: list[TcpProxy] = []
    yield made
    for proxy in made:
        proxy.close()


@pytest.fixture
def platform_processes(request: pytest.FixtureRequest) -> Iterator[list[PlatformProcess]]:
    """Append started processes to the list; each is stopped at the end (logs in tests/artifacts)."""
    started: list[PlatformProcess] = []
    yield started
    for process in started:
        process.stop()
    failed = request.node.stash.get(_FAILED, False)
    if failed:
        for process in started:
            print(f"--- {process.name} ---\n{process.log_tail()}")


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report
