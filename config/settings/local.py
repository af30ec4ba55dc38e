"""``make run``: embedded defaults that need no server.

SQLite for the database and Celery's filesystem transport for the broker, so the
web server, one worker and beat run on a laptop with nothing else installed.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, env, env_path

# Everything make run keeps between runs (database, queue, media) lives under one folder.
VAR_DIR = env_path("RCM_VAR_DIR", BASE_DIR / "var")

DEBUG = env.bool("RCM_DEBUG", default=True)
# Local only; production refuses to start without RCM_SECRET_KEY.
SECRET_KEY = env.str("RCM_SECRET_KEY", default="local-development-only-not-secret")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
MEDIA_ROOT = env_path("RCM_MEDIA_ROOT", VAR_DIR / "media")

# The folders below are made when Django starts (annotations.apps), not here: settings
# have no side effects, and a fresh clone's `manage.py runserver` must still enqueue work.
_queue_dir = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_queue_dir / "queue"),
    "data_folder_out": str(_queue_dir / "queue"),
    "processed_folder": str(_queue_dir / "processed"),
    "control_folder": str(_queue_dir / "control"),
    "store_processed": False,
}
CELERY_RESULT_BACKEND = env.str("RCM_CELERY_RESULT_BACKEND", default=f"file://{_queue_dir / 'results'}")
# Keep a manage.py shell usable without a worker: only when asked for.
CELERY_TASK_ALWAYS_EAGER = env.bool("RCM_CELERY_EAGER", default=False)
