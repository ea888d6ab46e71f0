"""Whether anything was written to the node's database since the last look (ADR 0142).

The serving node must notice what another process commits (`gsomia peer add`, an officer's
release from the CLI, a delivery process's retry) without reading every table once a second:
an idle node that polled its outbox, its partners and its log every second spent about 1 % of
a core on SQLite and 3 % on PostgreSQL doing it. One look here costs a few microseconds and
reads no table; only when it says "changed" does the node read what changed.

- SQLite: `PRAGMA data_version` on a connection of the look's own, which the library changes
  whenever another connection (of this process or any other) commits.
- PostgreSQL: the server's current snapshot (`pg_current_snapshot()`): its xmax moves when any
  transaction starts writing, and its list of transactions in progress shrinks when one ends,
  so a commit after the last look always changes it; transactions that only read do neither.
  It covers the whole server, so another database's writes say "changed" too: a look at the
  tables for nothing, never a change missed.

A look that fails (the database restarted, the file went away) says "changed", and the next
one connects again: the node then reads the tables, as it would have without this.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger("gsomia.node")

_QUERIES = {
    "sqlite": "PRAGMA data_version",
    "postgresql": "SELECT pg_current_snapshot()::text",
}


class Changes:
    """`seen()`: whether the database may have changed since the previous call (True at the
    first call, on an engine this does not know how to watch, and when the look fails)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._query = _QUERIES.get(engine.dialect.name)
        if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
            # One connection, shared: its own commits do not move its data_version.
            self._query = None
        self._conn: Any = None  # the look's own DBAPI connection, outside the pool
        self._last: object = None

    def seen(self) -> bool:
        if self._query is None:
            return True
        try:
            if self._conn is None:
                pooled = self._engine.raw_connection()
                pooled.detach()  # kept by the look, never handed to anyone else
                self._conn = pooled
            cursor = self._conn.cursor()
            try:
                cursor.execute(self._query)
                now = cursor.fetchone()[0]
            finally:
                cursor.close()
            if self._engine.dialect.name == "postgresql":
                self._conn.rollback()  # end the look's read: its snapshot must not be held
        except Exception as error:  # any driver's error: look again with a new connection
            log.warning("could not look for changes to the database: %s", error)
            self.close()
            return True
        changed = bool(now != self._last)
        self._last = now
        return changed

    def close(self) -> None:
        conn, self._conn, self._last = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception as error:  # already gone with its server
                log.debug("closing the look's connection: %s", error)
