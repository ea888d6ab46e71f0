"""This node as a witness of its partners' logs, in SQL: what it cosigned, what it refused.

Per partner log origin, the last checkpoint this node cosigned (`WitnessState`, decided by
`gsomia.ledger.witness.add_checkpoint`), moved only from the state it was read at, so two
concurrent requests cannot both cosign; and the refusals kept as evidence (a rollback, a fork,
a bad signature), with both signed checkpoints and the proof. In the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from gsomia.errors import Conflict
from gsomia.ledger.witness import Refused, WitnessState
from gsomia.store.schema import metadata

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
class StoredRefusal:
    origin: str | None
    reason: str
    message: str
    refused_at: int


def state(conn: Connection, origin: str, *, for_update: bool = True) -> WitnessState | None:
    """The last checkpoint cosigned for `origin` (locked until commit unless `for_update`)."""
    query = select(witness_state).where(witness_state.c.origin == origin)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return None
    return WitnessState(row.origin, row.size, row.root, row.checkpoint, row.cosigned_at)


def save_state(conn: Connection, new: WitnessState, *, previous: WitnessState | None) -> None:
    """Persist a new cosigned state; Conflict if another transaction moved it meanwhile."""
    values = {
        "size": new.size,
        "root": new.root,
        "checkpoint": new.checkpoint,
        "cosigned_at": new.cosigned_at,
    }
    if previous is None:
        conn.execute(insert(witness_state).values(origin=new.origin, **values))
        return
    done = conn.execute(
        update(witness_state)
        .where(witness_state.c.origin == new.origin, witness_state.c.size == previous.size)
        .values(**values)
    )
    if done.rowcount != 1:
        raise Conflict(f"witness state for {new.origin} changed meanwhile", hint="retry")


def witnessed(conn: Connection) -> dict[str, int]:
    """Partner log origin -> the size this node last cosigned."""
    rows = conn.execute(select(witness_state.c.origin, witness_state.c.size)).all()
    return {r[0]: r[1] for r in rows}


def record_refusal(conn: Connection, refused: Refused, *, now: int) -> None:
    """Keep a refusal with its evidence, if it has any."""
    evidence = refused.evidence
    conn.execute(
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


def refusals(conn: Connection) -> list[StoredRefusal]:
    """Every refusal kept, oldest first."""
    rows = conn.execute(select(witness_refusals).order_by(witness_refusals.c.id))
    return [StoredRefusal(r.origin, r.reason, r.message, r.refused_at) for r in rows]
