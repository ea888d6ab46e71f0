"""One process among several: a PostgreSQL session advisory lock held on a connection of its
own, for work exactly one of the node's processes must do (the log keeper, ADR 0111).

A session lock, not a transaction's: it is held for as long as its holder lives, and the
server lets it go the moment that process's connection ends, so a killed holder is replaced
by the next process that asks, without a lease to wait out.
"""

from __future__ import annotations

import logging

import psycopg
from sqlalchemy import Engine

from gsomia.store.notify import conninfo

log = logging.getLogger("gsomia.node")

#: The lock's key: "gsomia log keeper", any fixed 64-bit number the node uses for nothing else.
KEEPER = 0x67736F6D69616B70


class SessionLock:
    """`take` the lock if free; `held` says whether it still is (its connection is alive)."""

    def __init__(self, engine: Engine, key: int = KEEPER) -> None:
        self._dsn = conninfo(engine)
        self._key = key
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        #: The connection that asks while another process holds the lock, kept between asks:
        #: a new one each time cost the server a backend started and ended every 2 s for each
        #: process not keeping the log (ADR 0142).
        self._asking: psycopg.Connection[tuple[object, ...]] | None = None

    def take(self) -> bool:
        """Whether this process holds the lock now (taken now, or before and still held)."""
        if self.held():
            return True
        try:
            if self._asking is None:
                self._asking = psycopg.connect(self._dsn, autocommit=True)
            row = self._asking.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        except psycopg.Error as error:
            log.warning("cannot ask for the log keeper's lock: %s", error)
            self._stop_asking()
            return False
        if row is None or not row[0]:
            return False
        self._conn, self._asking = self._asking, None
        return True

    def _stop_asking(self) -> None:
        conn, self._asking = self._asking, None
        if conn is not None:
            conn.close()

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self.release()
            return False
        return True

    def release(self) -> None:
        self._stop_asking()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()  # the server lets the lock go with the session
