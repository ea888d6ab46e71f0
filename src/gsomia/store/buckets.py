"""Token buckets the node's processes share (ADR 0127): one row per (kind, holder).

A bucket is replaced only as the turn its taker read: `replace` writes the next turn where
the row still holds the turn it was given (compare and set), so two processes taking from
the same bucket at once cannot both spend the same token; the one that lost reads the row
again and decides again. Each statement is its own short transaction (no row lock is held
across a round trip), and a process that remembers the bucket as it last wrote it needs one
statement, not a read and a write, while no other process took from it meanwhile.
The rules stay in the core (`gsomia.treaty.flash`); this module only keeps their state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gsomia.store.tables import shared_buckets as buckets

#: The kinds of bucket: a partner's FLASH budget (ADR 0092).
FLASH = "flash"


@dataclass(frozen=True)
class Bucket:
    """A holder's bucket: its tokens as of `at`, whether its last take found it empty
    (`over`), and the turn it was written at (0: never written, a full bucket)."""

    tokens: float | None
    at: datetime | None
    over: bool
    turn: int = 0


#: A holder not heard from yet.
FULL = Bucket(None, None, over=False)


def read(conn: Connection, kind: str, holder: str) -> Bucket:
    """`holder`'s bucket of `kind` as last written (`FULL` if it never was)."""
    row = conn.execute(
        select(buckets.c.tokens, buckets.c.at, buckets.c.over, buckets.c.turn).where(
            buckets.c.kind == kind, buckets.c.holder == holder
        )
    ).first()
    return FULL if row is None else Bucket(row.tokens, row.at, bool(row.over), int(row.turn))


def replace(conn: Connection, kind: str, holder: str, was: Bucket, new: Bucket) -> bool:
    """Write `new` as the turn after `was`, if the row is still at `was`'s turn; whether it was
    (False: another process took from the bucket meanwhile, read it again)."""
    assert new.turn == was.turn + 1
    values = {"tokens": new.tokens, "at": new.at, "over": new.over, "turn": new.turn}
    if was.turn == 0:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        fresh = dialect.insert(buckets).values(kind=kind, holder=holder, **values)
        made = fresh.on_conflict_do_nothing().returning(buckets.c.turn)
        return conn.execute(made).first() is not None  # (rowcount is not kept for an INSERT)
    if conn.dialect.name == "postgresql":
        # The statement as the driver takes it: SQLAlchemy's statement machinery cost 1.2 ms
        # a call here against 0.2 ms (load 9), on the FLASH request's path (ADR 0127).
        done = conn.exec_driver_sql(
            _REPLACE, {**values, "kind": kind, "holder": holder, "was": was.turn}
        )
    else:
        done = conn.execute(
            update(buckets)
            .where(buckets.c.kind == kind, buckets.c.holder == holder, buckets.c.turn == was.turn)
            .values(**values)
        )
    return done.rowcount == 1


_REPLACE = (
    "UPDATE shared_buckets SET tokens = %(tokens)s, at = %(at)s, over = %(over)s,"
    " turn = %(turn)s WHERE kind = %(kind)s AND holder = %(holder)s AND turn = %(was)s"
)
