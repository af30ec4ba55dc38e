"""Private services for fault tests: PostgreSQL, Redis, a TCP proxy to cut, web and worker processes.

Fault tests stop, restart and cut services; they must never do that to the shared
servers other tests (and other people's runs) use. Everything here is private to
one test run: a PostgreSQL cluster in a temporary folder on a free port (trust
auth, run as the ``postgres`` user when the tests run as root, since initdb
refuses root), a Redis started as production runs it (append-only persistence),
a TCP proxy whose connections a test cuts to simulate an outage of whatever is
behind it, and the platform's own processes (a web server, a Celery worker)
pointed at those services through environment variables, as a deployment would.

Each start waits until the service answers, with a deadline, so a broken machine
fails a fault test in seconds rather than hanging the suite.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001,S110 - not up yet
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {timeout:.0f} s")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def postgres_bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


def _as_postgres_user() -> list[str]:
    """Prefix that runs a PostgreSQL server program as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of its own; ``stop``/``start``/``restart`` it freely."""

    directory: Path
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) are not installed")
        self.bin = bin_dir
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        subprocess.run([*_as_postgres_user(), *argv], check=True, capture_output=True, timeout=60)

    def init(self) -> PrivatePostgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        wait_until(lambda: port_open(self.port), timeout=30, what="private PostgreSQL")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url().replace("postgres://", "postgresql://"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A Redis of its own, persisted as production runs it (``--appendonly yes``)."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.ping, timeout=20, what="private Redis")

    def ping(self) -> bool:
        import redis

        return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())

    def stop(self) -> None:
        """A clean shutdown (what a restart by the operator or the container runtime does)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


class TcpProxy:
    """A TCP forwarder to ``127.0.0.1:target``; ``cut()`` drops every connection and refuses new ones.

    Put it between the platform and PostgreSQL or Redis to take that service away
    from one process without touching the service itself; ``restore()`` brings it back.
    """

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self._drop(end)

    def _drop(self, end: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        self._open.clear()
        with self._lock:
            ends = list(self._sockets)
        for end in ends:
            self._drop(end)

    def restore(self) -> None:
        self._open.set()

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()


@dataclass
class PlatformProcess:
    """A platform process (web server or Celery worker) with its own environment and log."""

    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    # What ends it at the end of a test: gunicorn gets SIGINT (a quick shutdown); Celery workers
    # SIGKILL, since the test is over and even their cold shutdown takes over 5 s.
    stop_signal: int = signal.SIGINT

    @property
    def log_path(self) -> Path:
        return ARTIFACTS / f"fault-{self.name}.log"

    def start(self) -> PlatformProcess:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        # Its own process group, so that a test can SIGKILL a worker with its pool children.
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def freeze_when(self, check: Callable[[], bool], *, timeout: float, what: str, run_slice: float = 0.05) -> None:
        """Let the process group run in short slices, stopped (SIGSTOP) while ``check`` is asked, and leave it
        stopped at the first slice after which ``check`` holds.

        A test that kills a worker "mid-task" must not lose the race against the task: on a loaded
        machine the test can take longer to see the state it waits for than the task takes to leave
        it (a pyramid written, an epoch trained). Stopped, the worker is still in the state the test
        saw when ``kill`` (or ``resume``) comes.
        """
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            os.killpg(self.process.pid, signal.SIGCONT)
            time.sleep(run_slice)
            os.killpg(self.process.pid, signal.SIGSTOP)
            try:
                if check():
                    return
            except Exception:  # noqa: BLE001,S110 - not there yet
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.resume()
                raise TimeoutError(f"{what} not within {timeout:.0f} s (or {self.name} exited)")

    def resume(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool children die at once, mid-task."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, self.stop_signal)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def platform_env(**overrides: str) -> dict[str, str]:
    """The environment of this test run, plus ``overrides`` (service URLs, settings module)."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    env.update(overrides)
    return env


def web_server(name: str, env: dict[str, str], *, port: int | None = None, workers: int = 1) -> PlatformProcess:
    """gunicorn serving the platform on a free port (``.port`` set on the returned process)."""
    port = port or free_port()
    argv = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", "4", "--timeout", "60", "--graceful-timeout", "5"]  # fmt: skip
    server = PlatformProcess(name, argv, env)
    server.port = port  # type: ignore[attr-defined]
    return server


def celery_worker(name: str, env: dict[str, str], *, queues: str = "cpu,gpu") -> PlatformProcess:
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "--concurrency", "1",
            "--pool", "prefork", "--loglevel", "INFO", "--hostname", f"{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    return PlatformProcess(name, argv, env, stop_signal=signal.SIGKILL)


def wait_for_http(port: int, *, timeout: float = 60, path: str = "/healthz") -> None:
    import urllib.error
    import urllib.request

    def answers() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)  # noqa: S310 - loopback
        except urllib.error.HTTPError:
            return True  # it answered, even if unhealthy
        return True

    wait_until(answers, timeout=timeout, what=f"web server on port {port}", interval=0.25)
