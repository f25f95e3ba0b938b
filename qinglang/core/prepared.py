"""Hot reads and inserts whose SQL is compiled once per database, then run with new values.

Compiling a queryset (joins, select_related columns, ordering) costs about a millisecond of CPU
on the reference machine, ten times what a one-row index lookup costs the database. A hot path
that runs the same query shape on every request (the public report submission's website lookup)
builds it once with stand-in values and keeps the compiler: each call then sends the cached SQL
text with the real values and builds the instances exactly as the queryset would (the same
columns, converters and select_related objects).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=models.Model)


class PreparedQuery(Generic[M]):
    """`build(*values)` returns the queryset; every value must become exactly one parameter."""

    def __init__(self, build: Callable[..., models.QuerySet[M]], stand_ins: Sequence[Any]) -> None:
        self._build = build
        self._stand_ins = tuple(stand_ins)
        self._compiled: dict[tuple[str, str], tuple[str, Any]] = {}

    def _compile(self, alias: str) -> tuple[str, Any]:
        connection = connections[alias]
        key = (alias, connection.vendor)
        if key not in self._compiled:
            compiler = self._build(*self._stand_ins).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if tuple(params) != self._stand_ins:  # a lookup that rewrites its value: not cacheable
                raise ValueError(f"parameters {params!r} are not the stand-ins {self._stand_ins!r}")
            if compiler.annotation_col_map:  # annotations are not built here
                raise ValueError("a prepared query reads model columns only")
            self._compiled[key] = (sql, compiler)
        return self._compiled[key]

    def all(self, *values: Any, using: str = "default") -> list[M]:
        """Return the instances the queryset `build(*values)` would yield, in its order."""
        sql, compiler = self._compile(using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, list(values))
            rows = cursor.fetchall()
        if not rows:
            return []
        select, klass_info = compiler.select, compiler.klass_info
        model_cls = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [f[0].target.attname for f in select[start:end]]
        # Django 5.2's signature (the stubs describe a later one with fetch_mode)
        populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
        found = []
        for row in compiler.results_iter([rows]):
            obj = model_cls.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def first(self, *values: Any, using: str = "default") -> M | None:
        """Return the first instance (the queryset must be sliced to one row), or None."""
        found = self.all(*values, using=using)
        return found[0] if found else None


class PreparedInsertMixin(models.Model):
    """A model whose INSERT of one new row is compiled once per database and column list.

    `Model.save()` builds and compiles an InsertQuery for every new row (quoting each column,
    a placeholder per value, the RETURNING clause): about 0.3 ms of CPU on the reference
    machine, as much as the rest of the insert. Everything else of `save()` stays Django's
    (the model's own `save`, `pre_save` values such as `auto_now_add`, signals, the instance's
    state); only the step that turns the prepared values into SQL reuses the text. A value that
    is an expression, raw saves and backends that cannot return columns take Django's path.
    """

    class Meta:
        abstract = True

    def _do_insert(
        self,
        manager: Any,
        using: str,
        fields: Sequence[Any],
        returning_fields: Sequence[Any],
        raw: bool,
    ) -> Any:
        connection = connections[using]
        if raw or not fields or not connection.features.can_return_columns_from_insert:
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        values = [field.pre_save(self, True) for field in fields]
        if any(hasattr(value, "resolve_expression") for value in values):
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        compiled = _compiled_insert(type(self), connection, tuple(fields), tuple(returning_fields))
        if compiled is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        sql, returning_params = compiled
        params = [
            field.get_db_prep_save(value, connection=connection)
            for field, value in zip(fields, values, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if not returning_fields:
                return []
            ops: Any = connection.ops  # the stubs lack the backends' fetch_returned_insert_columns
            return [ops.fetch_returned_insert_columns(cursor, returning_params)]


_INSERTS: dict[tuple[Any, ...], Any] = {}


def _compiled_insert(
    model: type[models.Model],
    connection: Any,
    fields: tuple[Any, ...],
    returning_fields: tuple[Any, ...],
) -> tuple[str, Any] | None:
    """Return (sql, returning params) for one row, or None when it cannot be reused.

    Compiled by Django itself from a stand-in row; reused only when every column became one
    plain `%s` placeholder (no field with its own placeholder, nothing inlined) and the returned
    columns need no converter (the primary key).
    """
    key = (
        model,
        connection.alias,
        connection.vendor,
        tuple(f.attname for f in fields),
        tuple(f.attname for f in returning_fields),
    )
    if key in _INSERTS:
        return _INSERTS[key]
    compiled = None
    if not any(hasattr(f, "get_placeholder") for f in fields):
        query = InsertQuery(model)
        stand_in = model()
        query.insert_values(list(fields), [stand_in])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = list(returning_fields)
        statements = compiler.as_sql()
        if len(statements) == 1 and len(statements[0][1]) == len(fields):
            sql = statements[0][0]
            cols = [f.get_col(model._meta.db_table) for f in returning_fields]
            if not compiler.get_converters(cols):
                compiled = (sql, getattr(compiler, "returning_params", ()))
    _INSERTS[key] = compiled
    return compiled


def insert_rows(objs: Sequence[M], *, using: str = "default") -> None:
    """INSERT new rows of one model in one statement, its SQL compiled once per row count.

    `bulk_create` compiles an InsertQuery on every call (a placeholder and a prepared value per
    column and row, the RETURNING clause): as much CPU as the insert of a report's targets
    itself. Here the statement text is Django's own, compiled from stand-in rows the first time
    a model, database and row count meet; later calls only prepare the values. The ids are not
    read back (callers that need them use `bulk_create`); no signals are sent, as with
    `bulk_create`. Expressions, fields with their own placeholder, a primary key already set
    and, on PostgreSQL, more than one row (Django sends those as one array per column) take
    `bulk_create`'s path.
    """
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    rows = [[f.pre_save(obj, True) for f in fields] for obj in objs]
    compiled = None
    plain = all(obj.pk is None and type(obj) is model for obj in objs) and not any(
        hasattr(value, "resolve_expression") for row in rows for value in row
    )
    if plain:
        compiled = _compiled_rows(model, connection, tuple(fields), len(objs))
    if compiled is None:
        model._default_manager.using(using).bulk_create(objs)
        return
    params = [
        field.get_db_prep_save(value, connection=connection)
        for row in rows
        for field, value in zip(fields, row, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(compiled, params)
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


_ROWS: dict[tuple[Any, ...], str | None] = {}


def _compiled_rows(
    model: type[models.Model], connection: Any, fields: tuple[Any, ...], count: int
) -> str | None:
    """Return the INSERT of `count` rows (no RETURNING), or None when it cannot be reused."""
    key = (model, connection.alias, connection.vendor, tuple(f.attname for f in fields), count)
    if key in _ROWS:
        return _ROWS[key]
    compiled = None
    if not any(hasattr(f, "get_placeholder") for f in fields):
        query = InsertQuery(model)
        query.insert_values(list(fields), [model() for _ in range(count)])
        statements = query.get_compiler(connection=connection).as_sql()
        if len(statements) == 1 and len(statements[0][1]) == len(fields) * count:
            compiled = statements[0][0]
    _ROWS[key] = compiled
    return compiled
