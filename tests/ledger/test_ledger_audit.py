"""Auditing a stored log without a disk: a checkpoint bounds the damage, the hashes name it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.ledger.note_keys import ed25519_signer, verifier_from_key

from gsomia.ledger.audit import Row, TamperedLog, audit_log, audit_naming_entry
from gsomia.ledger.checkpoint import Checkpoint, sign_checkpoint
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.frontier import Frontier
from gsomia.ledger.merkle import hash_leaf

ORIGIN = "usa.gsomia.example/log"
KEY = ed25519_signer(ORIGIN, Ed25519PrivateKey.generate())
VERIFIER = verifier_from_key(KEY.verifier_key())
WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def _stored(n: int, checkpoint_sizes: tuple[int, ...]) -> tuple[list[Row], list[tuple[int, bytes]]]:
    """The rows and checkpoint notes a store holds after appending n events."""
    entries = [LogEvent(EventKind.DECISION, WHEN, "t", (f"e{i}",), {}).encode() for i in range(n)]
    hashes = [hash_leaf(e) for e in entries]
    _, blobs = Frontier(0).append_rows(hashes)
    rows = [(i, entries[i], hashes[i], blobs[i]) for i in range(n)]
    notes = []
    for size in checkpoint_sizes:
        frontier, _ = Frontier(0).append_rows(hashes[:size])
        signed = sign_checkpoint(Checkpoint(ORIGIN, size, frontier.root()), KEY)
        notes.append((size, signed.to_bytes()))
    return rows, notes


def _state(rows: list[Row]) -> Frontier:
    frontier, _ = Frontier(0).append_rows(r[2] for r in rows)
    return frontier


def _swap(rows: list[Row], a: int, b: int) -> list[Row]:
    """Entries a and b exchanged with their leaf hashes; the stored subtrees left as they were."""
    swapped = list(rows)
    swapped[a] = (a, rows[b][1], rows[b][2], rows[a][3])
    swapped[b] = (b, rows[a][1], rows[a][2], rows[b][3])
    return swapped


def _again(rows: list[Row]) -> Callable[[], list[Row]]:
    return lambda: rows


def test_a_sound_log_is_audited_once() -> None:
    rows, notes = _stored(6, (3, 6))
    reads = []

    def leaves() -> list[Row]:
        reads.append(1)
        return rows

    report = audit_naming_entry(leaves, notes, _state(rows), VERIFIER, origin=ORIGIN)
    assert (report.size, report.checkpoints, len(reads)) == (6, 2, 1)


def test_an_entry_moved_across_a_checkpoint_is_named_itself() -> None:
    rows, notes = _stored(6, (3, 6))
    state = _state(rows)
    tampered = _swap(rows, 2, 3)
    with pytest.raises(TamperedLog) as bounded:
        audit_log(tampered, notes, state, VERIFIER, origin=ORIGIN)
    with pytest.raises(TamperedLog) as exact:
        audit_naming_entry(_again(tampered), notes, state, VERIFIER, origin=ORIGIN)
    assert bounded.value.index == 0  # only after the last checkpoint that verified
    assert exact.value.index == 2


def test_without_a_readable_state_the_bound_stands() -> None:
    rows, notes = _stored(6, (3, 6))
    tampered = _swap(rows, 2, 3)
    with pytest.raises(TamperedLog) as bounded:
        audit_naming_entry(_again(tampered), notes, None, VERIFIER, origin=ORIGIN)
    assert bounded.value.index == 0
