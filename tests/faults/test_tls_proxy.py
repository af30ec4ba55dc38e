"""Behind the documented TLS proxy: platform/nginx/nginx.conf passes the client's https on, no redirect loop.

The production nginx configuration (only ports and paths changed) runs in front of
gunicorn with production settings; the test plays the TLS proxy by sending
``X-Forwarded-Proto: https``, as the README's deployment has it.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.faults.services import ROOT, PlatformProcess, free_port, platform_env, wait_for_http, web_server

pytestmark = pytest.mark.faults


def production_nginx(tmp_path: Path, upstream: int, port: int) -> Path:
    """platform/nginx/nginx.conf with this test's ports and folders, and a tile secret."""
    text = (ROOT / "platform" / "nginx" / "nginx.conf").read_text()
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "tile-secret.conf").write_text('map "" $tile_secret {\n    default "test-secret";\n}\n')
    replacements = {
        "server web:8000;": f"server 127.0.0.1:{upstream};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "pid /var/run/nginx.pid;": f"pid {tmp_path}/nginx.pid;",
        "access_log /dev/stdout;": "access_log off;",
        "error_log /dev/stderr warn;": f"error_log {tmp_path}/error.log warn;",
        "include /etc/nginx/conf.d/*.conf;": f"include {conf_d}/*.conf;",
    }
    for old, new in replacements.items():
        assert old in text, f"platform/nginx/nginx.conf no longer contains {old!r}"
        text = text.replace(old, new)
    config = tmp_path / "nginx.conf"
    config.write_text(text)
    return config


@pytest.fixture
def nginx_in_front(tmp_path: Path, platform_processes: list[PlatformProcess]) -> Iterator[str]:
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx-light)")
    env = platform_env(
        DJANGO_SETTINGS_MODULE="config.settings.production", DATABASE_URL=f"sqlite:///{tmp_path}/unused.sqlite3",
        RCM_SECRET_KEY="tls-test-" + "k" * 50, REDIS_URL="", CELERY_BROKER_URL="memory://",
        RCM_ALLOWED_HOSTS="rcm.example.org,127.0.0.1",
    )  # fmt: skip
    server = web_server("tls-web", env)
    platform_processes.append(server.start())
    wait_for_http(server.port)  # type: ignore[attr-defined]
    port = free_port()
    config = production_nginx(tmp_path, server.port, port)  # type: ignore[attr-defined]
    nginx = PlatformProcess("tls-nginx", ["nginx", "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"], env)
    platform_processes.append(nginx.start())
    wait_for_http(port)
    yield f"http://127.0.0.1:{port}"


def test_https_from_the_tls_proxy_reaches_django_and_plain_http_is_redirected(nginx_in_front: str) -> None:
    host = {"Host": "rcm.example.org"}
    behind_tls = requests.get(f"{nginx_in_front}/api/", headers={**host, "X-Forwarded-Proto": "https"},
                              allow_redirects=False, timeout=10)  # fmt: skip
    assert behind_tls.status_code in (401, 403), (behind_tls.status_code, behind_tls.headers.get("Location"))
    plain = requests.get(f"{nginx_in_front}/api/", headers=host, allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"] == "https://rcm.example.org/api/"
