"""What a test or benchmark run shares with its own helpers: browser flags, per-run keys.

Used by ``tests/conftest.py`` and by the benchmarks, which run against the same
``config.settings.test`` profile (a run id per process, see that module).
"""

from django.conf import settings

# Debian's Chromium, headless, as root, on a machine with no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


def drop_run_keys() -> None:
    """Delete this run's broker and cache keys from Redis."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"*rcmtest:{settings.RUN_ID}*", count=1000):
        client.delete(key)
