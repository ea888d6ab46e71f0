"""Engines and migrations: SQLite (WAL) by default, PostgreSQL for production.

Schema changes only ever go through Alembic; `migrate` is called on every start, so a node
upgraded in place brings its database along before it serves anything.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Collection
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event, select, text
from sqlalchemy.engine import ExceptionContext, make_url

from gsomia.errors import StoreDamaged, Unavailable, UsageError

_MIGRATIONS = Path(__file__).with_name("migrations")

log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Accept the URLs operators write (`postgresql://…`) and pick the driver gsomia ships."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: JSON columns through orjson: several times the stdlib's speed on the answers and receipts
#: every exchanged item writes (issue 14); the same JSON text, read back by either.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`, with SQLite tuned for durability under concurrent readers."""
    try:
        parsed = make_url(normalise_url(url))
    except Exception as exc:  # sqlalchemy raises ArgumentError with no useful hierarchy
        raise UsageError(
            f"database URL {url!r} is not valid: {exc}",
            hint="use sqlite:///PATH or postgresql://USER@HOST:PORT/DB",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private(Path(parsed.database))
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
            **_JSON_CODEC,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _damaged)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=10, **_JSON_CODEC)
        event.listen(engine, "handle_error", _damaged)
        return engine
    raise UsageError(
        f"database backend {parsed.get_backend_name()!r} is not supported",
        hint="gsomia runs on SQLite or PostgreSQL",
    )


def _private(database: Path) -> None:
    """The database file and its WAL and shared-memory files readable by the node's user only
    (0600). SQLite creates the WAL and -shm with the database file's mode, so the file is made
    0600 before SQLite first opens it, and files from before are narrowed."""
    if not database.parent.is_dir():
        return  # SQLite will name the missing directory
    fd = os.open(database, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            os.chmod(path, 0o600)


def reader(engine: Engine) -> Engine:
    """The same database for read-only work: on SQLite it never takes the write lock."""
    return engine.execution_options(gsomia_read_only=True)


def unsynced(engine: Engine) -> Engine:
    """On PostgreSQL, a small engine beside `engine` whose statements each commit on their own
    without waiting for the WAL to reach the disk (`synchronous_commit = off`): for state
    whose last few milliseconds may be lost in a crash of the server, never made
    inconsistent, such as the processes' shared token buckets (`gsomia.store.buckets`). A
    FLASH request must not wait a disk flush (5-7 ms on a loaded machine) to know its budget."""
    if engine.dialect.name != "postgresql":  # one writer, one process: as it is
        return engine
    return create_engine(
        engine.url,
        pool_size=2,
        # No ping before each use: it doubled a take's cost (0.49 against 0.23 ms, load 9);
        # the caller tries once more on a connection the server dropped.
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c synchronous_commit=off"},
        **_JSON_CODEC,
    )


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over.
    # A writer takes the lock up front (IMMEDIATE): a deferred writer that read first could
    # find its snapshot stale at its first write. A reader never needs the lock (WAL).
    read_only = conn.get_execution_options().get("gsomia_read_only", False)
    statement = "BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE"
    # Straight to the driver: through SQLAlchemy's execute (events, context, result set-up)
    # the BEGIN cost ~30 µs more, on every connection and transaction (ADR 0145). An error
    # (busy past the timeout, a damaged file) is raised as SQLAlchemy raises it, through the
    # engine's handlers (`_damaged`): the same statement again, which a failed BEGIN allows
    # (a writer kept busy so waits its timeout twice before it is told).
    try:
        conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
    except sqlite3.Error:
        conn.exec_driver_sql(statement)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (API reads, the SSE stream) proceed while the delivery worker writes;
    # synchronous=FULL keeps a committed receipt on disk even if the machine loses power.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


#: SQLite's result codes for a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_SQLITE_DAMAGED = {11, 26}
#: PostgreSQL's SQLSTATEs for damaged data or index pages (class XX, internal error).
_POSTGRES_DAMAGED = {"XX001", "XX002"}
_RESTORE = "stop the node, keep the damaged file for investigation, and restore the last backup"


def _damaged(context: ExceptionContext) -> StoreDamaged | None:
    """A named `StoreDamaged` in place of the driver's raw error when the database is damaged;
    any other error goes on as it was."""
    return damage_named(context.original_exception)


def damage_named(original: BaseException) -> StoreDamaged | None:
    """`StoreDamaged` naming `original` if it is the driver saying the database is damaged."""
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _SQLITE_DAMAGED:
        return StoreDamaged(f"the node's database is damaged: {original}", hint=_RESTORE)
    if getattr(original, "sqlstate", None) in _POSTGRES_DAMAGED:
        return StoreDamaged(f"the node's database is damaged: {original}", hint=_RESTORE)
    return None


def reach(engine: Engine) -> None:
    """Return if the database answers; `Unavailable` in one line naming where it was sought
    (the password hidden) and the driver's first line, not a traceback (issue 16)."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except StoreDamaged:
        raise
    except Exception as exc:  # the drivers' errors share no base class worth naming
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        raise Unavailable(
            f"cannot reach the database {engine.url.render_as_string(hide_password=True)}: {first}",
            hint="is the database server running, and the URL in config.toml [database] right?",
        ) from None


def check_integrity(engine: Engine, *, limit: int = 5) -> None:
    """`StoreDamaged` naming up to `limit` problems if SQLite's `quick_check` finds any (every
    page and record read and checked, in one pass). PostgreSQL checks each page's checksum as
    it reads it, and reports damage as it is met (`_damaged`)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        found = [row[0] for row in conn.exec_driver_sql(f"PRAGMA quick_check({limit})")]
    if found != ["ok"]:
        raise StoreDamaged(f"the node's database is damaged: {'; '.join(found)}", hint=_RESTORE)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def behind(engine: Engine) -> tuple[str, str] | None:
    """(the database's schema revision, the newest) if migrations are pending on a database
    that has a schema; None for one up to date or still empty (nothing to lose)."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is None or head is None or current == head:
        return None
    return current, head


# What the node asks of the database beyond its tables ----------------------------------------


def ping(engine: Engine) -> None:
    """Return if the database answers a trivial query; whatever the driver raises otherwise."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def secure_delete(conn: Connection) -> None:
    """Zero freed pages on SQLite for this connection, so emptied content is overwritten."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")


def checkpoint(engine: Engine) -> None:
    """Fold SQLite's write-ahead log into the database and truncate it (best effort: a
    concurrent reader may delay it; the next checkpoint completes it), so content emptied
    by a destruction leaves no copy in the log file either."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run in one
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = cursor.fetchone()
        cursor.close()
        if busy and busy[0]:  # pragma: no cover - depends on concurrent readers
            log.warning("WAL checkpoint after destruction deferred by a reader")
    except Exception as error:  # pragma: no cover - best effort
        log.warning("WAL checkpoint after destruction deferred: %s", error)
    finally:
        raw.close()


def vacuum(engine: Engine, tables: tuple[str, ...] = ("holdings", "copies")) -> None:
    """On PostgreSQL, VACUUM the tables a destruction wrote, so the dead row versions that
    still held the envelope and its wrapped data key are reclaimed now, not at the next
    autovacuum (ADR 0075). SQLite needs none: `secure_delete` and `checkpoint` did it."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f'VACUUM "{table}"')


#: How many ids a query names at most (SQLite's limit on parameters is 32,766).
CHUNK = 1000


def states_of(conn: Connection, table: Table, ids: Collection[str]) -> dict[str, str]:
    """The `state` of each of `ids` stored in `table`, by id (read in chunks of `CHUNK` ids)."""
    ordered, found = sorted(ids), {}
    for start in range(0, len(ordered), CHUNK):
        query = select(table.c.id, table.c.state)
        rows = conn.execute(query.where(table.c.id.in_(ordered[start : start + CHUNK])))
        found.update({str(i): str(state) for i, state in rows})
    return found
