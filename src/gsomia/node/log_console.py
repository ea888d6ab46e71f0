"""The node's log at the operator's console: verify it, prove one entry, read its status,
and check a proof offline (`gsomia audit`, and the demo's last step).

Every check here needs public material only: the node's own identity card from its home and
the partners' pinned cards, never the key passphrase. Verifying recomputes the Merkle log from
the database and names the first altered entry (`TamperedLog`, ADR 0036); checking a proof
needs nothing but the proof file and the cards of the node that logged it and its witnesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gsomia.errors import UsageError, VerificationError
from gsomia.exchange.witness import cosignature_verifier, log_origin, log_verifier
from gsomia.ledger.audit import TamperedLog
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import parse_checkpoint
from gsomia.ledger.cosignature import Cosignature
from gsomia.ledger.events import LogEvent
from gsomia.ledger.note import Note, open_note
from gsomia.node.audit_rows import AlteredAccessLog
from gsomia.node.cosigned_file import check_extends
from gsomia.node.database import open_database
from gsomia.node.home import CARD, retired_cards
from gsomia.node.ledger import (
    scan,
    verify_disposals,
    verify_kept,
    verify_listing,
    verify_log,
    verify_people,
    verify_tokens,
)
from gsomia.seal import IdentityCard, parse_card
from gsomia.store.ledger import LogStatus, SqlLog
from gsomia.store.peers import pinned_cards
from gsomia.store.witnessing import StoredRefusal

__all__ = [
    "AlteredAccessLog",
    "CheckedProof",
    "ConsoleStatus",
    "TamperedLog",
    "VerifiedLog",
    "check_proof",
    "home_card",
    "log_status",
    "prove",
    "verify",
]


def home_card(home: Path) -> IdentityCard:
    """The identity card in the node home at `home`."""
    try:
        return parse_card((home / CARD).read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{home / CARD} is missing") from None


@dataclass(frozen=True)
class VerifiedLog:
    """A log that verified: whose, how many entries, its root, how many checkpoints held."""

    origin: str
    size: int
    root: bytes
    checkpoints: int
    cosigned: int | None  # size of the kept cosigned checkpoint it extends (None: none yet)
    listed: int  # access_log rows proved against their entries
    unproved: int  # access_log rows from before rows named their entry
    disposed: int = 0  # holdings and copies it records disposed of, each still disposed of
    kept: int = 0  # holdings, copies, items and cases it records re-marked or stepped, each so


def verify(home: Path) -> VerifiedLog:
    """Recompute the log of the node at `home` and check every signed checkpoint against it;
    `TamperedLog` naming the first bad index if any entry was altered; that it still extends
    the cosigned checkpoint kept in the home (`RolledBackLog`); then every
    `access_log` row against its entry (`AlteredAccessLog` naming the first that differs);
    then that every holding and copy it records disposed of is still (`StoreDamaged` naming
    each put back from before, ADR 0139), every person as it records them (ADR 0148), and
    every re-marked holding, copy and item and every case at its last logged marking,
    status and version (ADR 0151)."""
    with open_database(home, migrated=False) as db, db.reader.connect() as conn:
        card = home_card(home)
        origin = log_origin(card)
        # Checkpoints signed before a key rotation name the card of their day (ADR 0093).
        cards = [card, *retired_cards(home)]
        verifiers = [log_verifier(c) for c in cards]
        report = verify_log(conn, verifiers, origin=None if len(cards) > 1 else origin)
        partners = {nation: parse_card(raw) for nation, raw in pinned_cards(conn).items()}
        cosigned = check_extends(home, conn, verifiers, partners)
        listed, unproved = verify_listing(conn)
        scanned = scan(conn)  # one pass for the checks against the rows
        disposed = verify_disposals(conn, scanned)
        verify_people(conn, scanned)
        kept = verify_kept(conn, scanned)
        verify_tokens(conn, scanned)
    return VerifiedLog(
        origin,
        report.size,
        report.root,
        report.checkpoints,
        cosigned,
        listed,
        unproved,
        disposed,
        kept,
    )


def prove(home: Path, index: int) -> ProofBundle:
    """The inclusion proof of entry `index`, with the checkpoint it is proved under."""
    with open_database(home, migrated=False) as db, db.reader.connect() as conn:
        return SqlLog(conn).prove(index)


@dataclass(frozen=True)
class ConsoleStatus:
    """The log's status, its refused checkpoints, and the nation of each partner log origin."""

    origin: str
    status: LogStatus
    refusals: list[StoredRefusal]
    partners: dict[str, str]  # log origin -> nation


def log_status(home: Path) -> ConsoleStatus:
    """Size, latest checkpoint, partners' cosignatures, logs we witness, refused checkpoints."""
    with open_database(home, migrated=False) as db, db.reader.connect() as conn:
        card = home_card(home)
        log = SqlLog(conn)
        status, refusals, cards = log.status(), log.refusals(), pinned_cards(conn)
    partners = {log_origin(parse_card(raw)): nation for nation, raw in cards.items()}
    return ConsoleStatus(log_origin(card), status, refusals, partners)


@dataclass(frozen=True)
class CheckedProof:
    """A proof that verified: the event, where it stands, and who cosigned the checkpoint."""

    origin: str
    fingerprint: str  # of the node that logged it
    index: int
    size: int
    event: LogEvent
    cosigners: list[tuple[str, int]]  # (nation, cosignature timestamp)


def check_proof(proof: str, card: bytes, witnesses: list[bytes]) -> CheckedProof:
    """Verify a proof from `gsomia audit prove` against the card of the node that logged it,
    and the checkpoint's cosignature by each witness card; `VerificationError` if one fails."""
    node = parse_card(card)
    bundle = ProofBundle.from_json(proof)
    event = bundle.verify([log_verifier(node)], origin=log_origin(node))
    signed = parse_checkpoint(bundle.checkpoint)
    cosigners = []
    for raw in witnesses:
        partner = parse_card(raw)
        verifier = cosignature_verifier(partner)
        lines = tuple(s for s in signed.note.signatures if s.name == verifier.name)
        if not lines:
            raise VerificationError(f"the checkpoint carries no cosignature by {partner.nation}")
        open_note(Note(signed.note.text, lines), [verifier])
        cosigners.append((partner.nation, Cosignature.from_note_signature(lines[0]).timestamp))
    return CheckedProof(
        log_origin(node), node.fingerprint, bundle.index, signed.checkpoint.size, event, cosigners
    )
