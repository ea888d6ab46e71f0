"""The log's signed checkpoints and the partners' cosignatures of them, in SQL.

One checkpoint per tree size, signed once (`issue` hands the stored note back for a size
already signed); a partner's cosignature is stored beside the checkpoint it cosigned, and
`cosigned` joins them into one note, which is what a proof bundle carries. The caller
verifies a cosignature before `add_cosignature` keeps it (`gsomia.ledger.cosignature`).
Everything runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    func,
    insert,
    select,
)

from gsomia.errors import NotFound
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import Checkpoint, SignedCheckpoint, parse_checkpoint, sign_checkpoint
from gsomia.ledger.note import Note, NoteSignature, NoteSigner
from gsomia.store.merkle_log import MerkleLog
from gsomia.store.schema import metadata

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


def issue(conn: Connection, signer: NoteSigner, *, origin: str, now: int) -> SignedCheckpoint:
    """Sign the current tree head and store it (once per size; the same note again after)."""
    frontier = MerkleLog(conn).frontier()
    existing = at(conn, frontier.size)
    if existing is not None:
        return existing
    signed = sign_checkpoint(Checkpoint(origin, frontier.size, frontier.root()), signer)
    conn.execute(
        insert(log_checkpoints).values(
            size=frontier.size, root=frontier.root(), note=signed.to_bytes(), issued_at=now
        )
    )
    return signed


def at(conn: Connection, size: int) -> SignedCheckpoint | None:
    """Our checkpoint at `size`, if one was signed."""
    row = conn.execute(select(log_checkpoints.c.note).where(log_checkpoints.c.size == size)).first()
    return None if row is None else parse_checkpoint(row.note)


def latest(conn: Connection) -> SignedCheckpoint | None:
    """Our checkpoint of the largest size, if any."""
    row = conn.execute(
        select(log_checkpoints.c.note).order_by(log_checkpoints.c.size.desc()).limit(1)
    ).first()
    return None if row is None else parse_checkpoint(row.note)


def last_issued(conn: Connection) -> tuple[int, float] | None:
    """(size, Unix time issued) of the latest checkpoint, for the signing policy."""
    row = conn.execute(
        select(log_checkpoints.c.size, log_checkpoints.c.issued_at)
        .order_by(log_checkpoints.c.size.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.size, float(row.issued_at))


def notes(conn: Connection, batch: int = 256) -> Iterator[tuple[int, bytes]]:
    """(size, signed note) of every checkpoint by ascending size, for the audit."""
    after = -1
    while True:
        rows = conn.execute(
            select(log_checkpoints.c.size, log_checkpoints.c.note)
            .where(log_checkpoints.c.size > after)
            .order_by(log_checkpoints.c.size)
            .limit(batch)
        ).all()
        yield from ((r[0], r[1]) for r in rows)
        if len(rows) < batch:
            return
        after = rows[-1][0]


def add_cosignature(conn: Connection, size: int, line: NoteSignature) -> None:
    """Keep a partner's cosignature, already verified, of our checkpoint at `size`."""
    if at(conn, size) is None:
        raise NotFound(f"no checkpoint at size {size}")
    conn.execute(
        insert(log_cosignatures).values(
            size=size, witness=line.name, key_hash=line.key_hash, signature=line.signature
        )
    )


def cosigners(conn: Connection, size: int) -> set[str]:
    """The witnesses whose cosignature of our checkpoint at `size` is stored."""
    query = select(log_cosignatures.c.witness).where(log_cosignatures.c.size == size)
    return set(conn.execute(query).scalars())


def largest_cosigned(conn: Connection, witness: str) -> int:
    """The largest size `witness` cosigned (0 if none): where its next proof starts."""
    query = select(func.coalesce(func.max(log_cosignatures.c.size), 0)).where(
        log_cosignatures.c.witness == witness
    )
    return int(conn.execute(query).scalar_one())


def cosigned_by(conn: Connection) -> dict[str, int]:
    """Witness name -> the largest size it cosigned."""
    rows = conn.execute(
        select(log_cosignatures.c.witness, func.max(log_cosignatures.c.size)).group_by(
            log_cosignatures.c.witness
        )
    ).all()
    return {r[0]: r[1] for r in rows}


def cosigned(conn: Connection, size: int) -> SignedCheckpoint:
    """Our checkpoint with every cosignature stored for it, as one note."""
    signed = at(conn, size)
    if signed is None:
        raise NotFound(f"no checkpoint at size {size}")
    rows = conn.execute(
        select(log_cosignatures).where(log_cosignatures.c.size == size).order_by("witness")
    )
    lines = tuple(NoteSignature(r.witness, r.key_hash, r.signature) for r in rows)
    return SignedCheckpoint(
        signed.checkpoint, Note(signed.note.text, signed.note.signatures + lines)
    )


def prove(conn: Connection, index: int) -> ProofBundle:
    """Entry `index` with its inclusion proof under the latest checkpoint that covers it."""
    signed = latest(conn)
    if signed is None or signed.checkpoint.size <= index:
        raise NotFound(
            f"no checkpoint covers log entry {index} yet",
            hint="issue a checkpoint, then prove again",
        )
    size = signed.checkpoint.size
    log = MerkleLog(conn)
    entry = log.entry_bytes(index)
    proof = tuple(log.inclusion_proof(index, size))
    return ProofBundle(index, entry, proof, cosigned(conn, size).to_bytes())


def proofs_under(
    conn: Connection, signed: SignedCheckpoint, indices: Sequence[int]
) -> list[ProofBundle]:
    """The newest entries `indices`, each with its inclusion proof under `signed` (receipts)."""
    note = signed.to_bytes()
    return [
        ProofBundle(index, entry, tuple(proof), note)
        for index, entry, proof in MerkleLog(conn).tail_proofs(indices, signed.checkpoint.size)
    ]
