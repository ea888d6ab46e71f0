"""Recompute a stored log from its entries and find the first place it was altered.

The store keeps, for every entry, its bytes, its leaf hash and the hashes of the perfect
subtrees it completed (`Frontier.append_rows`), plus the right-edge frontier and signed
checkpoints. `audit_log`
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

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from gsomia.errors import InputError, VerificationError
from gsomia.ledger.checkpoint import open_checkpoint
from gsomia.ledger.frontier import Frontier
from gsomia.ledger.merkle import HASH_SIZE, hash_leaf
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


@dataclass(frozen=True)
class AuditReport:
    size: int
    root: bytes
    checkpoints: int


Row = tuple[int, bytes, bytes, bytes]
"""(index, entry bytes, stored leaf hash, stored subtree hashes completed by this leaf)."""


def _first_bad_level(stored: bytes, computed: bytes) -> int:
    """The lowest subtree level (1, 2, …) whose stored hash differs from the computed one."""
    for level in range(1, len(computed) // HASH_SIZE + 1):
        span = slice((level - 1) * HASH_SIZE, level * HASH_SIZE)
        if stored[span] != computed[span]:
            return level
    return 0  # only extra bytes stored: blame the row itself


def _check_segment(frontier: Frontier, rows: list[Row]) -> Frontier:
    for offset, (index, entry, leaf_hash, _) in enumerate(rows):
        expected = frontier.size + offset
        if index != expected:
            raise TamperedLog(
                f"log entry {expected} is missing (next stored index is {index})", index=expected
            )
        if hash_leaf(entry) != leaf_hash:
            raise TamperedLog(f"log entry {index} does not match its leaf hash", index=index)
    new, blobs = frontier.append_rows(row[2] for row in rows)
    for (index, _, _, stored), computed in zip(rows, blobs, strict=True):
        if stored != computed:
            level = _first_bad_level(stored, computed)
            first = index + 1 - (1 << level)
            raise TamperedLog(
                f"stored subtree over entries {first}..{index} does not match the entries",
                index=first,
            )
    return new


def audit_log(
    leaves: Iterable[Row],
    checkpoints: Iterable[tuple[int, bytes]],
    state: Frontier | None,
    log_verifier: NoteVerifier | Sequence[NoteVerifier],
    *,
    origin: str | None = None,
) -> AuditReport:
    """Check every entry, stored hash and checkpoint; raise `TamperedLog` at the first damage.

    `leaves` yields `Row`s by ascending index; `checkpoints`
    yields (size, signed note) by ascending size; `state` is the stored frontier (None if it
    could not be read).
    """
    rows: Iterator[Row] = iter(leaves)
    frontier = Frontier(0)
    trusted = 0  # entries below this index are covered by a verified checkpoint
    count = 0
    for size, note in checkpoints:
        frontier = _advance(frontier, rows, size)
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
    frontier = _advance(frontier, rows, None)
    if state is None:
        raise TamperedLog("the stored log state is unreadable", index=frontier.size)
    if frontier != state:
        raise TamperedLog(
            f"stored log state (size {state.size}) does not match the {frontier.size} entries",
            index=min(frontier.size, state.size),
        )
    return AuditReport(frontier.size, frontier.root(), count)


def audit_naming_entry(
    leaves: Callable[[], Iterable[Row]],
    checkpoints: Iterable[tuple[int, bytes]],
    state: Frontier | None,
    log_verifier: NoteVerifier | Sequence[NoteVerifier],
    *,
    origin: str | None = None,
) -> AuditReport:
    """`audit_log`, naming the altered entry itself where the stored hashes can (ADR 0036).

    A checkpoint that no longer matches only bounds the damage (at or after the last checkpoint
    that did); when that happens the entries and stored subtree hashes are checked again
    without the checkpoints (`leaves` gives them a second time), which names the first altered
    entry exactly unless every hash was rewritten to match: then only the partners' cosigned
    checkpoints can tell (ADR 0033), and the bounded finding stands.
    """
    try:
        return audit_log(leaves(), checkpoints, state, log_verifier, origin=origin)
    except TamperedLog as bounded:
        exact = None if state is None else _hash_damage(leaves(), state, log_verifier, origin)
        if exact is not None and exact.index >= bounded.index:
            raise exact from None
        raise


def _hash_damage(
    leaves: Iterable[Row],
    state: Frontier,
    log_verifier: NoteVerifier | Sequence[NoteVerifier],
    origin: str | None,
) -> TamperedLog | None:
    """The first entry or stored hash that disagrees with the entries, checkpoints aside."""
    try:
        audit_log(leaves, [], state, log_verifier, origin=origin)
    except TamperedLog as exact:
        return exact
    except InputError:
        return None
    return None


def _advance(
    frontier: Frontier,
    rows: Iterator[Row],
    until: int | None,
) -> Frontier:
    """Consume entries up to index `until` (all if None), checking each segment."""
    while until is None or frontier.size < until:
        want = SEGMENT if until is None else min(SEGMENT, until - frontier.size)
        segment = list(islice(rows, want))
        if segment:
            frontier = _check_segment(frontier, segment)
        if len(segment) < want:
            if until is not None:
                raise TamperedLog(
                    f"a checkpoint covers {until} entries but only {frontier.size} are stored",
                    index=frontier.size,
                )
            break
    return frontier
