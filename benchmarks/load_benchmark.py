"""Load benchmark (issue 12): readers panning through tiles and readers autosaving, against production settings.

The platform runs as production runs it: gunicorn (``--workers 4 --threads 4 --keep-alive 75``, as in
platform/compose.yaml) with ``config.settings.production``, PostgreSQL (a database of
its own on the local server, dropped afterwards) and a Redis of its own started with
append-only persistence (cache, tile cache and broker). Locust (``benchmarks/load_locustfile.py``)
plays ``--readers`` users panning at full resolution (a column of 5 tiles per step, one
step a second) and ``--autosavers`` users each saving a stroke every 2 s, for ``--duration``
seconds: the main round. A reference round follows with the same users and pacing on
``/api/vocabulary/`` (the authenticated API without data), so the numbers come with a
ratio to what the stack itself costs on the machine at that moment. Then ``--search`` rounds raise the number of panning readers until
the p99 of tiles or autosaves passes 1 s: the load the machine holds. Locust runs on the same
machine (it takes CPU from the server: the numbers are a floor).

Run (needs PostgreSQL on 127.0.0.1:5432 and redis-server installed):

    .venv/bin/python benchmarks/load_benchmark.py [--readers 50] [--autosavers 10] [--duration 300]
        [--search 60,70,80,90,100,125,150,200] [--search-duration 60] [--smoke]
"""

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from tests.faults.services import PlatformProcess, PrivateRedis, free_port, wait_for_http  # noqa: E402

DATABASE = f"rcm_load_{os.getpid()}"
WORKERS, THREADS = 4, 4


def log(message: str) -> None:
    print(message, flush=True)


def production_env(out: Path, redis_url: str) -> dict[str, str]:
    drop = ("RCM_TEST_RUN_ID", "RCM_TEST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE")
    return {
        **{key: value for key, value in os.environ.items() if key not in drop},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "RCM_SECRET_KEY": "load-benchmark-only-secret-key-0123456789-abcdefghijklmnop",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "RCM_SECURE_SSL_REDIRECT": "false",
        "RCM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RCM_MEDIA_ROOT": str(out / "media"),
        "RCM_STATIC_ROOT": str(out / "staticfiles"),
        "RCM_LOG_LEVEL": "WARNING",
    }


SETUP = """
import json, sys
import django
django.setup()
from django.conf import settings
# The users sign in with tokens: their passwords need no slow hash (hundreds of users).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from annotations.ingest.pipeline import ingest_source
from annotations.models import Mosaic, MosaicStatus, Role
from annotations.services.assignment import read_assign
from annotations.storage import mosaic_dir, to_relative
from tests.factories import CaseFactory, ProjectFactory, member
import pyvips

side, mosaics, readers, autosavers = (int(v) for v in sys.argv[1:5])
call_command("migrate", verbosity=0, interactive=False)
source = mosaic_dir(0) / "source.tif"
source.parent.mkdir(parents=True, exist_ok=True)
pyvips.Image.gaussnoise(side, side, mean=120, sigma=50).gaussblur(1.2).cast("uchar").write_to_file(str(source))
result = ingest_source(source, mosaic_dir(0), max_pixels=10**9, default_um_per_px=0.5)
source.unlink()
project = ProjectFactory.create(slug="load", readers_per_mosaic=max(2, autosavers))
ids = []
for _ in range(mosaics):
    mosaic = Mosaic.objects.create(case=CaseFactory.create(project=project), status=MosaicStatus.READY, width=side,
                                   height=side, um_per_px=0.5, pyramid_path=to_relative(result.pyramid),
                                   thumbnail_path=to_relative(result.thumbnail))
    ids.append(mosaic.pk)
lead = member(project, Role.LEAD, username="load-lead")
reader_tokens = [Token.objects.create(user=member(project, Role.LEAD, username=f"panner{i}")).key for i in range(readers)]
autosave = []
for i in range(autosavers):
    user = member(project, Role.READER, username=f"drawer{i}")
    [read] = read_assign(mosaic=Mosaic.objects.get(pk=ids[i % len(ids)]), readers=[user], by=lead)
    autosave.append([read.pk, Token.objects.create(user=user).key])
print(json.dumps({"mosaic_ids": ids, "reader_tokens": reader_tokens, "autosave": autosave, "all_autosave": autosave}))
"""


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True,
                   capture_output=True)  # fmt: skip


def prepare(env: dict[str, str], side: int, mosaics: int, readers: int, autosavers: int) -> dict[str, Any]:
    psql(f"CREATE DATABASE {DATABASE}")
    done = subprocess.run([sys.executable, "-c", SETUP, str(side), str(mosaics), str(readers), str(autosavers)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    plan: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    level = (side - 1).bit_length()  # the full-resolution DZI level
    tiles = -(-side // 254)
    plan.update(level=level, cols=tiles, rows=tiles, width=side, height=side, pan_pause=1.0)
    return plan


def run_round(label: str, plan: dict[str, Any], out: Path, base: str, readers: int, autosavers: int,
              duration: int, *, spawn_rate: int, reference: bool = False) -> dict[str, Any]:  # fmt: skip
    """One locust run; per request kind: count, failures, p50, p99 (ms), requests/s."""
    plan_path = out / f"plan-{label}.json"
    plan_path.write_text(json.dumps({**plan, "readers": readers, "autosavers": autosavers, "reference": reference}))
    prefix = out / f"locust-{label}"
    users = readers + autosavers
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "load_locustfile.py"), "--headless",
               "--host", base, "-u", str(users), "-r", str(spawn_rate), "-t", f"{duration}s",
               "--csv", str(prefix), "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env={**os.environ, "RCM_LOAD_PLAN": str(plan_path)}, capture_output=True,
                   text=True, timeout=duration + 120)  # fmt: skip
    rows: dict[str, Any] = {"label": label, "readers": readers, "autosavers": autosavers, "duration": duration}
    with open(f"{prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            if row["Name"] in ("tile", "autosave"):
                rows[row["Name"]] = {
                    "count": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50": float(row["50%"] or 0),
                    "p99": float(row["99%"] or 0),
                    "rps": float(row["Requests/s"]),
                }
    failures_file = Path(f"{prefix}_failures.csv")
    rows["failure_kinds"] = failures_file.read_text().splitlines()[1:6] if failures_file.exists() else []
    return rows


def line(result: dict[str, Any]) -> str:
    cells = [
        f"{result['label']:<10}",
        f"{result['readers']:>4} + {result['autosavers']:<3}",
        f"{result['duration']:>4} s",
    ]
    for kind in ("tile", "autosave"):
        stats = result.get(kind) or {"count": 0, "failures": 0, "p50": 0, "p99": 0, "rps": 0}
        cells.append(f"{kind} {stats['count']:>7} req {stats['rps']:7.1f}/s p50 {stats['p50']:6.0f} ms "
                     f"p99 {stats['p99']:6.0f} ms errors {stats['failures']}")  # fmt: skip
    return " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--autosavers", type=int, default=10)
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--side", type=int, default=8000, help="mosaic side in pixels (one pyramid, several mosaics)")
    parser.add_argument("--mosaics", type=int, default=4)
    parser.add_argument(
        "--search", default="60,70,80,90,100,125,150,200", help="panning readers per search round ('' for none)"
    )
    parser.add_argument("--search-duration", type=int, default=60)
    # Locust starts users class by class, the panning readers first: at a slow ramp a short run
    # would never reach the autosavers, so a smoke run starts everyone in its first second. It lasts 15 s:
    # on a loaded machine an autosaver's first stroke (after its read is fetched from a cold worker) took over 5 s.
    parser.add_argument("--spawn-rate", type=int, default=0, help="users started per second (default: a fifth of them)")
    args = smoke.parse_args(parser, {"readers": 3, "autosavers": 2, "duration": 15, "side": 1200, "mosaics": 1,
                                     "search": "", "spawn_rate": 100})  # fmt: skip
    if shutil.which("redis-server") is None or shutil.which("psql") is None:
        sys.exit("redis-server and psql are needed: apt-get install -y redis-server postgresql-client")
    out = Path(tempfile.mkdtemp(prefix="rcm-load-"))
    redis = PrivateRedis(out / "redis")
    server: PlatformProcess | None = None
    try:
        redis.start()
        env = production_env(out, redis.url)
        started = time.perf_counter()
        search = [int(value) for value in args.search.split(",") if value]
        plan = prepare(env, args.side, args.mosaics, max([args.readers, *search]), args.autosavers)
        log(f"set up {args.mosaics} mosaics of {args.side}² px and the users in {time.perf_counter() - started:.0f} s")
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
                str(WORKERS), "--threads", str(THREADS), "--timeout", "120", "--keep-alive", "75"]  # fmt: skip
        server = PlatformProcess("load-web", argv, env).start()
        wait_for_http(port, timeout=120)
        base = f"http://127.0.0.1:{port}"
        log(f"machine: {platform.machine()}, {os.cpu_count()} CPUs (shared with locust and anything else running); "
            f"gunicorn {WORKERS} workers x {THREADS} threads, keep-alive 75 s, production settings, PostgreSQL, Redis (append-only)")  # fmt: skip
        def ramp(users: int) -> int:
            return args.spawn_rate or max(1, users // 5)

        total = args.readers + args.autosavers
        results = [run_round("main", plan, out, base, args.readers, args.autosavers, args.duration,
                             spawn_rate=ramp(total))]  # fmt: skip
        log(line(results[0]))
        # The same users at the same pace on /api/vocabulary/ (the API without data), right after.
        reference = run_round("reference", plan, out, base, args.readers, args.autosavers,
                              min(args.duration, args.search_duration), spawn_rate=ramp(total), reference=True)  # fmt: skip
        log(line(reference))
        for kind in ("tile", "autosave"):
            main_stats, ref_stats = results[0].get(kind), reference.get(kind)
            if main_stats and ref_stats and ref_stats["p50"] and ref_stats["p99"]:
                log(f"{kind} / reference: p50 {main_stats['p50'] / ref_stats['p50']:.1f}x, "
                    f"p99 {main_stats['p99'] / ref_stats['p99']:.1f}x")  # fmt: skip
        results.append(reference)
        for readers in search:
            result = run_round(f"search-{readers}", plan, out, base, readers, args.autosavers, args.search_duration,
                               spawn_rate=ramp(readers + args.autosavers))  # fmt: skip
            results.append(result)
            log(line(result))
            if max(result.get(kind, {}).get("p99", 0) for kind in ("tile", "autosave")) > 1000:
                log(f"p99 passes 1 s at {readers} panning readers + {args.autosavers} autosaving")
                break
        else:
            if search:
                log("p99 stayed under 1 s at every load tried")
        for result in results:
            if result["failure_kinds"]:
                log(f"failures in {result['label']}: {result['failure_kinds']}")
        log("results: " + json.dumps(results))
    finally:
        if server is not None:
            server.stop()
        redis.close()
        try:
            psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
