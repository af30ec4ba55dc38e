"""Shared fixtures: API clients per user, and a real Celery worker process.

The worker is a separate ``celery worker`` process on the real Redis broker,
connected to this session's test database (see ``config.settings.test``). Tests
that hand work to it must commit their rows: mark them
``@pytest.mark.django_db(transaction=True)``.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.live_requests import IN_FLIGHT
from tests.run_resources import CHROMIUM_ARGS, drop_run_keys

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture
def api_client_for() -> Callable[[Any], APIClient]:
    """``api_client_for(user)``: an API client logged in as ``user`` (None: anonymous)."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def workspace_client_for() -> Callable[[Any], APIClient]:
    """``workspace_client_for(user)``: as ``api_client_for``, writing to reads as the workspace does
    (naming the read's current version when a test names none; ``tests.workspace_client``)."""
    from tests.workspace_client import WorkspaceClient

    def make(user: Any) -> APIClient:
        client = WorkspaceClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


def worker_hostname() -> str:
    """The node name of this run's worker (``--hostname test-<run>@%h``)."""
    return f"test-{settings.RUN_ID}@{socket.gethostname()}"


def worker_runs(task_name: str) -> list[dict[str, Any]]:
    """What the result backend holds for ``task_name`` in this run: one dict per run of it.

    ``CELERY_RESULT_EXTENDED`` makes the worker store the task's name, arguments and its
    own node name with each result, so a test can prove that a task enqueued by a service
    (not by the test) ran in the worker process, not in-process (eager mode stores nothing).
    """
    import redis

    client = redis.Redis.from_url(settings.CELERY_RESULT_BACKEND)
    runs = []
    for key in client.scan_iter(match=f"rcmtest:{settings.RUN_ID}:celery-task-meta-*", count=1000):
        raw = client.get(key)
        meta = json.loads(raw) if raw else {}
        if meta.get("name") == task_name:
            runs.append(meta)
    return runs


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, django_db_blocker: Any) -> Iterator[subprocess.Popen[bytes]]:
    """One real worker for the session, consuming the cpu and gpu queues."""
    from config.celery_app import app

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "RCM_TEST_WORKER": "1"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"celery-worker-{settings.RUN_ID}.log", "wb")  # noqa: SIM115
    hostname = worker_hostname()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "cpu,gpu", "--concurrency", "1",
         "--pool", "prefork", "--loglevel", "INFO", "--hostname", hostname, "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    try:
        while True:
            if worker.poll() is not None:
                raise RuntimeError(f"celery worker exited with {worker.returncode}; see {log.name}")
            if app.control.ping(timeout=1.0):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not answer within 90 s; see {log.name}")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


@pytest.fixture(scope="session", autouse=True)
def _clean_up_run_artifacts() -> Iterator[None]:
    """Remove this run's media files and broker/cache keys when the session ends."""
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    try:
        drop_run_keys()
    except Exception:  # noqa: BLE001,S110 - cleanup must never fail the run
        pass


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, which makes
    # Django refuse ORM calls from the test body; they are still plain sync calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page; a screenshot lands in tests/artifacts/ when the test ends.

    Anything the Content-Security-Policy blocked (Chromium reports each refusal on the
    console) fails the test: a page that needs an inline script or style the policy
    refuses is broken for its users even when the test's own checks pass. A test that
    expects a refusal removes it from ``page.csp_violations``.
    """
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: _record_csp_violation(violations, message.text))
    page.csp_violations = violations
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    finally:
        context.close()
        # Before the test's database goes: let the live server finish what the page had asked of it.
        IN_FLIGHT.wait_idle(timeout=30)
    assert not violations, "the Content-Security-Policy blocked:\n" + "\n".join(violations)


def _record_csp_violation(violations: list[str], text: str) -> None:
    if "Content Security Policy" in text:
        violations.append(text)


def log_in(page: Any, base_url: str, username: str, password: str = "pw-for-tests") -> None:
    """Log in through the real login form."""
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
