"""The tamper-evident log in SQL: entries, subtree hashes, checkpoints, cosignatures, witness.

Layout (ADR 0030): one row per entry in `log_leaves`, holding the entry, its leaf hash and the
hashes of the perfect subtrees that entry completed (`Frontier.append_rows`: subtree
(level, index) lives in row ((index + 1) << level) - 1); `log_state` holds the size and the
right-edge frontier. An append reads one row and writes one row per event plus the state; a
proof reads its O(log n) hashes from O(log n) rows by primary key in one query.

`SqlLog` works inside the caller's transaction (a `Connection` with a transaction begun), so
an event is logged atomically with the change it records. It never commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from gsomia.errors import Conflict, InputError, NotFound, UsageError
from gsomia.ledger import merkle
from gsomia.ledger.audit import AuditReport, Row, audit_log
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import Checkpoint, SignedCheckpoint, parse_checkpoint, sign_checkpoint
from gsomia.ledger.events import LogEvent
from gsomia.ledger.frontier import Frontier, subtree_row
from gsomia.ledger.merkle import NodeId
from gsomia.ledger.note import Note, NoteSignature, NoteSigner, NoteVerifier, open_note
from gsomia.ledger.witness import Refused, WitnessState
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
log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", LargeBinary, nullable=False),
    Column("issued_at", BigInteger, nullable=False),  # Unix seconds
)
log_cosignatures = Table(
    "log_cosignatures",
    metadata,
    Column("size", BigInteger, ForeignKey("log_checkpoints.size"), primary_key=True),
    Column("witness", String(255), primary_key=True),
    Column("key_hash", LargeBinary(4), nullable=False),
    Column("signature", LargeBinary, nullable=False),  # timestamp || Ed25519 signature
)
witness_state = Table(
    "witness_state",
    metadata,
    Column("origin", String(255), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("checkpoint", LargeBinary, nullable=False),
    Column("cosigned_at", BigInteger, nullable=False),
)
witness_refusals = Table(
    "witness_refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(255)),
    Column("reason", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("refused_at", BigInteger, nullable=False),
    Column("cosigned", LargeBinary),
    Column("offered", LargeBinary),
    Column("old_size", BigInteger),
    Column("proof", LargeBinary),  # concatenated 32-byte hashes
)


@dataclass(frozen=True)
class LogStatus:
    size: int
    checkpoint_size: int | None
    cosigned_by: dict[str, int]  # witness name -> largest size it cosigned
    witnessing: dict[str, int]  # partner log origin -> size we last cosigned


@dataclass(frozen=True)
class StoredRefusal:
    origin: str | None
    reason: str
    message: str
    refused_at: int


_READ_ROWS = select(log_leaves.c.idx, log_leaves.c.leaf_hash, log_leaves.c.subtrees).where(
    log_leaves.c.idx.in_(bindparam("rows", expanding=True))
)


class SqlLog:
    """The node's log over one SQLAlchemy connection, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- appending -------------------------------------------------------------------------

    def frontier(self, *, for_update: bool = False) -> Frontier:
        query = select(log_state.c.size, log_state.c.frontier).where(log_state.c.id == 1)
        row = self.conn.execute(query.with_for_update() if for_update else query).first()
        return Frontier(0) if row is None else Frontier.from_bytes(row.size, row.frontier)

    def size(self) -> int:
        return self.frontier().size

    def append(self, events: Sequence[LogEvent]) -> list[int]:
        """Append events (one batch) and return their indices; locks the log row until commit."""
        if not events:
            return []
        entries = [event.encode() for event in events]
        hashes = [merkle.hash_leaf(entry) for entry in entries]
        self._ensure_state_row()
        old = self.frontier(for_update=True)
        new, subtrees = old.append_rows(hashes)
        self.conn.execute(
            insert(log_leaves),
            [
                {
                    "idx": old.size + i,
                    "kind": e.kind.value,
                    "leaf_hash": h,
                    "subtrees": s,
                    "entry": b,
                }
                for i, (e, h, s, b) in enumerate(
                    zip(events, hashes, subtrees, entries, strict=True)
                )
            ],
        )
        values = {"size": new.size, "frontier": new.to_bytes()}
        self.conn.execute(update(log_state).where(log_state.c.id == 1).values(**values))
        return list(range(old.size, new.size))

    def _ensure_state_row(self) -> None:
        """Create the empty state row if missing, so two first appends queue on its lock.

        Without it, two first appends on PostgreSQL both see no row and both write entry 0.
        """
        dialect = self.conn.dialect.name
        empty = {"id": 1, "size": 0, "frontier": Frontier(0).to_bytes()}
        statement: Executable
        if dialect == "postgresql":
            statement = pg_insert(log_state).values(**empty).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite_insert(log_state).values(**empty).on_conflict_do_nothing()
        else:  # pragma: no cover - gsomia runs on SQLite and PostgreSQL only
            raise UsageError(f"the log does not support {dialect}")
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

    def entry(self, index: int) -> LogEvent:
        row = self.conn.execute(select(log_leaves.c.entry).where(log_leaves.c.idx == index)).first()
        if row is None:
            raise NotFound(f"no log entry {index}")
        return LogEvent.decode(row.entry)

    def root(self, size: int | None = None) -> bytes:
        frontier = self.frontier()
        if size is None or size == frontier.size:
            return frontier.root()
        return merkle.root_at(self, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(self, index, size)  # NotFound beyond the stored size

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(self, old_size, new_size)

    # --- checkpoints and cosignatures ------------------------------------------------------

    def issue_checkpoint(self, signer: NoteSigner, *, origin: str, now: int) -> SignedCheckpoint:
        """Sign the current tree head and store it (once per size; the same note again after)."""
        frontier = self.frontier()
        existing = self.checkpoint_at(frontier.size)
        if existing is not None:
            return existing
        signed = sign_checkpoint(Checkpoint(origin, frontier.size, frontier.root()), signer)
        self.conn.execute(
            insert(log_checkpoints).values(
                size=frontier.size, root=frontier.root(), note=signed.to_bytes(), issued_at=now
            )
        )
        return signed

    def checkpoint_at(self, size: int) -> SignedCheckpoint | None:
        row = self.conn.execute(
            select(log_checkpoints.c.note).where(log_checkpoints.c.size == size)
        ).first()
        return None if row is None else parse_checkpoint(row.note)

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        row = self.conn.execute(
            select(log_checkpoints.c.note).order_by(log_checkpoints.c.size.desc()).limit(1)
        ).first()
        return None if row is None else parse_checkpoint(row.note)

    def add_cosignature(self, size: int, line: NoteSignature, witness: NoteVerifier) -> None:
        """Store a partner's cosignature of our checkpoint at `size`, after verifying it."""
        signed = self.checkpoint_at(size)
        if signed is None:
            raise NotFound(f"no checkpoint at size {size}")
        open_note(Note(signed.note.text, (line,)), [witness])
        self.conn.execute(
            insert(log_cosignatures).values(
                size=size, witness=line.name, key_hash=line.key_hash, signature=line.signature
            )
        )

    def cosigned_checkpoint(self, size: int) -> SignedCheckpoint:
        """Our checkpoint with every cosignature stored for it, as one note."""
        signed = self.checkpoint_at(size)
        if signed is None:
            raise NotFound(f"no checkpoint at size {size}")
        rows = self.conn.execute(
            select(log_cosignatures).where(log_cosignatures.c.size == size).order_by("witness")
        )
        lines = tuple(NoteSignature(r.witness, r.key_hash, r.signature) for r in rows)
        return SignedCheckpoint(
            signed.checkpoint, Note(signed.note.text, signed.note.signatures + lines)
        )

    def prove(self, index: int) -> ProofBundle:
        """Entry `index` with its inclusion proof under the latest checkpoint that covers it."""
        signed = self.latest_checkpoint()
        if signed is None or signed.checkpoint.size <= index:
            raise NotFound(
                f"no checkpoint covers log entry {index} yet",
                hint="issue a checkpoint, then prove again",
            )
        size = signed.checkpoint.size
        row = self.conn.execute(select(log_leaves.c.entry).where(log_leaves.c.idx == index)).first()
        if row is None:
            raise NotFound(f"no log entry {index}")
        proof = tuple(self.inclusion_proof(index, size))
        return ProofBundle(
            index, bytes(row.entry), proof, self.cosigned_checkpoint(size).to_bytes()
        )

    def status(self) -> LogStatus:
        """Size, latest checkpoint, who cosigned what, and what we witness: `audit status`."""
        latest = self.latest_checkpoint()
        cosigned = self.conn.execute(
            select(log_cosignatures.c.witness, func.max(log_cosignatures.c.size)).group_by(
                log_cosignatures.c.witness
            )
        ).all()
        witnessed = self.conn.execute(select(witness_state.c.origin, witness_state.c.size)).all()
        return LogStatus(
            size=self.size(),
            checkpoint_size=None if latest is None else latest.checkpoint.size,
            cosigned_by={r[0]: r[1] for r in cosigned},
            witnessing={r[0]: r[1] for r in witnessed},
        )

    # --- verification ----------------------------------------------------------------------

    def _leaves(self, batch: int = 4096) -> Iterator[Row]:
        after = -1
        columns = (log_leaves.c.idx, log_leaves.c.entry, log_leaves.c.leaf_hash)
        while True:
            rows = self.conn.execute(
                select(*columns, log_leaves.c.subtrees)
                .where(log_leaves.c.idx > after)
                .order_by(log_leaves.c.idx)
                .limit(batch)
            ).all()
            yield from ((r[0], bytes(r[1]), bytes(r[2]), bytes(r[3])) for r in rows)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def _checkpoints(self, batch: int = 256) -> Iterator[tuple[int, bytes]]:
        after = -1
        while True:
            rows = self.conn.execute(
                select(log_checkpoints.c.size, log_checkpoints.c.note)
                .where(log_checkpoints.c.size > after)
                .order_by(log_checkpoints.c.size)
                .limit(batch)
            ).all()
            yield from ((r[0], r[1]) for r in rows)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def verify_all(self, log_verifier: NoteVerifier, *, origin: str | None = None) -> AuditReport:
        """Recompute the tree from the stored entries; `TamperedLog` names the first bad index."""
        try:
            state: Frontier | None = self.frontier()
        except InputError:  # damaged state row: still audit the entries, then report it
            state = None
        return audit_log(self._leaves(), self._checkpoints(), state, log_verifier, origin=origin)

    # --- witnessing partners ---------------------------------------------------------------

    def witness_state(self, origin: str, *, for_update: bool = True) -> WitnessState | None:
        query = select(witness_state).where(witness_state.c.origin == origin)
        row = self.conn.execute(query.with_for_update() if for_update else query).first()
        if row is None:
            return None
        return WitnessState(row.origin, row.size, row.root, row.checkpoint, row.cosigned_at)

    def save_witness_state(self, state: WitnessState, *, previous: WitnessState | None) -> None:
        """Persist a new cosigned state; Conflict if another transaction moved it meanwhile."""
        values = {
            "size": state.size,
            "root": state.root,
            "checkpoint": state.checkpoint,
            "cosigned_at": state.cosigned_at,
        }
        if previous is None:
            self.conn.execute(insert(witness_state).values(origin=state.origin, **values))
            return
        done = self.conn.execute(
            update(witness_state)
            .where(witness_state.c.origin == state.origin, witness_state.c.size == previous.size)
            .values(**values)
        )
        if done.rowcount != 1:
            raise Conflict(f"witness state for {state.origin} changed meanwhile", hint="retry")

    def record_refusal(self, refused: Refused, *, now: int) -> None:
        evidence = refused.evidence
        self.conn.execute(
            insert(witness_refusals).values(
                origin=refused.origin,
                reason=str(refused.reason),
                message=refused.message,
                refused_at=now,
                cosigned=None if evidence is None else evidence.cosigned,
                offered=None if evidence is None else evidence.offered,
                old_size=None if evidence is None else evidence.old_size,
                proof=None if evidence is None else b"".join(evidence.proof),
            )
        )

    def refusals(self) -> list[StoredRefusal]:
        rows = self.conn.execute(select(witness_refusals).order_by(witness_refusals.c.id))
        return [StoredRefusal(r.origin, r.reason, r.message, r.refused_at) for r in rows]
