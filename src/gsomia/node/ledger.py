"""The node's own tamper-evident log: its name, its keys, checkpoints, receipts, verification.

Every security event reaches the log through `gsomia.node.audit`, inside the transaction of the
change it records (the store never commits). Checkpoints are issued by `checkpoint_if_due`
(the node's background task, `gsomia.node.cosigning.keep_log`, every `checkpoint_events`
events or `checkpoint_seconds`) and once per received batch, for the receipts (`receipts`).
The log is named and verified from the node's identity card alone
(`gsomia.exchange.witness.log_origin`, ADR 0034). Partners cosign its checkpoints
(`node.cosigning`); it witnesses theirs (`node.witness`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from gsomia.errors import StoreDamaged, UsageError
from gsomia.exchange.witness import log_origin, log_verifier
from gsomia.ledger.audit import AuditReport, audit_naming_entry
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import SignedCheckpoint
from gsomia.ledger.events import LogEvent
from gsomia.ledger.note import NoteVerifier
from gsomia.ledger.note_keys import CallableSigner, CosignatureV1Signer, Ed25519NoteVerifier
from gsomia.ledger.policy import LogPolicy
from gsomia.node.audit import (
    DISPOSING,
    KEPT_AS,
    MAKING_COPIES,
    PERSON_FIELDS,
    copies_logged,
    disposals_logged,
    people_against_log,
    people_logged,
    rows_against_log,
    rows_logged,
    shown,
    unstored,
)
from gsomia.node.audit_rows import check_listing
from gsomia.node.tokens_logged import (
    KeptToken,
    passwords_against_log,
    passwords_logged,
    revocations_logged,
)
from gsomia.node.tokens_logged import against_log as tokens_against_log
from gsomia.seal import IdentityCard, NodeKeys, node_note_key
from gsomia.store import (
    access_log,
    checkpoints,
    copies,
    disposals,
    holdings,
    kept_rows,
    people_columns,
)
from gsomia.store.merkle_log import MerkleLog, leaf_rows
from gsomia.store.users import kept_in_force, password_seals


def unix(when: datetime) -> int:
    return int(when.timestamp())


class NodeLedger:
    """The node's log identity and keys, and the operations the node performs on its log."""

    def __init__(self, keys: NodeKeys, card: IdentityCard, policy: LogPolicy | None = None) -> None:
        self.card = card
        self.origin = log_origin(card)
        self.policy = policy or LogPolicy()
        self.signer: CallableSigner | None = None
        self.cosigner: CosignatureV1Signer | None = None
        self.verifier: Ed25519NoteVerifier | None = None
        key = node_note_key(keys)
        if key is None:
            return  # a cnsa2 node logs, but signs no checkpoint (ADR 0034)
        self.signer = CallableSigner(self.origin, key.public_key, key.sign)
        self.cosigner = CosignatureV1Signer(self.origin, key.public_key, key.sign)
        self.verifier = log_verifier(card)

    def require_verifier(self) -> Ed25519NoteVerifier:
        if self.verifier is None:
            raise UsageError(
                f"this node's {self.card.profile} keys cannot sign log checkpoints",
                hint="log checkpoints need the pq or classic profile (ADR 0034)",
            )
        return self.verifier

    def checkpoint_if_due(self, conn: Connection, now: datetime) -> SignedCheckpoint | None:
        """Sign and store a checkpoint if the policy says so (in the caller's transaction)."""
        if self.signer is None:
            return None
        log = MerkleLog(conn)
        size = log.frontier().size
        last = checkpoints.last_issued(conn)
        due = self.policy.due(
            size=size,
            last_size=None if last is None else last[0],
            last_at=None if last is None else last[1],
            now=now.timestamp(),
        )
        if not due:
            return None
        log.frontier(for_update=True)  # one issuer at a time per size
        return checkpoints.issue(conn, self.signer, origin=self.origin, now=unix(now))

    def receipts(
        self, conn: Connection, indices: Sequence[int], now: datetime
    ) -> list[ProofBundle]:
        """Proofs of just-appended entries under one checkpoint signed now (one per batch)."""
        if self.signer is None or not indices:
            return []
        signed = checkpoints.issue(conn, self.signer, origin=self.origin, now=unix(now))
        return checkpoints.proofs_under(conn, signed, indices)


def verify_log(
    conn: Connection, verifier: NoteVerifier | Sequence[NoteVerifier], *, origin: str | None
) -> AuditReport:
    """Recompute the node's log from its rows (`gsomia audit verify`), naming the altered entry
    itself where the stored hashes can (`gsomia.ledger.audit.audit_naming_entry`, ADR 0036)."""
    state = MerkleLog(conn).audited_frontier()
    return audit_naming_entry(
        lambda: leaf_rows(conn), checkpoints.notes(conn), state, verifier, origin=origin
    )


def verify_listing(conn: Connection) -> tuple[int, int]:
    """Prove every `access_log` row against its entry of the (already verified) log, naming
    the first row edited, deleted or added (`AlteredAccessLog`); how many rows were proved,
    and how many predate `log_index` and so name no entry."""
    entries = ((index, entry) for index, entry, _, _ in leaf_rows(conn))
    return check_listing(entries, access_log.by_log_index(conn)), access_log.unproved(conn)


@dataclass(frozen=True)
class Scanned:
    """The entries of the (already verified) log that the checks after it decode, found in one
    pass: each check alone re-read every entry from the database (286 ms CPU a 100,000 on
    SQLite, ADR 0151), and the byte tests that pick them cost a tenth of that."""

    disposing: list[LogEvent]  # disposals and copies made (`verify_disposals`)
    people: list[LogEvent]  # people's registrations and changes (`verify_people`)
    kept: list[LogEvent]  # what re-markings and cases' steps left a row at (`verify_kept`)


def scan(conn: Connection) -> Scanned:
    """One pass over the log, decoding only the entries a check after it reads."""
    found = Scanned([], [], [])
    for _, entry, _, _ in leaf_rows(conn):
        if not may_be_checked(entry):
            continue  # most entries: read, tested once for every marker, not decoded
        disposing = may_dispose(entry) or may_make_copy(entry)
        person, kept = _PERSON in entry, may_keep(entry)
        event = LogEvent.decode(entry)
        for wanted, into in ((disposing, found.disposing), (person, found.people)):
            if wanted:
                into.append(event)
        if kept:
            found.kept.append(event)
    return found


def verify_disposals(conn: Connection, scanned: Scanned | None = None) -> int:
    """Check every holding and copy the (already verified) log records disposed of against
    the database: StoreDamaged naming each that reads otherwise, put back from before its
    disposal by a writer who took its `disposals` record away too (ADR 0139), and each copy
    or translation it records made that is stored nowhere, deleted by a writer who put its
    holding's count back from before it too (ADR 0143); how many of those the log records
    disposed of are stored (and were checked)."""
    events = (scanned or scan(conn)).disposing
    logged = disposals_logged(events)
    made = copies_logged(events)
    stored = copies.states_of(conn, made | logged.keys())
    found = {i: stored[i] for i in stored.keys() & logged.keys()}
    found.update(holdings.states_of(conn, logged))
    named = disposals.against_log(logged, found)
    if named:
        raise StoreDamaged(
            f"the verified log records the disposal of {', '.join(named)}",
            hint="restore the database from a backup taken after the disposal; a row put back "
            "from before its disposal is never read as held",
        )
    missing = unstored(made, stored)
    if missing:
        raise StoreDamaged(
            "the verified log records copies and translations the database no longer "
            f"keeps: {', '.join(missing)}",
            hint="restore the database from a backup; a copy is never deleted, only destroyed "
            "or returned",
        )
    return len(found)


def verify_people(conn: Connection, scanned: Scanned | None = None) -> int:
    """Check every person the (already verified) log records registered against their row:
    StoreDamaged naming each whose clearance, nationality, roles, need-to-know, register
    entry or disabling the row says otherwise than the log's last word on them, and each
    the log records removed whose row is there: a row put back from before a change, which
    the row's own seal cannot tell (ADR 0146 seals the row to the person, not to its
    version; found by the attack, ADR 0148). Read raw, as the writer left them: what each
    read makes of a row is the read's check. How many people were compared."""
    logged = people_logged((scanned or scan(conn)).people)
    kept = {
        name: {
            **{k: shown(row[k]) for k in PERSON_FIELDS},
            "disabled": shown(row["disabled_at"] is not None),
        }
        for name, row in people_columns.as_kept(conn, logged, PERSON_FIELDS).items()
    }
    named = people_against_log(logged, kept)
    if named:
        raise StoreDamaged(
            f"the verified log records people otherwise than the database keeps them: "
            f"{', '.join(named)}",
            hint="restore the database from a backup taken after the last change to them; a "
            "person's row put back from before a change is never read as current",
        )
    return len(logged)


def verify_kept(conn: Connection, scanned: Scanned | None = None) -> int:
    """Check every holding, copy, item and case the (already verified) log says it re-marked
    or stepped against its row: StoreDamaged naming each whose clear marking or status is not
    the log's last word on it, whose witnessed version is lower than the log's (missing is
    0), or that is stored nowhere: a row put back from before with its `row_versions` witness
    deleted or set back, which every seal and witness then agree with (left by ADR 0146 and
    0148; ADR 0151). Read raw, as the writer left them. How many rows were compared."""
    logged = rows_logged((scanned or scan(conn)).kept)
    named = rows_against_log(logged, kept_rows.as_kept(conn, logged))
    if named:
        raise StoreDamaged(
            "the verified log records re-markings and cases otherwise than the database keeps "
            f"them: {', '.join(named)}",
            hint="restore the database from a backup taken after the last re-marking or step; "
            "a row put back from before one is never read as current",
        )
    return len(logged)


#: The bytes every entry that says what a row was kept as holds (as `_DISPOSING` below).
_KEPT = f'"{KEPT_AS}":{{'.encode()


def may_keep(entry: bytes) -> bool:
    """Whether a log entry's bytes may say what a row was kept as: False only for one that
    does not."""
    return _KEPT in entry


#: The bytes every entry about a person's registration, change, disabling or removal holds
#: (as `_DISPOSING` below): the others are not decoded.
_PERSON = b'"action":"user:'


#: The bytes the entry of every disposal holds: a leaf is its event's RFC 8785 form (checked
#: by `LogEvent.decode`), without spaces, ASCII letters never escaped, so an entry without
#: them disposes of nothing and is not decoded again (decoding every entry was 1.65 s CPU a
#: 100,000 entries).
_DISPOSING = tuple(f'"action":"{action}"'.encode() for action in DISPOSING)


def may_dispose(entry: bytes) -> bool:
    """Whether a log entry's bytes may be a disposal's: False only for one that is not."""
    return any(marker in entry for marker in _DISPOSING)


_MAKING = tuple(f'"action":"{action}"'.encode() for action in MAKING_COPIES)


def may_make_copy(entry: bytes) -> bool:
    """Whether a log entry's bytes may be a copy's or translation's making: False only for
    one that is not."""
    return any(marker in entry for marker in _MAKING)


#: Every marker a check after the log's verification decodes an entry for, in one pattern:
#: one scan of an entry's bytes in place of one a marker (`scan`).
_ANY_WANTED = re.compile(b"|".join(re.escape(m) for m in (*_DISPOSING, *_MAKING, _PERSON, _KEPT)))


def may_be_checked(entry: bytes) -> bool:
    """Whether a log entry's bytes may be any that a check after the log's verification
    decodes (`may_dispose`, `may_make_copy`, a person's, `may_keep`): False only for one that
    is none of them."""
    return _ANY_WANTED.search(entry) is not None


def verify_tokens(conn: Connection, scanned: Scanned | None = None) -> int:
    """Check every token kept in force against the revocations, retirements and disablings
    the (already verified) log records: StoreDamaged naming each it records revoked, put back
    whole from before its revocation (its seal vouches for the row of before as for the row
    of now, ADR 0150). Their entries are among the people's (`"action":"user:`). Read raw,
    as the writer left them. How many tokens in force were compared."""
    events = (scanned or scan(conn)).people
    logged = revocations_logged(events)
    kept = [KeptToken(*row) for row in kept_in_force(conn)]
    named = tokens_against_log(logged, kept)
    if named:
        raise StoreDamaged(
            "the verified log records the revocation of tokens the database keeps in force: "
            f"{', '.join(named)}",
            hint="restore the database from a backup taken after the revocation; a token put "
            "back from before its revocation never stands for anyone once verify names it",
        )
    passwords = passwords_logged(events)
    otherwise = passwords_against_log(passwords, password_seals(conn, passwords))
    if otherwise:
        raise StoreDamaged(
            "the verified log records passwords the database keeps otherwise: "
            f"{', '.join(otherwise)}",
            hint="restore the database from a backup taken after the last password change, or "
            "set the password again with `gsomia user passwd`",
        )
    return len(kept)
