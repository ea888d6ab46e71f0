"""The node's log as its partners read it: the latest checkpoint and RFC 9162 proofs.

These reveal hashes only, never an event, so any partner may ask (`/peer/v1/log/...`); the
events themselves are for this node's auditors and officers (`gsomia.node.audit_trail`).
A proof is of a tree this log has reached: asking beyond it is the asker's mistake.
"""

from __future__ import annotations

from sqlalchemy import Connection

from gsomia.errors import InputError, NotFound
from gsomia.node.runtime import Node
from gsomia.store import checkpoints
from gsomia.store.merkle_log import MerkleLog


def latest_checkpoint(node: Node) -> bytes:
    """The latest signed checkpoint (C2SP tlog-checkpoint), with the partners' cosignatures."""
    with node.reader.connect() as conn:
        latest = checkpoints.latest(conn)
        if latest is None:
            raise NotFound("this node has not signed a checkpoint yet", hint="retry shortly")
        return checkpoints.cosigned(conn, latest.checkpoint.size).to_bytes()


def inclusion_proof(node: Node, index: int, size: int) -> list[bytes]:
    """The inclusion proof of entry `index` in the tree of `size` entries."""
    with node.reader.connect() as conn:
        return _reached(conn, size).inclusion_proof(index, size)


def consistency_proof(node: Node, old: int, new: int) -> list[bytes]:
    """The consistency proof from the tree of `old` entries to the tree of `new`."""
    with node.reader.connect() as conn:
        return _reached(conn, new).consistency_proof(old, new)


def _reached(conn: Connection, size: int) -> MerkleLog:
    """The log, once it is known to hold `size` entries; InputError if it holds fewer."""
    log = MerkleLog(conn)
    current = log.size()
    if size > current:
        raise InputError(f"the log has {current} entries, not {size}", hint="ask for a size ≤ it")
    return log
