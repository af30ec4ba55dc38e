"""``config.settings.local`` (``make run``: SQLite, no broker) for tests run on it.

Only what makes a test run fast is changed: the cheap password hasher of the
PostgreSQL test profile (factories set a password on every user they make).
"""

from config.settings.local import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
