"""The log's Merkle tree in SQL: its entries, their subtree hashes, and proofs read from them.

Layout (ADR 0030): one row per entry in `log_leaves`, holding the entry, its leaf hash and the
hashes of the perfect subtrees that entry completed (`Frontier.append_rows`: subtree
(level, index) lives in row ((index + 1) << level) - 1); `log_state` holds the size and the
right-edge frontier. An append reads one row and writes one row per event plus the state; a
proof reads its O(log n) hashes from O(log n) rows by primary key in one query.

`MerkleLog` works inside the caller's transaction (a `Connection` with a transaction begun),
so an event is logged atomically with the change it records. It never commits.

The log is one order across the node's processes: an append locks the state row until its
transaction commits, and on PostgreSQL every writer queues on that row lock, first come first
served. With 24 partners' bulk settles and publishes queued there (fifteen at once in the
24-partner load test, waits of up to 5 s), a FLASH item's publish waited behind all of them.
So other work first takes its turn among its own kind (`BULK_TURN`, `FLASH_ANSWERS_TURN`: a
transaction-scoped advisory lock each): at most one of each kind waits for, or holds, the
state row at a time, and FLASH work on its way to a screen (a thread marked by `flash_work`:
publishing it, receiving it) goes straight to the row, waiting at most for one holder of each
kind ahead of it (ADR 0130).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    LargeBinary,
    String,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from gsomia.errors import InputError, NotFound, UsageError
from gsomia.ledger import merkle
from gsomia.ledger.audit import Row
from gsomia.ledger.events import LogEvent
from gsomia.ledger.frontier import Frontier, frontier_nodes, subtree_row
from gsomia.ledger.merkle import NodeId
from gsomia.ledger.tail import TailTree
from gsomia.store import driver_rows
from gsomia.store.schema import metadata


class Bytes(LargeBinary):
    """Binary passed to the driver as is: sqlite3 and psycopg take `bytes` natively, and
    skipping the per-value conversion matters at tens of thousands of rows per second."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


log_leaves = Table(
    "log_leaves",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("leaf_hash", Bytes(32), nullable=False),
    Column("subtrees", Bytes, nullable=False),  # hashes of the subtrees this leaf completed
    Column("entry", Bytes, nullable=False),
)
log_state = Table(
    "log_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: one log per node
    Column("size", BigInteger, nullable=False),
    Column("frontier", Bytes, nullable=False),
)

#: The advisory locks that appends take, by kind of work, before the state row, so that at
#: most one of each kind queues for it (ADR 0130); keys no other lock of the node's uses
#: (theirs: `hashtextextended` of other names, the keeper's constant). Lower precedence:
BULK_TURN = "gsomia.log:bulk-turn"
#: The answers to FLASH messages being settled: 24 of them for a FLASH item to 24 partners,
#: bookkeeping after the item reached each partner, queued among themselves so that a FLASH
#: item being published or received goes ahead of them all.
FLASH_ANSWERS_TURN = "gsomia.log:flash-answers-turn"
_TAKE_TURN = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")

_here = threading.local()
#: The transaction of a connection that holds the state row (`Connection.info`).
_HOLDS_ROW = "gsomia.log.holds_row"


def _turn() -> str | None:
    """The turn this thread's appends take (None: none, FLASH on its way to a screen)."""
    turn: str | None = getattr(_here, "turn", BULK_TURN)
    return turn


def in_flash_work() -> bool:
    """Whether this thread handles FLASH work now (`flash_work`)."""
    return _turn() is None


@contextmanager
def log_turn(turn: str | None) -> Iterator[None]:
    """This thread's appends take `turn` meanwhile (None: none)."""
    before = _turn()
    _here.turn = turn
    try:
        yield
    finally:
        _here.turn = before


def flash_work() -> contextlib.AbstractContextManager[None]:
    """This thread handles FLASH work meanwhile: its appends take no turn, and wait for the
    row only (`gsomia.exchange.precedence` marks its FLASH threads and FLASH handling)."""
    return log_turn(None)


def mark_flash_thread() -> None:
    """Mark this thread as one that handles FLASH work only, for its whole life (a thread
    pool's initializer)."""
    _here.turn = None


_LEAF_COLUMNS = ("idx", "kind", "leaf_hash", "subtrees", "entry")
_INSERT_LEAVES = (
    "INSERT INTO log_leaves (idx, kind, leaf_hash, subtrees, entry) VALUES (?, ?, ?, ?, ?)"
)

#: An append's statements, built once: built on each append (`select`, `update`, the dialect's
#: `insert`), their construction and cache keys were most of an append's own time, a sixth
#: of one TAXII object's GET (py-spy, ADR 0137). A statement built once keeps its cache key.
_FRONTIER = select(log_state.c.size, log_state.c.frontier).where(log_state.c.id == 1)
_FRONTIER_LOCKED = _FRONTIER.with_for_update()
_SET_STATE = (
    update(log_state)
    .where(log_state.c.id == 1)
    .values(size=bindparam("new_size"), frontier=bindparam("new_frontier"))
)
#: On SQLite, straight to the driver (`driver_rows`): SQLAlchemy's per-statement work was
#: most of these two statements' time (issue 17).
_FRONTIER_STRAIGHT = driver_rows.Straight(_FRONTIER_LOCKED)
_SET_STATE_STRAIGHT = driver_rows.Straight(_SET_STATE)
_EMPTY = {"id": 1, "size": 0, "frontier": Frontier(0).to_bytes()}
_ENSURE_STATE: dict[str, Executable] = {
    "postgresql": pg_insert(log_state).values(**_EMPTY).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(log_state).values(**_EMPTY).on_conflict_do_nothing(),
}

_READ_ROWS = select(log_leaves.c.idx, log_leaves.c.leaf_hash, log_leaves.c.subtrees).where(
    log_leaves.c.idx.in_(bindparam("rows", expanding=True))
)


class MerkleLog:
    """The node's log over one SQLAlchemy connection, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- appending -------------------------------------------------------------------------

    def frontier(self, *, for_update: bool = False) -> Frontier:
        row = self.conn.execute(_FRONTIER_LOCKED if for_update else _FRONTIER).first()
        return Frontier(0) if row is None else Frontier.from_bytes(row.size, row.frontier)

    def size(self) -> int:
        return self.frontier().size

    def audited_frontier(self) -> Frontier | None:
        """The stored frontier, or None if its row is damaged: an audit still checks entries."""
        try:
            return self.frontier()
        except InputError:
            return None

    def append(self, events: Sequence[LogEvent]) -> list[int]:
        """Append events (one batch) and return their indices; locks the log row until commit."""
        if not events:
            return []
        entries = [event.encode() for event in events]
        hashes = [merkle.hash_leaf(entry) for entry in entries]
        turn = _turn()
        if self.conn.dialect.name == "postgresql" and turn is not None:
            # Work other than FLASH on its way takes its turn among its kind first (held to
            # commit, as the row is): module docstring, ADR 0130. Not where this transaction
            # holds the row already: waiting for a turn while holding the row would deadlock
            # with the turn's holder waiting for the row.
            transaction = self.conn.get_transaction()
            if self.conn.info.get(_HOLDS_ROW) is not transaction:
                self.conn.execute(_TAKE_TURN, {"key": turn})
        found = _FRONTIER_STRAIGHT.rows(self.conn, {})
        if not found:  # the log's first append: make the row, then queue on its lock
            self._ensure_state_row()
            found = _FRONTIER_STRAIGHT.rows(self.conn, {})
        [(size, frontier)] = found
        old = Frontier.from_bytes(size, frontier)
        self.conn.info[_HOLDS_ROW] = self.conn.get_transaction()
        new, subtrees = old.append_rows(hashes)
        rows = [
            (old.size + i, e.kind.value, h, s, b)
            for i, (e, h, s, b) in enumerate(zip(events, hashes, subtrees, entries, strict=True))
        ]
        if self.conn.dialect.name == "sqlite":
            # Straight to the driver: SQLAlchemy's per-row parameter handling was a sixth of
            # an append (issue 14); the values are already what sqlite3 takes.
            if len(rows) == 1:
                driver_rows.run(self.conn, _INSERT_LEAVES, rows[0])
            else:
                self.conn.exec_driver_sql(_INSERT_LEAVES, rows)
        else:
            self.conn.execute(
                insert(log_leaves), [dict(zip(_LEAF_COLUMNS, r, strict=True)) for r in rows]
            )
        _SET_STATE_STRAIGHT.rows(self.conn, {"new_size": new.size, "new_frontier": new.to_bytes()})
        return list(range(old.size, new.size))

    def hold(self) -> None:
        """Lock the log's row until commit, appending nothing: a write that logs nothing (a
        TAXII post of objects all taken in already writes only its status) is then ordered
        against one that logs (a revocation) as an append is (ADR 0154). Marked as held, so
        an append later in the same transaction does not wait for a turn while holding it."""
        if self.conn.execute(_FRONTIER_LOCKED).first() is None:
            self._ensure_state_row()
            self.conn.execute(_FRONTIER_LOCKED).one()
        self.conn.info[_HOLDS_ROW] = self.conn.get_transaction()

    def _ensure_state_row(self) -> None:
        """Create the empty state row if missing, so two first appends queue on its lock.

        Without it, two first appends on PostgreSQL both see no row and both write entry 0.
        Asked only when the locked read found no row: asked on every append, it was a third
        of an append's own time (py-spy, ADR 0137); once the row exists it always does (the
        log is never emptied).
        """
        statement = _ENSURE_STATE.get(self.conn.dialect.name)
        if statement is None:  # pragma: no cover - gsomia runs on SQLite and PostgreSQL only
            raise UsageError(f"the log does not support {self.conn.dialect.name}")
        self.conn.execute(statement)

    # --- reading and proving ---------------------------------------------------------------

    def read_hashes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """`HashReader`: stored perfect-subtree hashes, from their leaf rows in one query."""
        rows = sorted({subtree_row(level, index)[0] for level, index in ids})
        result = self.conn.execute(_READ_ROWS, {"rows": rows}).all()
        stored = {r[0]: (r[1], r[2]) for r in result}
        hashes = []
        for level, index in ids:
            row, offset = subtree_row(level, index)
            leaf_hash, blob = stored.get(row, (b"", b""))
            h = leaf_hash if level == 0 else blob[offset : offset + merkle.HASH_SIZE]
            if len(h) != merkle.HASH_SIZE:
                raise NotFound(
                    f"log subtree ({level}, {index}) is not stored",
                    hint="run `gsomia audit verify`",
                )
            hashes.append(bytes(h))
        return hashes

    def entry_bytes(self, index: int) -> bytes:
        """The stored bytes of entry `index` (NotFound beyond the log)."""
        row = self.conn.execute(select(log_leaves.c.entry).where(log_leaves.c.idx == index)).first()
        if row is None:
            raise NotFound(f"no log entry {index}")
        return bytes(row.entry)

    def entry(self, index: int) -> LogEvent:
        return LogEvent.decode(self.entry_bytes(index))

    def root(self, size: int | None = None) -> bytes:
        frontier = self.frontier()
        if size is None or size == frontier.size:
            return frontier.root()
        return merkle.root_at(self, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(self, index, size)  # NotFound beyond the stored size

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(self, old_size, new_size)

    def tail_proofs(
        self, indices: Sequence[int], size: int
    ) -> list[tuple[int, bytes, list[bytes]]]:
        """(index, entry, inclusion proof under `size`) of each of `indices`, in two queries.

        For the newest entries (a received batch's): the frontier below the first of them and
        every leaf from there to `size` are all the proofs need (`gsomia.ledger.tail`).
        """
        start = min(indices)
        ids = frontier_nodes(start)
        frontier = dict(zip(ids, self.read_hashes(ids), strict=True)) if ids else {}
        rows = self.conn.execute(
            select(log_leaves.c.idx, log_leaves.c.leaf_hash, log_leaves.c.entry)
            .where(log_leaves.c.idx >= start, log_leaves.c.idx < size)
            .order_by(log_leaves.c.idx)
        ).all()
        if [r[0] for r in rows] != list(range(start, size)):
            raise InputError(f"log entries {start}..{size - 1} are not all stored")
        tree = TailTree(start, frontier, [bytes(r[1]) for r in rows])
        entries = {r[0]: bytes(r[2]) for r in rows}
        return [(i, entries[i], tree.inclusion_proof(i)) for i in indices]


def leaf_rows(conn: Connection, batch: int = 4096) -> Iterator[Row]:
    """Every stored entry as an audit `Row`, by ascending index, `batch` rows a query."""
    after = -1
    columns = (log_leaves.c.idx, log_leaves.c.entry, log_leaves.c.leaf_hash, log_leaves.c.subtrees)
    while True:
        rows = conn.execute(
            select(*columns).where(log_leaves.c.idx > after).order_by(log_leaves.c.idx).limit(batch)
        ).all()
        yield from ((r[0], bytes(r[1]), bytes(r[2]), bytes(r[3])) for r in rows)
        if len(rows) < batch:
            return
        after = rows[-1][0]
