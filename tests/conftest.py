"""Shared fixtures: API clients per user, and a real Celery worker process.

The worker is a separate ``celery worker`` process on the real Redis broker,
connected to this session's test database (see ``config.settings.test``). Tests
that hand work to it must commit their rows: mark them
``@pytest.mark.django_db(transaction=True)``.
"""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, django_db_blocker: Any) -> Iterator[subprocess.Popen[bytes]]:
    """One real worker for the session, consuming the cpu and gpu queues."""
    from config.celery_app import app

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "RCM_TEST_WORKER": "1"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"celery-worker-{settings.RUN_ID}.log", "wb")  # noqa: SIM115
    hostname = f"test-{settings.RUN_ID}@%h"
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
    """A fresh browser context and page; a screenshot lands in tests/artifacts/ when the test ends."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    finally:
        context.close()


def log_in(page: Any, base_url: str, username: str, password: str = "pw-for-tests") -> None:
    """Log in through the real login form."""
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
