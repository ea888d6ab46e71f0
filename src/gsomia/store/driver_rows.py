"""Rows inserted straight through the database driver on SQLite, each value through its column
type's own bind processor (what SQLAlchemy itself would apply), on the hot paths a TAXII post
and a page take: SQLAlchemy's per-statement work (its compiled cache's key, the parameters'
construction, the execution context) was about a fifth of a single-object post's CPU (py-spy,
issue 17; ADR 0132 and issue 14 found the same on the log's appends). Elsewhere, and for a
table with a default SQLAlchemy applies in Python, the rows go through SQLAlchemy's insert."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table

from gsomia.errors import UsageError

Processor = Callable[[Any], Any] | None


def insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` into `table`: each row names the same columns."""
    if not rows:
        return
    columns = tuple(rows[0])
    key = (table.name, columns)
    if key not in _COMPILED and conn.dialect.name == "sqlite":
        _COMPILED[key] = (
            _compiled(table, columns, conn.dialect) if _straight(table, columns) else None
        )
    compiled = _COMPILED.get(key) if conn.dialect.name == "sqlite" else None
    if compiled is None:
        conn.execute(table.insert(), [dict(row) for row in rows])
        return
    statement, order, processors = compiled
    conn.exec_driver_sql(
        statement,
        [
            tuple(
                value if process is None else process(value)
                for process, value in zip(processors, (row[c] for c in order), strict=True)
            )
            for row in rows
        ],
    )


def _straight(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether the driver may take these columns as they are: every column with a default
    SQLAlchemy computes in Python is given (the database applies its own server defaults)."""
    given = set(columns)
    return all(
        column.name in given
        for column in table.columns
        if column.default is not None or column.onupdate is not None
    )


#: Per table and columns, on SQLite (the only dialect taken straight): built once.
#: None where the driver may not take them straight (`_straight`).
_COMPILED: dict[
    tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...], tuple[Processor, ...]] | None
] = {}


def _compiled(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Processor, ...]]:
    """SQLAlchemy's own compiled insert of `columns` (qmark, as sqlite3 takes it), and the
    columns' processors in the order its parameters stand."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    order = tuple(compiled.positiontup or ())
    if set(order) != set(columns):  # pragma: no cover - a column SQLAlchemy would fill itself
        raise UsageError(f"{table.name}: the insert's parameters are not the columns given")
    return str(compiled), order, tuple(_processor(table, c, dialect) for c in order)


def _processor(table: Table, name: str, dialect: Dialect) -> Processor:
    """What SQLAlchemy applies to a value of column `name` on `dialect` (the dialect's own type:
    SQLite's DATETIME writes its text form, not the driver's adapter)."""
    kind = table.c[name].type.dialect_impl(dialect)
    found: Processor = kind.bind_processor(dialect)
    return found
