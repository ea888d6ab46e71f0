"""Statements run straight through the database driver on SQLite, on the hot paths a TAXII post
and a page take: SQLAlchemy's per-statement work (its compiled cache's key, the parameters'
construction, the execution context, the result's set-up) was 30-60 µs a statement, where
sqlite3's own is 1-2 µs, and a single-object post runs 13 (py-spy and in-process timing,
issue 17; ADR 0132 and issue 14 found the same on the log's appends).

Each value goes through its column type's own bind processor, what SQLAlchemy itself would
apply, so the rows stored are byte for byte SQLAlchemy's (tested). A statement runs on the
driver inside the connection's transaction, begun as SQLAlchemy's autobegin begins one (the
engine's `begin` handler issues the `BEGIN`). A statement the driver refuses is run again
through SQLAlchemy, which raises as it always raises, through the engine's error handlers (a
damaged file is `StoreDamaged`): the failed one changed nothing, as SQLite undoes a failed
statement. A batch of more than one row goes through SQLAlchemy's driver-level `executemany`
(a failed row there may follow rows already written, which the driver alone cannot undo).
PostgreSQL, and a table with a default SQLAlchemy computes in Python, go through SQLAlchemy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement, Executable

from gsomia.errors import UsageError
from gsomia.store.db import damage_named

Processor = Callable[[Any], Any] | None


def insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` into `table`: each row names the same columns."""
    if not rows:
        return
    columns = tuple(rows[0])
    key = (table.name, columns)
    if key not in _INSERTS and conn.dialect.name == "sqlite":
        straight = _straight(table, columns)
        _INSERTS[key] = _insert_of(table, columns, conn.dialect) if straight else None
    compiled = _INSERTS.get(key) if conn.dialect.name == "sqlite" else None
    if compiled is None:
        conn.execute(table.insert(), [dict(row) for row in rows])
        return
    statement, order, processors = compiled
    values = [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, (row[c] for c in order), strict=True)
        )
        for row in rows
    ]
    if len(values) == 1:
        run(conn, statement, values[0])
    else:
        conn.exec_driver_sql(statement, values)


def run(conn: Connection, statement: str, values: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The rows SQLite's `statement` (qmark) gives with `values`, run on the driver inside
    `conn`'s transaction (begun here if it was not); through SQLAlchemy if the driver refuses
    it."""
    if not conn.in_transaction():
        conn.begin()  # as SQLAlchemy's autobegin would: the engine's `begin` handler's BEGIN
    driver = conn.connection.driver_connection
    if isinstance(driver, sqlite3.Connection):
        try:
            return driver.execute(statement, values).fetchall()
        except sqlite3.Error as error:
            if not driver.in_transaction:
                # SQLite ended the whole transaction (an I/O error, a full disk, an interrupt):
                # run again, the statement would commit on its own, and every one after it,
                # without the transaction's writes or its lock (found by the attack, ADR 0155).
                raise damage_named(error) or DBAPIError.instance(
                    statement, values, error, sqlite3.Error
                ) from error
            # Else only the statement was undone: raised again below as SQLAlchemy raises it.
    return _rows_of(conn.exec_driver_sql(statement, values))


class Straight:
    """A Core statement run on SQLite's driver (`run`), compiled for it once: its named
    parameters are given as SQLAlchemy takes them, and what it reads comes back through its
    columns' result processors (a date, JSON, a boolean), as SQLAlchemy gives them. Elsewhere
    it runs through SQLAlchemy."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: _Compiled | None = None

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if conn.dialect.name != "sqlite":
            return _rows_of(conn.execute(self.statement, params))
        compiled = self._compiled or self._compile(conn.dialect)
        try:
            given = [
                params[name] if needed else params.get(name, value)
                for name, value, needed, _ in compiled.binds
            ]
        except KeyError as missing:
            # As SQLAlchemy refuses it: a missing parameter is not NULL (a token read with a
            # misspelt key would find no token, not fail: found by the attack, ADR 0155).
            raise UsageError(
                f"{missing.args[0]}: a parameter the statement needs was not given"
            ) from None
        values = tuple(
            value if process is None else process(value)
            for value, (_, _, _, process) in zip(given, compiled.binds, strict=True)
        )
        found = run(conn, compiled.sql, values)
        if not compiled.converts:
            return found
        pairs = [(process, i) for i, process in enumerate(compiled.results)]
        return [
            tuple(row[i] if process is None else process(row[i]) for process, i in pairs)
            for row in found
        ]

    def mappings(self, conn: Connection, params: Mapping[str, Any]) -> list[Mapping[Any, Any]]:
        """The rows as mappings, each value under its column and under its label (its name,
        or for a second column of a name, the name SQLAlchemy's own mapping gives it)."""
        if conn.dialect.name != "sqlite":
            return [row._mapping for row in conn.execute(self.statement, params)]
        compiled = self._compiled or self._compile(conn.dialect)
        return [{key: row[i] for key, i in compiled.keys} for row in self.rows(conn, params)]

    def _compile(self, dialect: Dialect) -> _Compiled:
        self._compiled = _compile(self.statement, dialect)
        return self._compiled


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: Each parameter in order: its name, the value it was built with (a literal), whether
    #: the caller must give it, and its type's bind processor.
    binds: tuple[tuple[str, Any, bool, Processor], ...]
    results: tuple[Processor, ...]
    #: Each result's place under its column object and under its label.
    keys: tuple[tuple[Any, int], ...]

    @property
    def converts(self) -> bool:
        return any(process is not None for process in self.results)


def _rows_of(result: CursorResult[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result] if result.returns_rows else []


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    """`statement` as SQLite's driver takes it, with what converts its values each way."""
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    columns = getattr(compiled, "_result_columns", ())
    keys: list[tuple[Any, int]] = []
    for i, (label, _, objects, _kind) in enumerate(columns):
        keys.extend((found, i) for found in objects if isinstance(found, ColumnElement))
        keys.append((label, i))  # a name two columns share is labelled apart, as SQLAlchemy's
    binds = compiled.binds  # by the name each parameter has in the compiled statement
    return _Compiled(
        str(compiled),
        tuple(
            (
                n,
                binds[n].value,
                binds[n].required,
                binds[n].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for n in compiled.positiontup or ()
        ),
        tuple(c[3].dialect_impl(dialect).result_processor(dialect, None) for c in columns),
        tuple(keys),
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


#: Per table and columns, on SQLite (the only dialect taken straight), built once; None where
#: the driver may not take them straight (`_straight`).
_INSERTS: dict[
    tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...], tuple[Processor, ...]] | None
] = {}


def _insert_of(
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
