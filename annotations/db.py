"""Which database the platform runs on, for the few hand-written PostgreSQL fast paths.

Production and the test suite run on PostgreSQL; ``make run`` runs on SQLite. The
autosave and viewport hot paths use PostgreSQL SQL (JSON built by the database,
row locks without queryset compilation); each has a portable ORM twin that gives
the same answer, used everywhere else (``tests/test_make_run_profile.py`` runs the
reading workflow on SQLite, and the reading tests compare the twins on PostgreSQL).
"""

from django.db import connection


def has_postgresql_fast_paths() -> bool:
    return connection.vendor == "postgresql"
