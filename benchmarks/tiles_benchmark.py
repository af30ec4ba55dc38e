"""Tile serving, side by side in each round: the platform against a fairly configured peer and nginx.

Servers, over the same synthetic 12,000 x 12,000 grey image (``--copies`` distinct
mosaics, hard links of one pyramid), on loopback, wrk with 32 connections:

  static        nginx serving the image's Deep Zoom tiles as files (the physical reference);
  peer          Kitware's django-large-image under gunicorn (2 workers, no permission
                checks), configured for the working set (tiles_peer/settings.py): every
                image open, a tile cache larger than the warm set, JPEG at quality 90;
  platform      this platform's tile endpoint under gunicorn (2 workers, production
                settings, PostgreSQL, Redis, session-authenticated, permission enforced),
                mosaics with the tiles ingest pre-renders (the default);
  render        the same endpoint for mosaics without pre-rendered tiles (rendered,
                cached per user in Redis and in the tile directory after the response);
  production    platform/nginx/nginx.conf in front of "platform": session-bound tiles
                URLs from the descriptor, nginx serving through the grant records.

Cold: the server restarted, its caches emptied, then --duration seconds walking a
shuffled list of every full-resolution tile (each asked once; the list is longer than
a run gets through), with 32 connections and with 1 (a cold tile's latency alone).
Warm: --warm-tiles tiles asked --fill-passes times, then --duration seconds of
uniformly random tiles among them. In process: each server's WSGI application called
directly, time to the first body byte of 300 cold tiles, then the same 300 again.
Ratios are computed within a round (both servers measured minutes apart on the same
machine) and reported round by round with their median.

Setup (once):  apt-get install -y wrk nginx postgresql-client
               python3 -m venv benchmarks/out/venv-dli
               benchmarks/out/venv-dli/bin/pip install django-large-image==0.10.5 \\
                   large-image==1.35.6 large-image-source-tiff==1.35.6 gunicorn==27.0.1 psutil==7.2.2
Run:           .venv/bin/python benchmarks/tiles_benchmark.py [--rounds 3] [--copies 25] [--size 12000]
Smoke:         .venv/bin/python benchmarks/tiles_benchmark.py --smoke   (seconds; no nginx, wrk or peer:
               in process against large_image's own getTile, on the test settings' database)
Needs PostgreSQL and Redis on 127.0.0.1 (database ``rcm_tiles_bench`` is recreated;
Redis database 5 holds the tile cache during the run and is emptied of it afterwards).
"""

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "benchmarks"
OUT = BENCH / "out" / "tiles"
PEER_VENV = BENCH / "out" / "venv-dli"
REDIS_URL = "redis://127.0.0.1:6379/5"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rcm_tiles_bench"
SECRET = "benchmark-tile-secret"
PORTS = {"static": 18080, "peer": 18003, "platform": 18001, "render": 18001, "production": 18082}
SERVERS = ("static", "peer", "platform", "render", "production")
THREADS = 2
CONNECTIONS = 32
JPEG_QUALITY = 90
INPROCESS_TILES = 300
# 1: gunicorn's sync workers (the harness the numbers come from); compose runs 4 threads per worker.
GUNICORN_THREADS = int(os.environ.get("TILES_GUNICORN_THREADS", "1"))
Row = dict[str, Any]
T = TypeVar("T")


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------- image, pyramid, pre-rendered tiles
def make_image(size: int, compression: str) -> Path:
    """A textured 8-bit grey image (cells-like blobs, gradients and speckle), as a pyramid TIFF
    written the way ingest writes them (256-px tiles; ingest's default compression is none)."""
    import pyvips

    pyramid = OUT / f"pyramid-{size}-{compression}.tiff"
    if pyramid.exists():
        return pyramid
    xyz = pyvips.Image.xyz(size, size)
    x, y = xyz[0], xyz[1]
    degrees = 180 / math.pi
    image = 110 + 40 * (x * (degrees / 37)).sin() * (y * (degrees / 53)).cos() + 30 * ((x + y) * (degrees / 211)).sin()
    image = (image + pyvips.Image.gaussnoise(size, size, sigma=8)).cast("uchar")
    started = time.perf_counter()
    options = {"predictor": "horizontal"} if compression in ("deflate", "lzw") else {}
    image.tiffsave(str(pyramid), tile=True, tile_width=256, tile_height=256, pyramid=True, bigtiff=True,
                   compression=compression, **options)  # fmt: skip
    log(f"pyramid TIFF {size}² written in {time.perf_counter() - started:.1f} s")
    return pyramid


def make_dzi(pyramid: Path) -> Path:
    """The image's Deep Zoom tiles as ingest pre-renders them (annotations.ingest.prerender)."""
    from annotations.ingest.prerender import dzi_descriptor_path, write_dzi_tiles

    target = OUT / f"dzi-{pyramid.stem}"
    if not dzi_descriptor_path(target).is_file():
        started = time.perf_counter()
        write_dzi_tiles(pyramid, target, quality=JPEG_QUALITY)
        log(f"Deep Zoom tiles pre-rendered in {time.perf_counter() - started:.1f} s")
    return target


def link_copies(pyramid: Path, copies: int, directory: Path) -> None:
    """Hard links with distinct paths: each server opens and caches them as distinct images."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for i in range(1, copies + 1):
        os.link(pyramid, directory / f"{i}.tiff")


# ---------------------------------------------------------------- platform (child processes, production settings)
def platform_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "RCM_SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "RCM_SECURE_SSL_REDIRECT": "false",
        "RCM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RCM_MEDIA_ROOT": str(OUT / "media"),
        "RCM_STATIC_ROOT": str(OUT / "staticfiles"),
        "RCM_TILE_URL_SECRET": SECRET,
        "RCM_TILE_DISK_CACHE_DIR": str(OUT / "media" / "tilecache"),
        "RCM_TILE_JPEG_QUALITY": str(JPEG_QUALITY),
        "RCM_LOG_LEVEL": "WARNING",
    }


def setup_platform_db(pyramid: Path, dzi: Path, copies: dict[str, int]) -> Row:
    """A reader assigned to ``copies["platform"]`` mosaics with pre-rendered tiles and ``copies["render"]`` without."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from annotations.ingest.prerender import DZI_DIR_NAME
    from annotations.models import Mosaic, MosaicStatus, Role
    from annotations.storage import PYRAMID_NAME, mosaic_dir, to_relative
    from tests.factories import CaseFactory, ProjectFactory, ReadFactory, member

    call_command("migrate", verbosity=0, interactive=False)
    project = ProjectFactory.create(slug="bench")
    reader = member(project, Role.READER, username="bench-reader")
    ids: dict[str, list[int]] = {"platform": [], "render": []}
    for kind in ids:
        for _ in range(copies[kind]):
            mosaic = Mosaic.objects.create(case=CaseFactory.create(project=project), status=MosaicStatus.READY,
                                           width=0, height=0, um_per_px=0.5)  # fmt: skip
            path = mosaic_dir(mosaic.pk) / PYRAMID_NAME
            path.parent.mkdir(parents=True, exist_ok=True)
            os.link(pyramid, path)
            if kind == "platform":
                shutil.copytree(dzi, mosaic_dir(mosaic.pk) / DZI_DIR_NAME, copy_function=os.link)
            mosaic.pyramid_path = to_relative(path)
            mosaic.save()
            ReadFactory.create(mosaic=mosaic, reader=reader)
            ids[kind].append(mosaic.pk)
    client = Client()
    client.force_login(reader)
    return {"ids": ids, "cookie": f"sessionid={client.cookies['sessionid'].value}"}


def prepare_platform(pyramid: Path, dzi: Path, copies: dict[str, int]) -> Row:
    for sql in ("DROP DATABASE IF EXISTS rcm_tiles_bench", "CREATE DATABASE rcm_tiles_bench"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True, capture_output=True)
    shutil.rmtree(OUT / "media", ignore_errors=True)
    return child_json(["--setup-db", str(pyramid), "--dzi", str(dzi), "--copies-json", json.dumps(copies)])


def child_json(arguments: list[str]) -> Row:
    """Run this script with ``arguments`` under the platform's production settings; its last line is JSON."""
    result = subprocess.run([sys.executable, __file__, *arguments], env=platform_env(), cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"{arguments[0]} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def inprocess_platform(plan: Row) -> Row:
    """Child process: the platform's WSGI application called directly (see tiles_inprocess.py)."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from annotations.tiles.deferred import wait_until_done
    from benchmarks.tiles_inprocess import first_byte, measure

    app = WSGIHandler()
    results: Row = {}
    for kind in ("platform", "render"):
        for path in plan["prime"][kind]:  # one tile per mosaic: the access decision and opening the pyramid
            first_byte(app, path, plan["cookie"])
        results[kind] = {"cold": measure(app, plan["paths"][kind], plan["cookie"])}
        wait_until_done()  # the deferred cache stores, as a server does them between requests
        results[kind]["warm"] = measure(app, plan["paths"][kind], plan["cookie"])
    return results


# ---------------------------------------------------------------- servers
class Server:
    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path, ready_url: str) -> None:
        self.name, self.command, self.env, self.cwd, self.ready_url = name, command, env, cwd, ready_url
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log_file = open(OUT / f"{self.name}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(self.command, env=self.env, cwd=self.cwd, stdout=log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.ready_url, timeout=2)  # noqa: S310 - loopback only
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not start; see {OUT / (self.name + '.log')}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None


def gunicorn(name: str, python_bin: Path, module: str, port: int, env: dict[str, str], cwd: Path) -> Server:
    """Both Django servers alike: 2 workers (the machine's cores), ``GUNICORN_THREADS`` threads each."""
    command = [str(python_bin.parent / "gunicorn"), module, "--workers", "2", "--threads", str(GUNICORN_THREADS),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]  # fmt: skip
    return Server(name, command, env, cwd, f"http://127.0.0.1:{port}/")


def peer_env(peer_dir: Path, copies: int, warm_tiles: int) -> dict[str, str]:
    """The peer configured for the working set (tiles_peer/settings.py explains each knob)."""
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "tiles_peer.settings", "PYTHONPATH": str(BENCH),
        "TILES_PEER_DIR": str(peer_dir), "TILES_PEER_CACHE_TILES": str(4 * warm_tiles),
        "TILES_PEER_JPEG_QUALITY": str(JPEG_QUALITY),
        # large_image reads its configuration from the environment when it is imported, before Django's
        # settings; it budgets 100 MB of memory per open image, so 1/8 of memory rather than 1/16 (with
        # psutil it sees the machine's memory) and a maximum above the copies keep every image open.
        "LARGE_IMAGE_CACHE_TILESOURCE_MEMORY_PORTION": "8", "LARGE_IMAGE_CACHE_TILESOURCE_MAXIMUM": str(copies + 2),
    }  # fmt: skip


def static_nginx_config(root: Path) -> str:
    work = OUT / "nginx" / "static"
    return f"""
worker_processes auto;
worker_rlimit_nofile 20000;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_requests 100000;
    open_file_cache max=10000 inactive=60s;  # within this machine's 20,000 open files
    server {{
        listen 127.0.0.1:{PORTS["static"]};
        root {root};
        location / {{ }}
    }}
}}
"""


class NginxServer(Server):
    """tests.nginx_front.Nginx behind this script's Server interface."""

    def __init__(self, name: str, config: str) -> None:
        from tests.nginx_front import Nginx

        super().__init__(name, [], {}, OUT, "")
        self.front = Nginx(OUT / "nginx" / name, config, PORTS[name], SECRET)

    def start(self) -> None:
        self.front.start()

    def stop(self) -> None:
        self.front.stop()


def production_nginx() -> NginxServer:
    from tests.nginx_front import production_config

    media = OUT / "media"
    config = production_config(
        work=OUT / "nginx" / "production", port=PORTS["production"], upstream=f"127.0.0.1:{PORTS['platform']}",
        media_root=media, grant_root=media / "tilegrants", static_root=OUT / "staticfiles", run_as_root=False,
    )  # fmt: skip
    return NginxServer("production", config)


def granted_tiles_urls(ids: list[int], cookie: str) -> dict[int, str]:
    """Each mosaic's session-bound tiles URL, from its descriptor as a page's viewer fetches it."""
    urls = {}
    for mosaic_id in ids:
        request = urllib.request.Request(f"http://127.0.0.1:{PORTS['platform']}/api/mosaics/{mosaic_id}/dzi.dzi",
                                         headers={"Cookie": cookie})  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            match = re.search(r' Url="([^"]+)"', response.read().decode())
        if match is None:
            raise RuntimeError("the descriptor names no tiles URL: is RCM_TILE_URL_SECRET set?")
        urls[mosaic_id] = match.group(1)
    return urls


# ---------------------------------------------------------------- wrk
def run_wrk(name: str, base_url: str, paths: list[str], mode: str, duration: int, cookie: str = "",
            connections: int = CONNECTIONS) -> Row:  # fmt: skip
    threads = min(THREADS, connections)
    paths_file = OUT / f"paths-{name}-{mode}-{connections}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    env = {**os.environ, "TILES_PATHS": str(paths_file), "TILES_MODE": mode, "TILES_THREADS": str(threads),
           "TILES_COOKIE": cookie}  # fmt: skip
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "10s",
               "-s", str(BENCH / "tiles_wrk.lua"), base_url]  # fmt: skip
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    (OUT / f"wrk-{name}-{mode}-{connections}.txt").write_text(output)

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{name} {mode}: {errors.group(1)} non-2xx answers (see {OUT})")
    return {
        "server": name, "mode": mode, "connections": connections, "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50_ms": latency("50"), "p99_ms": latency("99"),
        # A cold walk must not run out of tiles (it would turn warm): walks of the whole list are long.
        "exhausted": mode == "walk" and requests >= len(paths),
    }  # fmt: skip


def cold_then_warm(
    name: str, base: str, paths: list[str], args: argparse.Namespace, cookie: str = "", cold_seconds: int = 0
) -> list[Row]:
    """Cold: walk unique tiles (32 connections, then 1 connection: a cold tile alone) for ``cold_seconds``
    (default --duration). Warm: fill a subset --fill-passes times (every worker process sees each
    tile), then random tiles of it."""
    half = len(paths) // 2
    cold = run_wrk(name, base, paths[:half], "walk", cold_seconds or args.duration, cookie)
    alone = run_wrk(name, base, paths[half : len(paths) - args.warm_tiles], "walk", 5, cookie, connections=1)
    subset = paths[-args.warm_tiles :]
    fill = [path for seed in range(args.fill_passes) for path in shuffled(subset, seed)]
    # wrk always runs its full -d (threads stop when their share is done): size it from the cold rate.
    fill_seconds = min(args.fill_limit, math.ceil(len(fill) / max(float(cold["rps"]), 1.0) * 1.5) + 2)
    run_wrk(name + "-fill", base, fill, "walk", fill_seconds, cookie)  # not reported
    warm = run_wrk(name, base, subset, "random", args.duration, cookie)
    return [cold, alone, warm]


def clear_platform_caches() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match="*:tile:*", count=5000):
        client.delete(key)
    shutil.rmtree(OUT / "media" / "tilecache", ignore_errors=True)


def full_resolution_tiles(size: int, tile: int) -> list[tuple[int, int, int]]:
    """(level, col, row) of every full-resolution tile of a ``tile``-px grid (DZI or large_image numbering)."""
    count = math.ceil(size / tile)
    level = math.ceil(math.log2(size)) if tile == 254 else math.ceil(math.log2(count))
    return [(level, col, row) for col in range(count) for row in range(count)]


def shuffled(items: list[T], seed: int) -> list[T]:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


# ---------------------------------------------------------------- one round
def run_round(number: int, args: argparse.Namespace, setup: Row) -> list[Row]:
    results: list[Row] = []
    only = set(args.only)
    if "static" in only:
        static = NginxServer("static", static_nginx_config(setup["static_root"]))
        static.start()
        try:
            paths = [f"/{i}/{lv}/{c}_{r}.jpeg" for i, lv, c, r in setup["nginx_tiles"]]
            base = f"http://127.0.0.1:{PORTS['static']}"
            results.extend(cold_then_warm("static", base, paths, args, cold_seconds=args.nginx_cold_seconds))
        finally:
            static.stop()
    if "peer" in only and setup["peer_ready"]:
        env = peer_env(setup["peer_dir"], args.copies, args.warm_tiles)
        server = gunicorn("peer", PEER_VENV / "bin" / "python", "tiles_peer.wsgi_app:application", PORTS["peer"],
                          env, BENCH)  # fmt: skip
        server.start()
        try:
            results.extend(cold_then_warm("peer", f"http://127.0.0.1:{PORTS['peer']}", setup["peer_paths"], args))
        finally:
            server.stop()
    for name in ("platform", "render", "production"):
        if name not in only:
            continue
        clear_platform_caches()
        app = gunicorn(name, ROOT / ".venv" / "bin" / "python", "config.wsgi", PORTS["platform"], platform_env(), ROOT)
        app.start()
        front = production_nginx() if name == "production" else None
        try:
            if front is not None:
                front.start()
                ids = setup["ids"]["platform"]
                urls = granted_tiles_urls(ids, setup["cookie"])
                paths = [f"{urls[ids[i]]}{lv}/{c}_{r}.jpeg" for i, lv, c, r in setup["nginx_tiles"]]
            else:
                ids = setup["ids"][name]
                paths = [f"/api/mosaics/{ids[i]}/dzi_files/{lv}/{c}_{r}.jpeg" for i, lv, c, r in setup["django_tiles"]]
            cold_seconds = args.nginx_cold_seconds if front is not None else 0
            base = f"http://127.0.0.1:{PORTS[name]}"
            results.extend(cold_then_warm(name, base, paths, args, setup["cookie"], cold_seconds=cold_seconds))
        finally:
            if front is not None:
                front.stop()
            app.stop()
    if "inprocess" in only:
        results.extend(run_inprocess(setup))
    for row in results:
        row["round"] = number
    return results


def run_inprocess(setup: Row) -> list[Row]:
    """Time to first byte in process, cold then warm: the platform (both kinds) and the peer."""
    clear_platform_caches()
    plan: Row = {"cookie": setup["cookie"], "prime": {}, "paths": {}}
    for kind in ("platform", "render"):
        ids = setup["ids"][kind]
        picks = setup["django_tiles"][-INPROCESS_TILES:]
        plan["prime"][kind] = [f"/api/mosaics/{ids[i]}/dzi_files/0/0_0.jpeg" for i in sorted({t[0] for t in picks})]
        plan["paths"][kind] = [f"/api/mosaics/{ids[i]}/dzi_files/{lv}/{c}_{r}.jpeg" for i, lv, c, r in picks]
    plan_file = OUT / "inprocess-plan.json"
    plan_file.write_text(json.dumps(plan))
    measured = child_json(["--inprocess", str(plan_file)])
    rows = [{"server": kind, "mode": f"inprocess-{phase}", **measured[kind][phase]}
            for kind in measured for phase in ("cold", "warm")]  # fmt: skip
    if setup["peer_ready"]:
        peer_paths = OUT / "inprocess-peer-paths.txt"
        primers = [f"/api/images/{i}/tiles/0/0/0.jpeg" for i in range(1, setup["copies"] + 1)]
        peer_paths.write_text("\n".join(primers + setup["peer_paths"][-INPROCESS_TILES:]) + "\n")
        out = OUT / "inprocess-peer.json"
        env = peer_env(setup["peer_dir"], setup["copies"], INPROCESS_TILES)
        subprocess.run([str(PEER_VENV / "bin" / "python"), str(BENCH / "tiles_inprocess.py"), "--paths", str(peer_paths),
                        "--out", str(out), "--prime", str(len(primers))], env=env, cwd=BENCH, check=True,
                       capture_output=True)  # fmt: skip
        peer = json.loads(out.read_text())
        rows += [{"server": "peer", "mode": f"inprocess-{phase}", **peer[phase]} for phase in ("cold", "warm")]
    return rows


# ---------------------------------------------------------------- report
RATIOS = [
    # (label, ours, reference, mode, higher is better)
    ("platform / peer, cold tiles/s", "platform", "peer", "walk", True),
    ("platform / peer, warm tiles/s", "platform", "peer", "random", True),
    ("render / peer, cold tiles/s", "render", "peer", "walk", True),
    ("render / peer, warm tiles/s", "render", "peer", "random", True),
    ("production / static, cold tiles/s", "production", "static", "walk", True),
    ("production / static, warm tiles/s", "production", "static", "random", True),
    ("peer / platform, first byte p50 in process, cold", "platform", "peer", "inprocess-cold", False),
    ("peer / platform, first byte p50 in process, warm", "platform", "peer", "inprocess-warm", False),
    ("peer / render, first byte p50 in process, cold", "render", "peer", "inprocess-cold", False),
]


def find(results: list[Row], server: str, mode: str, round_number: int) -> Row | None:
    for row in results:
        if (row["server"], row["mode"], row["round"]) == (server, mode, round_number) and row.get(
            "connections", CONNECTIONS
        ) == CONNECTIONS:
            return row
    return None


def report(results: list[Row]) -> None:
    rounds = sorted({int(row["round"]) for row in results})
    log("\n| round | server | cache | conn | tiles/s | p50 / p99 ms | first byte in process p50 / p90 ms |")
    log("|---|---|---|---|---|---|---|")
    for row in sorted(results, key=lambda r: (r["round"], SERVERS.index(r["server"]), r["mode"])):
        if row["mode"].startswith("inprocess"):
            log(
                f"| {row['round']} | {row['server']} | {row['mode'][10:]} | — | — | — | {row['p50_ms']:.2f} / {row['p90_ms']:.2f} |"
            )
            continue
        cache = "cold" if row["mode"] == "walk" else "warm"
        note = " (ran out of unique tiles)" if row.get("exhausted") else ""
        log(f"| {row['round']} | {row['server']} | {cache}{note} | {row['connections']} | {row['rps']:,.0f} | "
            f"{row['p50_ms']:.2f} / {row['p99_ms']:.1f} | — |")  # fmt: skip
    log("\nratios within each round, and their median")
    for label, ours, reference, mode, higher_better in RATIOS:
        per_round = []
        for number in rounds:
            a, b = find(results, ours, mode, number), find(results, reference, mode, number)
            if a and b:
                key = "rps" if higher_better else "p50_ms"
                per_round.append(a[key] / b[key] if higher_better else b[key] / a[key])
        if per_round:
            values = ", ".join(f"{value:.2f}×" for value in per_round)
            log(f"  {label}: {values}; median {statistics.median(per_round):.2f}×")


# ---------------------------------------------------------------- smoke
def smoke() -> None:
    """Seconds, no nginx, wrk or peer: in-process first byte of the platform's tiles (pre-rendered and
    rendered) against large_image's own getTile + JPEG of the same pyramid, and a check that both
    kinds of tile are the same bytes. Exits non-zero if a tile is refused or differs."""
    import tempfile

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    import large_image
    import pyvips
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    from annotations.ingest.prerender import DZI_DIR_NAME, write_dzi_tiles
    from annotations.ingest.pyramid import write_pyramid
    from annotations.models import Role
    from annotations.storage import PYRAMID_NAME, media_path, mosaic_dir, to_relative
    from annotations.tiles.deferred import wait_until_done
    from benchmarks.harness import throwaway_database
    from benchmarks.tiles_inprocess import first_byte, measure, summary
    from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, ReadFactory, member
    from tests.mosaic_builders import textured_gray

    size = 2048
    with tempfile.TemporaryDirectory(prefix="tiles-smoke-") as work, throwaway_database():
        settings.MEDIA_ROOT = Path(work) / "media"
        settings.RCM_TILE_GRANT_DIR = str(Path(work) / "grants")
        project = ProjectFactory.create()
        reader = member(project, Role.READER)
        image = pyvips.Image.new_from_array(textured_gray(size, size, seed=1))
        prerendered, rendered = (MosaicFactory.create(case=CaseFactory.create(project=project)) for _ in range(2))
        for mosaic in (prerendered, rendered):
            pyramid = mosaic_dir(mosaic.pk) / PYRAMID_NAME  # as ingest writes it (uncompressed)
            write_pyramid(image, pyramid, thumbnail=pyramid.with_suffix(".png"), um_per_px=0.5)
            mosaic.pyramid_path, mosaic.width, mosaic.height = to_relative(pyramid), size, size
            mosaic.save()
            ReadFactory.create(mosaic=mosaic, reader=reader)
        write_dzi_tiles(media_path(prerendered.pyramid_path), mosaic_dir(prerendered.pk) / DZI_DIR_NAME,
                        quality=settings.RCM_TILE_JPEG_QUALITY)  # fmt: skip
        client = Client()
        client.force_login(reader)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        app = WSGIHandler()
        tiles = shuffled([f"{lv}/{c}_{r}.jpeg" for lv, c, r in full_resolution_tiles(size, 254)], 3)
        rows: dict[str, Row] = {}
        for name, mosaic in (("pre-rendered", prerendered), ("rendered", rendered)):
            paths = [f"/api/mosaics/{mosaic.pk}/dzi_files/{tile}" for tile in tiles]
            first_byte(app, f"/api/mosaics/{mosaic.pk}/dzi_files/0/0_0.jpeg", cookie)
            rows[f"{name}, cold"] = measure(app, paths, cookie)
            wait_until_done()
            rows[f"{name}, warm"] = measure(app, paths, cookie)
        different = [
            tile for tile in tiles[:20]
            if first_byte(app, f"/api/mosaics/{prerendered.pk}/dzi_files/{tile}", cookie)[2]
            != first_byte(app, f"/api/mosaics/{rendered.pk}/dzi_files/{tile}", cookie)[2]
        ]  # fmt: skip
        source = large_image.open(str(media_path(rendered.pyramid_path)), encoding="JPEG", jpegQuality=JPEG_QUALITY)
        reference = []
        for _, x, y in shuffled(full_resolution_tiles(size, 256), 3):
            started = time.perf_counter()
            source.getTile(x, y, source.levels - 1)
            reference.append((time.perf_counter() - started) * 1000)
        rows["reference: large_image getTile + JPEG, cold"] = summary(reference)
    log(f"tiles smoke: {size}² mosaic, {len(tiles)} full-resolution tiles, in process (first byte), "
        f"JPEG Q{JPEG_QUALITY}")  # fmt: skip
    base = rows["reference: large_image getTile + JPEG, cold"]["p50_ms"]
    for name, row in rows.items():
        log(
            f"  {name:<45} p50 {row['p50_ms']:6.2f} ms  p90 {row['p90_ms']:6.2f} ms  reference/this {base / row['p50_ms']:5.2f}×"
        )
    if different:
        sys.exit(f"pre-rendered and rendered tiles differ: {different}")


# ---------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few seconds in process, no nginx, wrk or peer")
    parser.add_argument("--size", type=int, default=12_000)
    parser.add_argument(
        "--copies", type=int, default=25, help="distinct images behind Django (hard links of one pyramid)"
    )
    parser.add_argument("--nginx-cold-seconds", type=int, default=3, help="seconds of the cold walks nginx serves")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warm-tiles", type=int, default=2000, help="tiles in the warm set")
    parser.add_argument("--fill-passes", type=int, default=4, help="times each warm tile is asked before measuring")
    parser.add_argument("--fill-limit", type=int, default=90, help="at most this many seconds to fill the warm set")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compression", default="none", help="pyramid TIFF compression (ingest's default: none)")
    parser.add_argument("--only", nargs="*", default=[*SERVERS, "inprocess"])
    parser.add_argument("--setup-db", metavar="PYRAMID", help=argparse.SUPPRESS)
    parser.add_argument("--dzi", help=argparse.SUPPRESS)
    parser.add_argument("--copies-json", help=argparse.SUPPRESS)
    parser.add_argument("--inprocess", metavar="PLAN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        smoke()
        return
    if args.setup_db:
        print(json.dumps(setup_platform_db(Path(args.setup_db), Path(args.dzi), json.loads(args.copies_json))))
        return
    if args.inprocess:
        print(json.dumps(inprocess_platform(json.loads(Path(args.inprocess).read_text()))))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "nginx", "psql"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y wrk nginx postgresql-client")
    pyramid = make_image(args.size, args.compression)
    dzi = make_dzi(pyramid)
    setup: Row = {"dzi": dzi, "copies": args.copies, "dzi_tiles": full_resolution_tiles(args.size, 254)}
    # Cold walks use half of their list and must not run out of unique tiles: for nginx (up to ~100,000
    # tiles/s for --nginx-cold-seconds) more pre-rendered mosaics, hard links of the same files, walked by
    # static and production. The Django-served walks (peer, platform, render) use the first --copies of them.
    prerendered = max(args.copies, math.ceil(2 * 100_000 * args.nginx_cold_seconds / len(setup["dzi_tiles"])))
    setup["peer_ready"] = (PEER_VENV / "bin" / "gunicorn").exists()
    if not setup["peer_ready"]:
        log("django-large-image venv missing: see the install steps at the top of this file; peer skipped")
    setup["peer_dir"] = OUT / "peer"
    link_copies(pyramid, args.copies, setup["peer_dir"])
    peer_tiles = full_resolution_tiles(args.size, 256)
    setup["peer_paths"] = shuffled([f"/api/images/{i}/tiles/{z}/{x}/{y}.jpeg"
                                    for i in range(1, args.copies + 1) for z, x, y in peer_tiles], 1)  # fmt: skip
    info = prepare_platform(pyramid, dzi, {"platform": prerendered, "render": args.copies})
    setup.update(ids=info["ids"], cookie=info["cookie"], static_root=OUT / "static")
    shutil.rmtree(setup["static_root"], ignore_errors=True)
    setup["static_root"].mkdir()
    for index, mosaic_id in enumerate(info["ids"]["platform"]):  # nginx's static rate over the same files
        (setup["static_root"] / str(index)).symlink_to(
            OUT / "media" / "mosaics" / str(mosaic_id) / "dzi" / "tiles_files"
        )
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=platform_env(), cwd=ROOT,
                   check=True)  # fmt: skip
    # (copy index, level, col, row), shuffled: the same walk order for the three platform servers.
    setup["nginx_tiles"] = shuffled([(i, lv, c, r) for i in range(prerendered) for lv, c, r in setup["dzi_tiles"]], 2)
    setup["django_tiles"] = [tile for tile in setup["nginx_tiles"] if tile[0] < args.copies]

    results: list[Row] = []
    try:
        for number in range(1, args.rounds + 1):
            log(f"round {number} of {args.rounds}")
            results.extend(run_round(number, args, setup))
            (OUT / "results.json").write_text(json.dumps(results, indent=2))
    finally:
        clear_platform_caches()
    report(results)


if __name__ == "__main__":
    main()
