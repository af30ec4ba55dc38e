"""`make run`'s embedded configuration (SQLite, no broker process) works end to end.

The suite itself runs on PostgreSQL; this one test runs the demo and a reader's
first strokes under ``config.settings.local`` in a subprocess, so database-specific
code cannot silently break `make run`.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_and_reading_work_on_the_embedded_defaults(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RCM_", "DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "RCM_MEDIA_ROOT": str(tmp_path / "media"),
        # No worker in this test: tasks run in-process (what is tested is the data layer).
        "RCM_CELERY_EAGER": "true",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "local_profile" / "reading_workflow.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("OK")
