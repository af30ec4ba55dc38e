"""In-process tile timing: a WSGI application called directly, time to its first body byte.

No server, no socket: what a tile costs the application itself (Django, permission
check, cache or file, rendering, encoding). Used by ``tiles_benchmark.py`` for the
platform and, run with the peer's own virtualenv, for django-large-image:

    benchmarks/out/venv-dli/bin/python benchmarks/tiles_inprocess.py --paths FILE --out FILE.json

(DJANGO_SETTINGS_MODULE and PYTHONPATH as for the peer's gunicorn). Imports nothing
from the platform, so either virtualenv can run it.
"""

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_environ(path: str, cookie: str = "") -> dict[str, Any]:
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path_info, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }  # fmt: skip
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def first_byte(app: WsgiApp, path: str, cookie: str = "") -> tuple[float, str, bytes]:
    """(milliseconds to the first body chunk, status line, the whole body)."""
    status: list[str] = []
    started = time.perf_counter()
    result = app(wsgi_environ(path, cookie), lambda line, headers, exc_info=None: status.append(line))
    chunks = iter(result)
    first = next(chunks, b"")
    elapsed = (time.perf_counter() - started) * 1000
    body = first + b"".join(chunks)
    close = getattr(result, "close", None)
    if close is not None:
        close()
    return elapsed, status[0] if status else "", body


def measure(app: WsgiApp, paths: list[str], cookie: str = "") -> dict[str, Any]:
    """First-byte times of ``paths`` in order; fails loudly on any non-200 answer."""
    times = []
    for path in paths:
        elapsed, status, _ = first_byte(app, path, cookie)
        if not status.startswith("200"):
            raise RuntimeError(f"{path}: {status}")
        times.append(elapsed)
    return summary(times)


def summary(times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered),
        "p90_ms": ordered[int(0.9 * (len(ordered) - 1))],
        "mean_ms": statistics.fmean(ordered),
    }


def main() -> None:
    """Peer side: cold (each path once, fresh process) then warm (the same paths again)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paths", required=True, help="one path per line")
    parser.add_argument("--out", required=True)
    parser.add_argument("--prime", type=int, default=1, help="the first N paths open the images: not timed")
    args = parser.parse_args()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    paths = [line for line in open(args.paths).read().splitlines() if line]  # noqa: SIM115
    for path in paths[: args.prime]:  # imports and opening each image are not a tile's cost
        first_byte(app, path)
    cold = measure(app, paths[args.prime :])
    warm = measure(app, paths[args.prime :])
    with open(args.out, "w") as out:
        json.dump({"cold": cold, "warm": warm}, out)


if __name__ == "__main__":
    main()
