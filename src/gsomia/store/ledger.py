"""The node's tamper-evident log as one: its tree, checkpoints and witness records, checked.

The parts live in their own modules: the Merkle tree of entries (`store.merkle_log`), our
checkpoints and their cosignatures (`store.checkpoints`), and this node as a witness of its
partners (`store.witnessing`). `SqlLog` is the tree with the whole-log operations on top:
`verify_all` recomputes everything from the stored rows, `status` sums it up for
`gsomia audit status`. Like its parts, it works in the caller's transaction and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from gsomia.ledger.audit import AuditReport, audit_log
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import SignedCheckpoint
from gsomia.ledger.note import NoteVerifier
from gsomia.store import checkpoints, witnessing
from gsomia.store.merkle_log import MerkleLog, leaf_rows
from gsomia.store.witnessing import StoredRefusal


@dataclass(frozen=True)
class LogStatus:
    size: int
    checkpoint_size: int | None
    cosigned_by: dict[str, int]  # witness name -> largest size it cosigned
    witnessing: dict[str, int]  # partner log origin -> size we last cosigned


class SqlLog(MerkleLog):
    """The node's log over one SQLAlchemy connection, inside the caller's transaction.

    The checkpoint and witness reads below `status` hand over to `store.checkpoints` and
    `store.witnessing`, for the node's log console and audit trail, which hold a `SqlLog`.
    Everything else goes to those modules directly.
    """

    def verify_all(self, log_verifier: NoteVerifier, *, origin: str | None = None) -> AuditReport:
        """Recompute the tree from the stored entries; `TamperedLog` names the first bad index."""
        rows, notes = leaf_rows(self.conn), checkpoints.notes(self.conn)
        return audit_log(rows, notes, self.audited_frontier(), log_verifier, origin=origin)

    def status(self) -> LogStatus:
        """Size, latest checkpoint, who cosigned what, and what we witness: `audit status`."""
        latest = checkpoints.latest(self.conn)
        return LogStatus(
            size=self.size(),
            checkpoint_size=None if latest is None else latest.checkpoint.size,
            cosigned_by=checkpoints.cosigned_by(self.conn),
            witnessing=witnessing.witnessed(self.conn),
        )

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        return checkpoints.latest(self.conn)

    def cosigned_checkpoint(self, size: int) -> SignedCheckpoint:
        return checkpoints.cosigned(self.conn, size)

    def prove(self, index: int) -> ProofBundle:
        return checkpoints.prove(self.conn, index)

    def refusals(self) -> list[StoredRefusal]:
        return witnessing.refusals(self.conn)
