"""Rows kept in clear from before ADR 0075 are sealed once, by the node, then never read again.

A migration cannot seal them: the key is the node's, under its passphrase. So `Node.migrate`
runs this pass after the schema is current: each item and holding still in clear is sealed
under a data key of its own, and the step is marked done both in the database
(`store_marks`) and in the home (`at-rest-sealed`). From then on, and on every node that
never had such rows, a row in clear is damage (`StoreDamaged` on reading it), never an old
row to be believed: someone wrote it without the node's key (ADR 0088).

The pass runs only while neither mark exists: a database whose mark was deleted still finds
the home's, and the other way round, so clear rows written by whoever holds one of the two
are refused rather than sealed as genuine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from gsomia.exchange import outbox
from gsomia.seal import NodeKeys
from gsomia.seal.at_rest import Vault
from gsomia.store import cases, copies, holdings, items, marks, users

log = logging.getLogger("gsomia.node")

MARK_FILE = "at-rest-sealed"
ANSWERS_MARK_FILE = "outbox-answers-sealed"
STEPS_MARK_FILE = "case-steps-sealed"
CASES_MARK_FILE = "cases-sealed"
PEERS_MARK_FILE = "outbox-peers-bound"
COLUMNS_MARK_FILE = "decided-columns-bound"
COPIES_MARK_FILE = "copies-bound"
USERS_MARK_FILE = "users-bound"
CREDENTIALS_MARK_FILE = "credentials-bound"


def seal_clear_rows(engine: Engine, vault: Vault, home: Path, clock: Callable[[], datetime]) -> int:
    """Seal the rows kept in clear, once; how many were sealed (0 if done before)."""

    def seal(conn: Connection) -> int:
        legacy = vault.sealing_clear_rows()
        return items.seal_clear_rows(conn, legacy) + holdings.seal_clear_rows(conn, legacy)

    return _once(
        engine,
        home / MARK_FILE,
        marks.AT_REST_SEALED,
        clock,
        seal,
        said="sealed %d rows kept in clear from before (ADR 0088)",
    )


def seal_clear_answers(
    engine: Engine, keys: NodeKeys, home: Path, clock: Callable[[], datetime]
) -> int:
    """Seal the partners' answers the outbox kept in clear, once, as `seal_clear_rows` does the
    items (its own marks: nodes that sealed their items before answers were sealed still have
    answers in clear to seal); how many were sealed."""
    return _once(
        engine,
        home / ANSWERS_MARK_FILE,
        marks.OUTBOX_ANSWERS_SEALED,
        clock,
        lambda conn: outbox.seal_clear_answers(conn, keys),
        said="sealed %d outbox answers kept in clear from before (ADR 0088)",
    )


def seal_clear_steps(
    engine: Engine, keys: NodeKeys, home: Path, clock: Callable[[], datetime]
) -> int:
    """Seal the case steps (documents and partners' signed messages) kept in clear, once, with
    marks of their own as `seal_clear_answers` has; how many were sealed."""
    return _once(
        engine,
        home / STEPS_MARK_FILE,
        marks.CASE_STEPS_SEALED,
        clock,
        lambda conn: cases.seal_clear_steps(conn, keys),
        said="sealed %d case steps kept in clear from before (ADR 0088)",
    )


def seal_clear_cases(
    engine: Engine, keys: NodeKeys, home: Path, clock: Callable[[], datetime]
) -> int:
    """Seal the cases' documents (the treaty core's state of each case) kept in clear, once,
    with marks of their own as `seal_clear_steps` has; how many were sealed (ADR 0126)."""
    return _once(
        engine,
        home / CASES_MARK_FILE,
        marks.CASES_SEALED,
        clock,
        lambda conn: cases.seal_clear_cases(conn, keys),
        said="sealed %d case documents kept in clear from before (ADR 0126)",
    )


def bind_outbox_peers(
    engine: Engine, keys: NodeKeys, home: Path, clock: Callable[[], datetime]
) -> int:
    """Bind the queued outbox bodies to their peer, once, with marks of their own as
    `seal_clear_answers` has; how many were bound (ADR 0121)."""
    return _once(
        engine,
        home / PEERS_MARK_FILE,
        marks.OUTBOX_PEERS_BOUND,
        clock,
        lambda conn: outbox.bind_queued_bodies(conn, keys),
        said="bound %d queued messages to their peer (ADR 0121)",
    )


def bind_decided_columns(
    engine: Engine, vault: Vault, keys: NodeKeys, home: Path, clock: Callable[[], datetime]
) -> int:
    """Seal what the clear columns decisions take say, once, with marks of their own as
    `seal_clear_cases` has: each holding's terms, and each case's document bound to its
    status and parties (ADR 0134); how many rows. A column a writer changed before this ran
    is sealed as it is: the pass cannot tell, as the passes before it could not."""
    return _once(
        engine,
        home / COLUMNS_MARK_FILE,
        marks.COLUMNS_BOUND,
        clock,
        lambda conn: holdings.bind_terms(conn, vault) + cases.bind_sealed_cases(conn, keys),
        said="sealed the decided columns of %d holdings and cases from before (ADR 0134)",
    )


def bind_copies(engine: Engine, vault: Vault, home: Path, clock: Callable[[], datetime]) -> int:
    """Seal each copy's columns and each holding's count of copies made, once, after
    `bind_decided_columns` and with marks of their own (ADR 0140); how many rows. A copy
    re-marked or deleted by a writer before this ran is sealed and counted as it is: the
    pass cannot tell, as the passes before it could not."""
    legacy = vault.sealing_clear_rows()  # terms from before say no count: read to seal it
    return _once(
        engine,
        home / COPIES_MARK_FILE,
        marks.COPIES_BOUND,
        clock,
        lambda conn: copies.bind_terms(conn, legacy),
        said="sealed %d copies and counts of copies made from before (ADR 0140)",
    )


def bind_users(engine: Engine, vault: Vault, home: Path, clock: Callable[[], datetime]) -> int:
    """Seal what each person's clear columns say (clearance, nationality, roles,
    need-to-know), once, with marks of their own (ADR 0146); how many people. Run by the node
    at start and by a console command that unlocked the storage key, whichever comes first
    after the upgrade. A clearance a writer raised before this ran is sealed as it is: the
    pass cannot tell, as the passes before it could not."""
    legacy = vault.sealing_clear_rows()
    return _once(
        engine,
        home / USERS_MARK_FILE,
        marks.USERS_BOUND,
        clock,
        lambda conn: users.bind_terms(conn, legacy),
        said="sealed the clearances and need-to-know of %d people from before (ADR 0146)",
    )


def bind_credentials(
    engine: Engine, vault: Vault, home: Path, clock: Callable[[], datetime]
) -> int:
    """Seal each token, password verifier and web session kept from before ADR 0150, once,
    with marks of their own, run where `bind_users` is; how many rows. A token a writer
    inserted before this ran is sealed as it is: the pass cannot tell, as the passes before
    it could not (the log names the tokens the node issued and revoked)."""
    return _once(
        engine,
        home / CREDENTIALS_MARK_FILE,
        marks.CREDENTIALS_BOUND,
        clock,
        lambda conn: users.bind_credentials(conn, vault),
        said="sealed %d tokens, password verifiers and web sessions from before (ADR 0150)",
    )


def _once(
    engine: Engine,
    mark_file: Path,
    mark: str,
    clock: Callable[[], datetime],
    run: Callable[[Connection], int],
    *,
    said: str,
) -> int:
    """`run` in one transaction unless either mark (database or home) says it ran; both marks
    set after, so one deleted does not let it run again. How many rows it changed."""
    with engine.begin() as conn:
        if marks.marked(conn, mark) or mark_file.exists():
            marks.mark(conn, mark, clock())
            _mark_home(mark_file, clock())
            return 0
        count = run(conn)
        marks.mark(conn, mark, clock())
    _mark_home(mark_file, clock())
    if count:
        log.info(said, count)
    return count


def _mark_home(path: Path, now: datetime) -> None:
    if not path.exists():
        path.write_text(f"{now.isoformat()}\n", encoding="ascii")
        path.chmod(0o600)
