"""``make test``: real PostgreSQL and Redis, never SQLite or a fake broker.

Each test session gets its own run id (``RCM_TEST_RUN_ID``, set by the Makefile or
on first import) so that two suites on one machine use different test databases,
broker keys and cache keys. Worker processes that the tests start inherit the id
and, with ``RCM_TEST_WORKER=1``, connect straight to the test database.
"""

import os
import uuid

from .base import *  # noqa: F403
from .base import BASE_DIR, CELERY_BROKER_TRANSPORT_OPTIONS, env, env_path

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
# Inherited by the worker subprocesses so both sides agree on names.
RUN_ID = os.environ.setdefault("RCM_TEST_RUN_ID", uuid.uuid4().hex[:10])

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/postgres")}
_test_db_name = f"test_rcm_{RUN_ID}"
DATABASES["default"]["TEST"] = {"NAME": _test_db_name}
if env.bool("RCM_TEST_WORKER", default=False):
    DATABASES["default"]["NAME"] = _test_db_name

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"rcmtest:{RUN_ID}",
    }
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": f"rcmtest:{RUN_ID}:",
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"rcmtest:{RUN_ID}:"}
CELERY_TASK_ALWAYS_EAGER = False

MEDIA_ROOT = env_path("RCM_MEDIA_ROOT", BASE_DIR / "var" / "test-media" / RUN_ID)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
RCM_EVALUATION_RESAMPLES = 100  # the evaluation's bootstrap: intervals are tested for shape, not precision
RCM_AGREEMENT_RESAMPLES = 200  # as above, for the project agreement's intervals
