"""Recompute a stored log from its entries and find the first place it was altered.

The store keeps, for every entry, its bytes and its leaf hash, the hashes of every complete
perfect subtree above level 0, the right-edge frontier, and signed checkpoints. `audit_log`
streams the entries in index order, rebuilds the tree through a `Frontier`, and compares what
it computes with what is stored, in the order that names the earliest damage:

1. an index missing, repeated or out of order (row deleted or renumbered);
2. an entry whose bytes no longer hash to its stored leaf hash (row edited, rows swapped);
3. a stored subtree hash that differs from the recomputed one (hashes rewritten to match);
4. a checkpoint whose signature fails or whose root differs from the recomputed root at its
   size (the log rebuilt wholesale: only signatures can tell).

Memory stays bounded: entries arrive as an iterator and are processed a segment at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Protocol

from gsomia.errors import InputError, VerificationError
from gsomia.ledger.checkpoint import open_checkpoint
from gsomia.ledger.frontier import Frontier
from gsomia.ledger.merkle import hash_leaf
from gsomia.ledger.note import NoteVerifier

SEGMENT = 4096


class TamperedLog(VerificationError):
    """The stored log does not match itself or its signed checkpoints; `index` is the first
    entry that cannot be trusted."""

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(
            message, hint="restore the database from a backup and compare with partner checkpoints"
        )
        self.index = index


class NodeRangeReader(Protocol):
    def read_node_range(self, level: int, first: int, last: int) -> Mapping[int, bytes]:
        """Stored hashes of perfect subtrees at `level` (>= 1) with index in [first, last]."""
        ...


@dataclass(frozen=True)
class AuditReport:
    size: int
    root: bytes
    checkpoints: int


def _check_segment(
    frontier: Frontier, rows: list[tuple[int, bytes, bytes]], nodes: NodeRangeReader
) -> Frontier:
    for offset, (index, event, stored_hash) in enumerate(rows):
        expected = frontier.size + offset
        if index != expected:
            raise TamperedLog(
                f"log entry {expected} is missing (next stored index is {index})", index=expected
            )
        if hash_leaf(event) != stored_hash:
            raise TamperedLog(f"log entry {index} does not match its leaf hash", index=index)
    new, created = frontier.append(stored for _, _, stored in rows)
    by_level: dict[int, list[tuple[int, bytes]]] = {}
    for level, index, h in created:
        if level:
            by_level.setdefault(level, []).append((index, h))
    for level in sorted(by_level):
        computed = by_level[level]
        stored = nodes.read_node_range(level, computed[0][0], computed[-1][0])
        for index, h in computed:
            if stored.get(index) != h:
                first = index << level
                raise TamperedLog(
                    f"stored subtree over entries {first}..{first + (1 << level) - 1} "
                    "does not match the entries",
                    index=first,
                )
    return new


def audit_log(
    leaves: Iterable[tuple[int, bytes, bytes]],
    nodes: NodeRangeReader,
    checkpoints: Iterable[tuple[int, bytes]],
    state: Frontier,
    log_verifier: NoteVerifier,
    *,
    origin: str | None = None,
) -> AuditReport:
    """Check every entry, stored hash and checkpoint; raise `TamperedLog` at the first damage.

    `leaves` yields (index, entry bytes, stored leaf hash) by ascending index; `checkpoints`
    yields (size, signed note) by ascending size; `state` is the stored frontier.
    """
    rows: Iterator[tuple[int, bytes, bytes]] = iter(leaves)
    frontier = Frontier(0)
    trusted = 0  # entries below this index are covered by a verified checkpoint
    count = 0
    for size, note in checkpoints:
        frontier = _advance(frontier, rows, size, nodes)
        try:
            signed, _ = open_checkpoint(note, log_verifier, origin=origin)
        except (InputError, VerificationError) as exc:
            raise TamperedLog(
                f"checkpoint at size {size} does not verify: {exc}", index=trusted
            ) from None
        if signed.checkpoint.size != size or signed.checkpoint.root != frontier.root():
            raise TamperedLog(
                f"signed checkpoint at size {size} does not match the stored entries "
                f"(altered at or after entry {trusted})",
                index=trusted,
            )
        trusted, count = size, count + 1
    frontier = _advance(frontier, rows, None, nodes)
    if frontier.size != state.size or frontier != state:
        index = min(frontier.size, state.size)
        raise TamperedLog(
            f"stored log state (size {state.size}) does not match the {frontier.size} entries",
            index=index,
        )
    return AuditReport(frontier.size, frontier.root(), count)


def _advance(
    frontier: Frontier,
    rows: Iterator[tuple[int, bytes, bytes]],
    until: int | None,
    nodes: NodeRangeReader,
) -> Frontier:
    """Consume entries up to index `until` (all if None), checking each segment."""
    while until is None or frontier.size < until:
        want = SEGMENT if until is None else min(SEGMENT, until - frontier.size)
        segment = list(islice(rows, want))
        if segment:
            frontier = _check_segment(frontier, segment, nodes)
        if len(segment) < want:
            if until is not None:
                raise TamperedLog(
                    f"a checkpoint covers {until} entries but only {frontier.size} are stored",
                    index=frontier.size,
                )
            break
    return frontier
