"""platform/nginx/nginx.conf run locally in front of a Django server (tests and benchmarks/tiles_benchmark.py).

Only the deployment's paths and ports are substituted; the tile fast path is the
production one. nginx is not needed by the suite: tests that use this skip when it
is not installed (``apt-get install -y nginx``).
"""

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_CONF = 'map "" $tile_secret {{\n    default "{secret}";\n}}\n'


def nginx_available() -> bool:
    return shutil.which("nginx") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_config(
    *, work: Path, port: int, upstream: str, media_root: Path, grant_root: Path, static_root: Path, run_as_root: bool
) -> str:
    """platform/nginx/nginx.conf with this machine's ports and paths (nothing else changed)."""
    text = (ROOT / "platform" / "nginx" / "nginx.conf").read_text()
    replacements = {
        "server web:8000;": f"server {upstream};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "pid /var/run/nginx.pid;": f"pid {work}/nginx.pid;",
        "access_log /dev/stdout;": "access_log off;",
        "error_log /dev/stderr warn;": f"error_log {work}/error.log warn;",
        "include /etc/nginx/conf.d/*.conf;": f"include {work}/conf.d/*.conf;",
        "/app/staticfiles/": f"{static_root}/",
        "root /data/media/tilegrants;": f"root {grant_root};",
    }
    for old, new in replacements.items():
        if old not in text:
            raise RuntimeError(f"platform/nginx/nginx.conf no longer contains {old!r}")
        text = text.replace(old, new)
    text = text.replace("/data/media", str(media_root))
    # Under root, workers would run as "nobody", which cannot read pytest's private temporary folders.
    return ("user root;\n" if run_as_root else "") + text


class Nginx:
    """An nginx master process with the given configuration, listening on ``port``."""

    def __init__(self, work: Path, config: str, port: int, secret: str) -> None:
        self.work, self.port = work, port
        (work / "conf.d").mkdir(parents=True, exist_ok=True)
        (work / "conf.d" / "tile-secret.conf").write_text(SECRET_CONF.format(secret=secret))
        (work / "nginx.conf").write_text(config)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.work / "nginx.out", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            ["nginx", "-p", str(self.work), "-c", str(self.work / "nginx.conf"), "-g", "daemon off;"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.work / 'error.log').read_text(errors='replace')[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
