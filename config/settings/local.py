"""``make run``: embedded defaults that need no server.

SQLite for the database and Celery's filesystem transport for the broker, so the
web server, one worker and beat run on a laptop with nothing else installed.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("RCM_DEBUG", default=True)
# Local only; production refuses to start without RCM_SECRET_KEY.
SECRET_KEY = env.str("RCM_SECRET_KEY", default="local-development-only-not-secret")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}

_queue_dir = BASE_DIR / "var" / "celery"
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
