"""Tile serving under load: wrk, 32 connections, random full-resolution tiles, cold and warm.

Four servers over the same synthetic 12,000 x 12,000 grayscale image, on loopback:
  (a) nginx serving a ``vips dzsave`` pyramid as static files (the physical reference);
  (b) Kitware's django-large-image tile endpoint under gunicorn (2 workers, no permission
      checks), in its own venv (benchmarks/out/venv-dli) over the same pyramid TIFF;
  (c) this platform's DZI tile endpoint under gunicorn (2 workers, production settings,
      PostgreSQL, Redis tile cache, session-authenticated, permission enforced);
  (d) the production path: platform/nginx/nginx.conf in front of (c), signed tile URLs,
      tiles served from the tile directory Django fills.
"Cold" walks a shuffled list of every full-resolution tile of K copies of the pyramid
for --duration seconds (each tile asked once, after restarting the server and emptying
its caches; the list is longer than a run gets through); "warm" fills a set of
--warm-tiles of them once, then asks uniformly random tiles of that set.

Setup (once):  apt-get install -y wrk nginx-light
               python3 -m venv benchmarks/out/venv-dli
               benchmarks/out/venv-dli/bin/pip install django-large-image==0.10.5 \
                   large-image==1.35.6 large-image-source-tiff==1.35.6 gunicorn==27.0.1
Run:           .venv/bin/python benchmarks/tiles_benchmark.py [--size 12000] [--copies 8] [--duration 10] [--rounds 2] [--compression none]
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
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
OUT = BENCH / "out" / "tiles"
PEER_VENV = BENCH / "out" / "venv-dli"
REDIS_URL = "redis://127.0.0.1:6379/5"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rcm_tiles_bench"
SECRET = "benchmark-tile-secret"
PORTS = {"static": 18080, "peer": 18003, "platform": 18001, "production": 18082}
THREADS = 2
CONNECTIONS = 32


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------- image and pyramids
def make_image(size: int, compression: str) -> Path:
    """A textured 8-bit grey image (cells-like blobs, gradients and speckle), as a pyramid TIFF
    written the way ingest writes them (256-px tiles; ingest's default compression is none)."""
    import pyvips

    pyramid = OUT / f"pyramid-{compression}.tiff"
    if pyramid.exists() and pyvips.Image.new_from_file(str(pyramid)).width == size:
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


def make_dzsave(pyramid: Path) -> Path:
    import pyvips

    target = OUT / "static" / "ref"
    descriptor = OUT / "static" / "ref.dzi"
    marker = OUT / "static" / "source.txt"
    if descriptor.exists() and marker.exists() and marker.read_text() == pyramid.name:
        return target
    shutil.rmtree(OUT / "static", ignore_errors=True)
    (OUT / "static").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pyvips.Image.new_from_file(str(pyramid)).dzsave(str(target), suffix=".jpeg[Q=90]", tile_size=254, overlap=1)
    marker.write_text(pyramid.name)
    log(f"vips dzsave written in {time.perf_counter() - started:.1f} s")
    return target


def link_copies(pyramid: Path, copies: int, directory: Path, name: str = "{i}.tiff") -> list[Path]:
    """Hard links with distinct paths: each server opens and caches them as distinct images."""
    paths = []
    for i in range(1, copies + 1):
        path = directory / name.format(i=i)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.link(pyramid, path)
        paths.append(path)
    return paths


# ---------------------------------------------------------------- platform database
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
        "RCM_TILE_DISK_CACHE_DIR": str(OUT / "tilecache"),
        "RCM_LOG_LEVEL": "WARNING",
    }


def setup_platform_db(pyramid: Path, copies: int) -> dict[str, object]:
    """Runs in a child process with platform_env(): a reader assigned to ``copies`` ready mosaics."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from annotations.models import Mosaic, MosaicStatus, Role
    from annotations.storage import PYRAMID_NAME, mosaic_dir, to_relative
    from annotations.tiles.signing import dzi_url
    from annotations.tiles.source import open_mosaic
    from tests.factories import CaseFactory, ProjectFactory, ReadFactory, member

    call_command("migrate", verbosity=0, interactive=False)
    project = ProjectFactory(slug="bench")
    reader = member(project, Role.READER, username="bench-reader")
    mosaics = []
    for _ in range(copies):
        mosaic = Mosaic.objects.create(case=CaseFactory(project=project), status=MosaicStatus.READY,
                                       width=0, height=0, um_per_px=0.5)  # fmt: skip
        path = mosaic_dir(mosaic.pk) / PYRAMID_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(pyramid, path)
        mosaic.pyramid_path = to_relative(path)
        mosaic.save()
        ReadFactory(mosaic=mosaic, reader=reader)
        mosaics.append(mosaic)
    client = Client()
    client.force_login(reader)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    signed = {m.pk: dzi_url(mosaic_id=m.pk, version=open_mosaic(m).version) for m in mosaics}
    return {"mosaic_ids": [m.pk for m in mosaics], "cookie": cookie, "signed": signed}


def prepare_platform(pyramid: Path, copies: int) -> dict[str, object]:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", "DROP DATABASE IF EXISTS rcm_tiles_bench"],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", "CREATE DATABASE rcm_tiles_bench"],
                   check=True, capture_output=True)  # fmt: skip
    shutil.rmtree(OUT / "media", ignore_errors=True)
    result = subprocess.run(
        [sys.executable, __file__, "--setup-db", str(pyramid), "--copies", str(copies)],
        env=platform_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"platform setup failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


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
    command = [str(python_bin.parent / "gunicorn"), module, "--workers", "2", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning"]  # fmt: skip
    return Server(name, command, env, cwd, f"http://127.0.0.1:{port}/")


def nginx_server(name: str, config: str) -> Server:
    conf_dir = OUT / "nginx" / name
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / "conf.d").mkdir(exist_ok=True)
    (conf_dir / "nginx.conf").write_text(config.replace("@CONF_D@", str(conf_dir / "conf.d")))
    (conf_dir / "conf.d" / "tile-secret.conf").write_text(f'map "" $tile_secret {{\n    default "{SECRET}";\n}}\n')
    command = ["nginx", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-g", "daemon off;"]
    port = PORTS[name]
    return Server(name, command, dict(os.environ), conf_dir, f"http://127.0.0.1:{port}/")


def static_nginx_config(static_root: Path) -> str:
    return f"""
worker_processes auto;
pid {OUT}/nginx/static/nginx.pid;
error_log {OUT}/nginx/static/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_requests 100000;
    open_file_cache max=20000 inactive=60s;
    server {{
        listen 127.0.0.1:{PORTS["static"]};
        root {static_root};
        location / {{ }}
    }}
}}
"""


def production_nginx_config() -> str:
    """platform/nginx/nginx.conf with this machine's ports and paths (nothing else changed)."""
    text = (ROOT / "platform" / "nginx" / "nginx.conf").read_text()
    replacements = {
        "server web:8000;": f"server 127.0.0.1:{PORTS['platform']};",
        "listen 80;": f"listen 127.0.0.1:{PORTS['production']};",
        "pid /var/run/nginx.pid;": f"pid {OUT}/nginx/production/nginx.pid;",
        "access_log /dev/stdout;": "access_log off;",
        "error_log /dev/stderr warn;": f"error_log {OUT}/nginx/production/error.log warn;",
        "include /etc/nginx/conf.d/*.conf;": "include @CONF_D@/*.conf;",
        "/app/staticfiles/": f"{OUT}/staticfiles/",
        "root /data/media/tilecache;": f"root {OUT}/tilecache;",
    }
    for old, new in replacements.items():
        if old not in text:
            raise RuntimeError(f"platform/nginx/nginx.conf no longer contains {old!r}")
        text = text.replace(old, new)
    return text


# ---------------------------------------------------------------- wrk
def run_wrk(
    name: str,
    base_url: str,
    paths: list[str],
    mode: str,
    duration: int,
    cookie: str = "",
    connections: int = CONNECTIONS,
) -> dict[str, object]:
    threads = min(THREADS, connections)
    paths_file = OUT / f"paths-{name}-{mode}-{connections}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    env = {**os.environ, "TILES_PATHS": str(paths_file), "TILES_MODE": mode, "TILES_THREADS": str(threads),
           "TILES_COOKIE": cookie}  # fmt: skip
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "10s",
               "-s", str(BENCH / "tiles_wrk.lua"), base_url]  # fmt: skip
    started = time.perf_counter()
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - started
    (OUT / f"wrk-{name}-{mode}-{connections}.txt").write_text(output)

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "server": name, "mode": mode, "connections": connections, "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "seconds": round(elapsed, 2),
        "p50_ms": latency("50"), "p99_ms": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        # A cold walk must not run out of tiles (it would turn warm): walks of the whole list are long.
        "unique_tiles": len(paths), "exhausted": mode == "walk" and requests >= len(paths),
    }  # fmt: skip


def cold_then_warm(
    name: str, base: str, paths: list[str], args: argparse.Namespace, cookie: str = ""
) -> list[dict[str, object]]:
    """Cold: walk unique tiles for --duration s (32 connections, then 1 connection for the
    latency of one request alone). Warm: fill a subset once, then random tiles of it."""
    half = len(paths) // 2
    cold = run_wrk(name, base, paths[:half], "walk", args.duration, cookie)
    alone = run_wrk(name, base, paths[half : len(paths) - args.warm_tiles], "walk", 5, cookie, connections=1)
    subset = paths[-args.warm_tiles :]
    # wrk always runs its full -d (threads stop when their share is done): size it from the cold rate.
    fill_seconds = min(args.fill_limit, math.ceil(len(subset) / max(float(cold["rps"]), 1.0) * 1.5) + 2)  # type: ignore[arg-type]
    run_wrk(name + "-fill", base, subset, "walk", fill_seconds, cookie)  # each tile once; not reported
    warm = run_wrk(name, base, subset, "random", args.duration, cookie)
    return [cold, alone, warm]


def clear_platform_caches() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match="*tile:*", count=5000):
        client.delete(key)
    shutil.rmtree(OUT / "tilecache", ignore_errors=True)


def full_resolution_tiles(size: int, tile: int) -> list[tuple[int, int, int]]:
    """(level, col, row) of every full-resolution tile of a ``tile``-px grid (DZI or large_image numbering)."""
    count = math.ceil(size / tile)
    level = math.ceil(math.log2(size)) if tile == 254 else math.ceil(math.log2(count))
    return [(level, col, row) for col in range(count) for row in range(count)]


def shuffled(paths: list[str], seed: int) -> list[str]:
    paths = list(paths)
    random.Random(seed).shuffle(paths)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=12_000)
    parser.add_argument("--copies", type=int, default=8, help="pyramid copies (distinct images) to spread tiles over")
    parser.add_argument("--duration", type=int, default=10, help="seconds per warm wrk run")
    parser.add_argument("--warm-tiles", type=int, default=2000, help="tiles in the warm set")
    parser.add_argument("--fill-limit", type=int, default=60, help="at most this many seconds to fill the warm set")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--compression", default="none", help="pyramid TIFF compression (ingest's default: none)")
    parser.add_argument("--only", nargs="*", default=["static", "peer", "platform", "production"])
    parser.add_argument("--setup-db", metavar="PYRAMID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_db:
        print(json.dumps(setup_platform_db(Path(args.setup_db), args.copies)))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "nginx", "psql"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y wrk nginx-light postgresql-client")
    pyramid = make_image(args.size, args.compression)
    results: list[dict[str, object]] = []
    dzi_tiles = full_resolution_tiles(args.size, 254)

    if "static" in args.only:
        make_dzsave(pyramid)
    peer_ready = "peer" in args.only and (PEER_VENV / "bin" / "gunicorn").exists()
    if "peer" in args.only and not peer_ready:
        log("django-large-image venv missing: see the install steps at the top of this file; peer skipped")
    peer_dir = OUT / "peer"
    if peer_ready:
        shutil.rmtree(peer_dir, ignore_errors=True)
        link_copies(pyramid, args.copies, peer_dir)
    platform_wanted = bool({"platform", "production"} & set(args.only))
    if platform_wanted:
        info = prepare_platform(pyramid, args.copies)
        env = platform_env()
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT,
                       check=True)  # fmt: skip
        ids = list(info["mosaic_ids"])  # type: ignore[call-overload]
        cookie = str(info["cookie"])
        plain = shuffled([f"/api/mosaics/{i}/dzi_files/{lv}/{c}_{r}.jpeg" for i in ids for lv, c, r in dzi_tiles], 2)
        signed_query = {int(k): v.split("?", 1)[1] for k, v in info["signed"].items()}  # type: ignore[attr-defined]
        signed = [f"{p}?{signed_query[int(p.split('/')[3])]}" for p in plain]

    # Rounds alternate the servers so that a change in the machine's load hits all of them.
    for round_number in range(1, args.rounds + 1):
        log(f"round {round_number} of {args.rounds}")
        if "static" in args.only:
            server = nginx_server("static", static_nginx_config(OUT / "static"))
            server.start()
            try:
                paths = [f"/ref_files/{lv}/{c}_{r}.jpeg" for lv, c, r in dzi_tiles]
                results.append(run_wrk("static", f"http://127.0.0.1:{PORTS['static']}", paths, "random", args.duration))
            finally:
                server.stop()

        if peer_ready:
            env_peer = {**os.environ, "DJANGO_SETTINGS_MODULE": "tiles_peer.settings", "TILES_PEER_DIR": str(peer_dir),
                        "PYTHONPATH": str(BENCH)}  # fmt: skip
            peer_tiles = full_resolution_tiles(args.size, 256)
            paths = shuffled([f"/api/images/{i}/tiles/{z}/{x}/{y}.jpeg" for i in range(1, args.copies + 1)
                              for z, x, y in peer_tiles], 1)  # fmt: skip
            server = gunicorn("peer", PEER_VENV / "bin" / "python", "tiles_peer.wsgi_app:application",
                              PORTS["peer"], env_peer, BENCH)  # fmt: skip
            server.start()
            try:
                base = f"http://127.0.0.1:{PORTS['peer']}"
                results.extend(cold_then_warm("peer", base, paths, args))
            finally:
                server.stop()

        if platform_wanted:
            app = gunicorn("platform", ROOT / ".venv" / "bin" / "python", "config.wsgi", PORTS["platform"], env, ROOT)
            for name in ("platform", "production"):
                if name not in args.only:
                    continue
                clear_platform_caches()
                app.start()
                front = nginx_server("production", production_nginx_config()) if name == "production" else None
                if front:
                    front.start()
                try:
                    base = f"http://127.0.0.1:{PORTS[name]}"
                    paths = signed if front else plain
                    results.extend(cold_then_warm(name, base, paths, args, cookie))
                finally:
                    if front:
                        front.stop()
                    app.stop()
            clear_platform_caches()

    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    log(f"\n{'server':<11} {'cache':<6} {'conn':>4} {'tiles/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}  notes")
    for row in results:
        cache = "cold" if row["mode"] == "walk" else "warm"
        note = "RAN OUT OF UNIQUE TILES: not all cold" if row["exhausted"] else ""
        log(f"{row['server']:<11} {cache:<6} {row['connections']:>4} {row['rps']:>9.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['non_2xx']:>8}  {note}{row['socket_errors']}")  # fmt: skip
    summarize(results)


def summarize(results: list[dict[str, object]]) -> None:
    """Median over rounds, and the ratios the issue asks for."""

    def median_rps(server: str, mode: str) -> float | None:
        values = sorted(
            float(r["rps"])  # type: ignore[arg-type]
            for r in results
            if r["server"] == server and r["mode"] == mode and r["connections"] == CONNECTIONS
        )
        return values[len(values) // 2] if values else None

    log("\nmedian tiles/s over rounds, and ratios")
    pairs = [("platform", "peer", "walk"), ("platform", "peer", "random"), ("production", "static", "random")]
    for ours, reference, mode in pairs:
        a, b = median_rps(ours, mode), median_rps(reference, mode)
        if a and b:
            cache = "cold" if mode == "walk" else "warm"
            log(f"  {ours} / {reference} ({cache}): {a:.0f} / {b:.0f} = {a / b:.2f}x")


if __name__ == "__main__":
    main()
