"""The API docs (Swagger UI at /api/docs/, Redoc at /api/redoc/) work without the internet.

Hospital networks often reach nothing but the platform: every script, style sheet
and icon the docs pages load must be one of the platform's own static files, and
those files must be there.
"""

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]


class _References(HTMLParser):
    """Every URL an element of the page points at (src, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


@pytest.mark.django_db
@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_page_references_only_the_platforms_own_static_files(client: Client, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    urls = references(html)
    assert urls, f"{page} references no file at all: the check below would prove nothing"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{page} loads {url} from another host"
        if parts.path == page and parts.query == "script=":
            continue  # Swagger UI's start-up script, served by the page's own view (no inline script)
        assert parts.path.startswith("/static/drf_spectacular_sidecar/"), f"{page} loads {url}"
        assert finders.find(parts.path.removeprefix("/static/")), f"{url} is not among the static files"
    # Nothing else in the page (inline scripts included) names another host.
    assert "://" not in html, f"{page} names an outside host"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_with_every_outside_host_unreachable(live_server: Any, browser_page: Any) -> None:
    own_host = urlsplit(live_server.url).netloc
    outside: list[str] = []
    failed: list[str] = []

    def only_own_host(route: Any) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    browser_page.route("**/*", only_own_host)
    browser_page.on("response", lambda response: response.ok or failed.append(f"{response.status} {response.url}"))
    browser_page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI drew the schema it fetched: its title and an operation of the API.
    title = browser_page.locator(".swagger-ui .info .title")
    title.wait_for(state="visible", timeout=20_000)
    assert "RCM annotation platform API" in title.inner_text()
    browser_page.locator(".opblock-summary-path", has_text="/api/cases/").first.wait_for(state="visible")
    assert outside == []
    assert failed == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_redoc_renders_under_the_content_security_policy(live_server: Any, browser_page: Any) -> None:
    # browser_page fails the test on any refusal of the policy (tests/conftest.py).
    browser_page.goto(f"{live_server.url}/api/redoc/")
    heading = browser_page.locator("h1", has_text="RCM annotation platform API")
    heading.wait_for(state="visible", timeout=30_000)
    browser_page.get_by_text("/api/cases/").first.wait_for(state="attached")
    # Redoc's "API docs by Redocly" link shows a logo from its CDN; the policy refusing it is the
    # point (the page contacts no other host), and Redoc then leaves the logo out.
    expected = [v for v in browser_page.csp_violations if "https://cdn.redoc.ly/" in v and "img-src" in v]
    for violation in expected:
        browser_page.csp_violations.remove(violation)


def test_every_page_carries_the_content_security_policy(client: Any) -> None:
    for path in ["/login/", "/api/docs/", "/api/redoc/", "/healthz"]:
        policy = client.get(path).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", path
        assert "unsafe-inline" not in directives["script-src"]
        assert directives["frame-ancestors"] == "'none'"
