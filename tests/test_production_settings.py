"""Production settings: configured from the environment, and `check --deploy` passes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "RCM_SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "RCM_ALLOWED_HOSTS": "rcm.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _manage(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RCM_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def test_check_deploy_passes_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "RCM_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "RCM_SECRET_KEY" in result.stderr
