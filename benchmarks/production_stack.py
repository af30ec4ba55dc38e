"""The platform as production runs it, for a benchmark: nginx (``platform/nginx/nginx.conf``) in front of
gunicorn (the compose file's arguments) on ``config.settings.production``, over a benchmark's own database
and media folder.

Why: Django's live server is one Python process; the browser's tile, script and region requests queue
behind each other in it, so a page benchmarked against it measures the development server. A user of the
platform gets nginx serving the scripts, the styles and the pre-rendered tiles, and gunicorn's processes
answering the API in parallel.

Deviations from ``platform/compose.yaml``, each for this machine: gunicorn runs ``--workers 2`` (the
machine's cores; compose runs 4), plain HTTP on localhost (``RCM_SECURE_SSL_REDIRECT=false``; Chromium
treats localhost as a secure context, so the production cookies keep their ``Secure`` flag), the browser's
origin listed in ``RCM_CSRF_TRUSTED_ORIGINS``, and nginx's workers run as this user.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_ARGS = ["--workers", "2", "--threads", "4", "--timeout", "120", "--keep-alive", "75", "--log-level", "warning"]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(work: Path, tile_secret: str, origin: str) -> dict[str, str]:
    redis_url = str(getattr(settings, "CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "RCM_SECRET_KEY": "benchmark-only-" + secrets.token_hex(24),
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "RCM_SECURE_SSL_REDIRECT": "false",
        "RCM_HSTS_SECONDS": "0",
        "RCM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # nginx passes the host without its port: the browser's origin is named, as a deployment on a
        # non-default port would.
        "RCM_CSRF_TRUSTED_ORIGINS": origin,
        "RCM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "RCM_STATIC_ROOT": str(work / "staticfiles"),
        "RCM_TILE_URL_SECRET": tile_secret,
        "RCM_LOG_LEVEL": "WARNING",
    }


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {log}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answered at {url} within 60 s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def production_stack(work: Path) -> Iterator[str]:
    """Start gunicorn and nginx over the current (benchmark) database; yields the base URL nginx answers at."""
    from tests.nginx_front import Nginx, free_port, nginx_available, production_config

    if not nginx_available():
        raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tile_secret = secrets.token_hex(16)
    app_port, front_port = free_port(), free_port()
    # localhost, not 127.0.0.1: Chromium keeps the production cookies (``Secure``) over plain HTTP only there.
    origin = f"http://localhost:{front_port}"
    env = _env(work, tile_secret, origin)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT,
                   check=True)  # fmt: skip
    log = work / "gunicorn.log"
    with open(log, "ab") as output:
        web = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", *GUNICORN_ARGS, "--bind", f"127.0.0.1:{app_port}"],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    front = None
    try:
        _wait_for(f"http://127.0.0.1:{app_port}/healthz", web, log)
        media = Path(settings.MEDIA_ROOT)
        config = production_config(
            work=work / "nginx", port=front_port, upstream=f"127.0.0.1:{app_port}", media_root=media,
            grant_root=Path(settings.RCM_TILE_GRANT_DIR or media / "tilegrants"), static_root=work / "staticfiles",
            run_as_root=os.geteuid() == 0,
        )  # fmt: skip
        front = Nginx(work / "nginx", config, front_port, tile_secret)
        front.start()
        yield origin
    finally:
        if front is not None:
            front.stop()
        _stop(web)
