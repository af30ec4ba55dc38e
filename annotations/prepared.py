"""Querysets compiled once per database connection, then run with new values.

Why: on the autosave path Django spent longer *compiling* the read's access query
(a five-table ``select_related`` with the visibility subqueries, ~2-13 ms) than the
database spent running it. Hand-written SQL avoided the cost but stated the
visibility rules a second time, in another language. Here the queryset stays the
one definition: it is built once with placeholder values, compiled by Django for
the connection's database (PostgreSQL or SQLite alike), and each later call only
substitutes its values into the parameter list and runs the SQL.

Rows become model instances (with their ``select_related`` objects and deferred
fields) in one place, ``PreparedQuery.objects``, through the converters and
populators Django's own ``ModelIterable`` uses (``SQLCompiler.get_converters`` /
``apply_converters``, ``get_related_populators``: internal APIs of the pinned
Django, exercised by the reading tests on both databases).

A placeholder is a value no real query uses (a large negative number); after
compiling, every placeholder must appear among the parameters and nowhere in the
SQL text, else the query is refused (a value Django inlined or transformed could
not be substituted). Compiled queries are kept per thread, since each thread has
its own connection.
"""

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # internal, see above
from django.db.models.sql.compiler import SQLCompiler

_M = TypeVar("_M", bound=Model)

_PLACEHOLDER_BASE = -7_300_000_000_000
_MARK = "730000000000"  # the digits every placeholder starts with


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per parameter: the value's name (substituted at each call) or None and the constant.
    template: tuple[tuple[str | None, Any], ...]
    compiler: SQLCompiler
    converters: dict[int, Any]  # per column, Django's converters from database values
    populators: list[Any]
    init_list: list[str]  # empty for ``values_list`` rows
    model_columns: slice


class PreparedQuery(Generic[_M]):
    """``build(**placeholders, **options)`` compiled once per (thread, options), run with values.

    ``slots`` names the values a call supplies and their type (``int`` or ``float``);
    ``options`` (hashable keyword arguments of ``build``) select a variant compiled
    separately, e.g. with or without a column. A variant may leave some values
    unused (a superuser's query has no user id); a call may pass them anyway.
    """

    def __init__(self, build: Callable[..., "QuerySet[_M, Any]"], **slots: type) -> None:
        if any(kind not in (int, float) for kind in slots.values()):
            raise TypeError("placeholders are int or float values")
        self._build = build
        self._placeholders: dict[str, int | float] = {
            name: kind(_PLACEHOLDER_BASE - index) - (0.5 if kind is float else 0)
            for index, (name, kind) in enumerate(slots.items())
        }
        self._local = threading.local()

    def _compiled(self, options: Mapping[str, Hashable]) -> _Compiled | None:
        cache: dict[Hashable, _Compiled | None] = self._local.__dict__.setdefault("cache", {})
        key = tuple(sorted(options.items()))
        if key not in cache:
            cache[key] = self._compile(options)
        return cache[key]

    def _compile(self, options: Mapping[str, Hashable]) -> _Compiled | None:
        queryset = self._build(**self._placeholders, **options).using(DEFAULT_DB_ALIAS)
        compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None  # the query can match nothing (e.g. a caller who sees nothing)
        by_value = {value: name for name, value in self._placeholders.items()}
        template = tuple((by_value.get(param) if _hashable(param) else None, param) for param in params)
        # A placeholder Django inlined into the SQL or transformed (so that it is no
        # longer equal to itself) could not be substituted: refuse the query.
        leftovers = [param for name, param in template if name is None and _MARK in repr(param)]
        if _MARK in sql or leftovers:
            raise RuntimeError(f"prepared query cannot substitute its placeholders: {sql} {leftovers}")
        populators: list[Any] = []
        init_list: list[str] = []
        columns = slice(0)
        if queryset.query.default_cols:  # model instances, not ``values_list`` rows
            if compiler.annotation_col_map:
                raise RuntimeError("prepared model queries take no annotations (use values_list for rows)")
            assert compiler.klass_info is not None
            select = compiler.select
            fields = compiler.klass_info["select_fields"]
            columns = slice(fields[0], fields[-1] + 1)
            init_list = [column[0].target.attname for column in select[columns]]
            populators = get_related_populators(compiler.klass_info, select, DEFAULT_DB_ALIAS)
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        if compiler.has_composite_fields([column[0] for column in compiler.select]):
            raise RuntimeError("prepared queries do not select composite primary keys")
        return _Compiled(sql, template, compiler, converters, populators, init_list, columns)

    def _run(self, options: Mapping[str, Hashable], values: Mapping[str, Any]) -> tuple[_Compiled | None, list[Any]]:
        unknown = set(values) - set(self._placeholders)
        if unknown:
            raise TypeError(f"unknown values {sorted(unknown)}; this query takes {sorted(self._placeholders)}")
        compiled = self._compiled(options)
        if compiled is None:
            return None, []
        try:
            params = [values[name] if name is not None else constant for name, constant in compiled.template]
        except KeyError as missing:
            raise TypeError(f"this variant of the query needs the value {missing}") from None
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        # Django's converters (JSON text to objects, SQLite's text timestamps to datetimes...).
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return compiled, rows

    def rows(self, options: Mapping[str, Hashable] | None = None, **values: Any) -> list[Any]:
        """The rows of a ``values_list`` queryset, converted as Django would."""
        return self._run(options or {}, values)[1]

    def objects(self, options: Mapping[str, Hashable] | None = None, **values: Any) -> list[_M]:
        """Model instances with their ``select_related`` objects, as iterating the queryset gives."""
        compiled, rows = self._run(options or {}, values)
        if compiled is None:
            return []
        if not compiled.init_list:
            raise TypeError("a values_list query gives rows(), not objects()")
        model = compiled.compiler.klass_info["model"]
        found = []
        for row in rows:
            instance = model.from_db(DEFAULT_DB_ALIAS, compiled.init_list, row[compiled.model_columns])
            for populator in compiled.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

    def first(self, options: Mapping[str, Hashable] | None = None, **values: Any) -> _M | None:
        found = self.objects(options, **values)
        return found[0] if found else None


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
