"""Which database the platform runs on, and names for the few hand-written SQL statements.

Production and the test suite run on PostgreSQL; ``make run`` runs on SQLite. Two
paths use PostgreSQL-only SQL, each with a portable twin that gives the same answer:
the viewport's region JSON (an ORM expression compiled from ``region_json``,
rendered by Python elsewhere) and the revision delta insert of every autosave
(hand-written). ``tests/annotations/reading/test_portable_twins.py`` compares each
pair, and also runs on SQLite. Hand-written SQL names tables and columns through
the models' ``_meta`` (``column`` here), never typed out. The other hot paths need
no SQL of their own: their querysets are compiled once and rerun
(``annotations.prepared``).
"""

from django.db import connection
from django.db.models import Field, Model


def has_postgresql_fast_paths() -> bool:
    return connection.vendor == "postgresql"


def column(model: type[Model], name: str) -> str:
    """The database column of ``model``'s field ``name`` (a foreign key's is its id column)."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise LookupError(f"{model.__name__}.{name} has no column")
    return field.column
