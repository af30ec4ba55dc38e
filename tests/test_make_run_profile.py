"""`make run`'s embedded configuration (SQLite, no broker process) works end to end.

The suite itself runs on PostgreSQL; these tests run under ``config.settings.local``
in a subprocess, so database-specific code cannot silently break `make run`: the
demo and a reader's first strokes, and the test modules that pin the reading
rules and the API contract (visibility over the whole matrix, the portable twins
of the PostgreSQL fast paths, real responses against the OpenAPI schema).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run again on SQLite: what must answer the same whatever the database.
RULE_MODULES = [
    "tests/annotations/reading/test_visibility_rules.py",
    "tests/annotations/reading/test_portable_twins.py",
    "tests/annotations/test_api_contract.py",
]


def _local_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RCM_", "DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "RCM_MEDIA_ROOT": str(tmp_path / "media"),
        # No worker in these tests: tasks run in-process (what is tested is the data layer).
        "RCM_CELERY_EAGER": "true",
        "PYTHONPATH": str(ROOT),
    }


def test_demo_and_reading_work_on_the_embedded_defaults(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "local_profile" / "reading_workflow.py")],
        cwd=ROOT, env=_local_env(tmp_path), capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("OK")


def test_a_fresh_clone_enqueues_work_without_make_run_having_made_any_folder(tmp_path: Path) -> None:
    # `manage.py runserver` on a fresh clone: nothing under var/ exists yet.
    var = tmp_path / "var"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "RCM_VAR_DIR": str(var)}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "RCM_CELERY_RESULT_BACKEND", "REDIS_URL", "RCM_MEDIA_ROOT"):
        env.pop(name, None)
    script = "import django; django.setup(); from config.celery_app import app; print(app.send_task('annotations.expire_stale_uploads').id)"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    queued = list((var / "celery" / "queue").iterdir())
    assert len(queued) == 1 and result.stdout.strip() in queued[0].read_text()


def test_reading_rules_and_contract_hold_on_sqlite(tmp_path: Path) -> None:
    env = {**_local_env(tmp_path), "DJANGO_SETTINGS_MODULE": "tests.local_profile.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--ds=tests.local_profile.settings", *RULE_MODULES],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 22, summary  # the matrix (18 worlds), twins, contract: not skipped
    assert "failed" not in summary and "error" not in summary, summary
