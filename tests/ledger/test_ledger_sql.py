"""The SQL log on SQLite and PostgreSQL: appends, proofs, checkpoints, and tamper detection."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, delete, select, text, update
from sqlalchemy.exc import OperationalError
from tests.ledger.note_keys import cosigner, ed25519_signer, verifier_from_key

from gsomia.errors import Conflict, InputError, NotFound, VerificationError
from gsomia.ledger.audit import TamperedLog
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import Checkpoint, sign_checkpoint
from gsomia.ledger.cosignature import accept_cosignatures
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.memory import MemoryHashes
from gsomia.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from gsomia.ledger.note import open_note, parse_note
from gsomia.ledger.witness import AddCheckpoint, Refused, WitnessState, add_checkpoint
from gsomia.store import checkpoints, witnessing
from gsomia.store.checkpoints import log_checkpoints, log_cosignatures
from gsomia.store.ledger import SqlLog
from gsomia.store.merkle_log import log_leaves, log_state
from gsomia.store.schema import metadata
from gsomia.store.witnessing import witness_refusals, witness_state

TABLES = [
    log_leaves,
    log_state,
    log_checkpoints,
    log_cosignatures,
    witness_state,
    witness_refusals,
]
ORIGIN = "kor.gsomia.example/log"
KEY = ed25519_signer(ORIGIN, Ed25519PrivateKey.generate())
VERIFIER = verifier_from_key(KEY.verifier_key())
WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
# CI sets GSOMIA_TEST_POSTGRES, and there an unreachable server fails instead of skipping.
PG_CONFIGURED = os.environ.get("GSOMIA_TEST_POSTGRES")
PG_URL = (PG_CONFIGURED or "postgresql://postgres@127.0.0.1:5432/test").replace(
    "postgresql://", "postgresql+psycopg://", 1
)


def _event(i: int) -> LogEvent:
    return LogEvent(EventKind.DECISION, WHEN, "officer", (f"item:{i}",), {"allowed": i % 2 == 0})


def _sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    metadata.create_all(engine, tables=TABLES)
    yield engine
    engine.dispose()


def _postgres() -> Iterator[Engine]:
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        if PG_CONFIGURED:
            raise
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc.orig}")
    engine = admin.execution_options(schema_translate_map={None: schema})
    metadata.create_all(engine, tables=TABLES)
    try:
        yield engine
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from (_sqlite(tmp_path) if request.param == "sqlite" else _postgres())


def _fill(engine: Engine, batches: list[int], *, checkpoint_every_batch: bool = True) -> None:
    done = 0
    for n in batches:
        with engine.begin() as conn:
            log = SqlLog(conn)
            assert log.append([_event(done + i) for i in range(n)]) == list(range(done, done + n))
            done += n
            if checkpoint_every_batch:
                checkpoints.issue(conn, KEY, origin=ORIGIN, now=1_800_000_000 + done)


def test_appends_proofs_and_roots_match_the_reference(engine: Engine) -> None:
    _fill(engine, [1, 6, 13, 1, 16])
    reference = MemoryHashes()
    reference.append([hash_leaf(_event(i).encode()) for i in range(37)])
    with engine.connect() as conn:
        log = SqlLog(conn)
        assert log.size() == 37
        assert log.root() == reference.root(37)
        assert log.entry(12) == _event(12)
        for size in (1, 7, 20, 37):
            assert log.root(size) == reference.root(size)
            for index in (0, size // 2, size - 1):
                proof = log.inclusion_proof(index, size)
                assert proof == reference.inclusion_proof(index, size)
                verify_inclusion(
                    index, size, hash_leaf(_event(index).encode()), proof, log.root(size)
                )
        proof = log.consistency_proof(7, 37)
        verify_consistency(7, 37, log.root(7), log.root(37), proof)
        with pytest.raises(NotFound):
            log.inclusion_proof(3, 38)
        with pytest.raises(NotFound):
            log.entry(99)
        report = log.verify_all(VERIFIER, origin=ORIGIN)
        assert (report.size, report.checkpoints) == (37, 5)


def test_rolled_back_transaction_leaves_no_trace(engine: Engine) -> None:
    _fill(engine, [4])
    conn = engine.connect()
    with conn.begin() as tx:
        SqlLog(conn).append([_event(100)])
        tx.rollback()
    conn.close()
    with engine.connect() as conn:
        assert SqlLog(conn).size() == 4
        SqlLog(conn).verify_all(VERIFIER)


def test_checkpoints_and_cosignatures(engine: Engine) -> None:
    _fill(engine, [5])
    witness = cosigner("jpn.gsomia.example/witness", Ed25519PrivateKey.generate())
    witness_verifier = verifier_from_key(witness.verifier_key())
    with engine.begin() as conn:
        log = SqlLog(conn)
        signed = checkpoints.issue(conn, KEY, origin=ORIGIN, now=1)
        assert log.latest_checkpoint() == signed
        line = witness.cosign(signed.note.text.encode(), 1_800_000_123)
        [accepted] = accept_cosignatures(signed.note.text, [line], witness_verifier)
        checkpoints.add_cosignature(conn, 5, accepted)
        other = witness.cosign(b"another text\n", 1)
        with pytest.raises(VerificationError):
            accept_cosignatures(signed.note.text, [other], witness_verifier)
        with pytest.raises(NotFound):
            checkpoints.add_cosignature(conn, 6, line)
        note = parse_note(log.cosigned_checkpoint(5).to_bytes())
        opened = open_note(note, [VERIFIER, witness_verifier])
        assert {s.name for s in opened.verified} == {ORIGIN, witness.name}


def _tamper(engine: Engine, statement: object) -> None:
    with engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]


def _first_bad(engine: Engine) -> TamperedLog:
    with engine.connect() as conn, pytest.raises(TamperedLog) as caught:
        SqlLog(conn).verify_all(VERIFIER, origin=ORIGIN)
    return caught.value


def _entry(engine: Engine, index: int) -> bytes:
    with engine.connect() as conn:
        row = conn.execute(select(log_leaves.c.entry).where(log_leaves.c.idx == index)).one()
        return bytes(row.entry)


@pytest.mark.parametrize("index", [0, 9, 20])
def test_edited_entry_is_named(engine: Engine, index: int) -> None:
    _fill(engine, [8, 13])
    edited = _entry(engine, index).replace(b"officer", b"intruder")
    _tamper(engine, update(log_leaves).where(log_leaves.c.idx == index).values(entry=edited))
    assert _first_bad(engine).index == index


@pytest.mark.parametrize("index", [0, 9, 20])
def test_deleted_entry_is_named(engine: Engine, index: int) -> None:
    _fill(engine, [8, 13])
    _tamper(engine, delete(log_leaves).where(log_leaves.c.idx == index))
    assert _first_bad(engine).index == index


def test_reordered_entries_are_named(engine: Engine) -> None:
    _fill(engine, [8, 13])
    third, eleventh = _entry(engine, 3), _entry(engine, 11)
    _tamper(engine, update(log_leaves).where(log_leaves.c.idx == 3).values(entry=eleventh))
    _tamper(engine, update(log_leaves).where(log_leaves.c.idx == 11).values(entry=third))
    assert _first_bad(engine).index == 3


def test_entry_rewritten_with_its_hash_is_caught_by_the_subtree(engine: Engine) -> None:
    _fill(engine, [8, 13])
    forged = _event(999).encode()
    _tamper(
        engine,
        update(log_leaves)
        .where(log_leaves.c.idx == 5)
        .values(entry=forged, leaf_hash=hash_leaf(forged)),
    )
    bad = _first_bad(engine)
    assert bad.index == 4  # the subtree over entries 4..5 no longer matches
    assert "4..5" in bad.message


def test_last_entry_rewritten_with_its_hash_is_caught_by_the_signed_checkpoint(
    engine: Engine,
) -> None:
    _fill(engine, [8, 13])  # size 21: entry 20 is covered by no stored subtree yet
    forged = _event(999).encode()
    _tamper(
        engine,
        update(log_leaves)
        .where(log_leaves.c.idx == 20)
        .values(entry=forged, leaf_hash=hash_leaf(forged)),
    )
    assert _first_bad(engine).index == 8  # after the last checkpoint that still verifies


def test_edited_checkpoint_and_extra_rows(engine: Engine) -> None:
    _fill(engine, [8, 13])
    _tamper(
        engine, update(log_checkpoints).where(log_checkpoints.c.size == 21).values(root=b"x" * 32)
    )
    with engine.connect() as conn:
        SqlLog(conn).verify_all(VERIFIER)  # the root column is a cache; the signed note rules
    with engine.connect() as conn:
        note = conn.execute(select(log_checkpoints.c.note).where(log_checkpoints.c.size == 8)).one()
    forged_note = bytes(note.note).replace(b"\n8\n", b"\n7\n")
    _tamper(
        engine, update(log_checkpoints).where(log_checkpoints.c.size == 8).values(note=forged_note)
    )
    assert "does not verify" in _first_bad(engine).message


def test_damaged_state_row_is_reported(engine: Engine) -> None:
    _fill(engine, [8, 5])
    _tamper(engine, update(log_state).values(frontier=b"short"))
    assert _first_bad(engine).index == 13
    _tamper(engine, update(log_state).values(size=12, frontier=b"z" * 64))
    assert _first_bad(engine).index == 12


def test_stored_subtree_edits_are_named(engine: Engine) -> None:
    _fill(engine, [8, 13], checkpoint_every_batch=False)
    with engine.connect() as conn:
        row = conn.execute(select(log_leaves.c.subtrees).where(log_leaves.c.idx == 7)).one()
    blob = bytes(row.subtrees)  # entry 7 completed the subtrees over 6..7, 4..7 and 0..7
    assert len(blob) == 3 * 32
    edited = blob[:32] + b"y" * 32 + blob[64:]
    _tamper(engine, update(log_leaves).where(log_leaves.c.idx == 7).values(subtrees=edited))
    bad = _first_bad(engine)
    assert bad.index == 4
    assert "4..7" in bad.message


def test_witness_state_is_saved_atomically(engine: Engine) -> None:
    partner = MemoryHashes()
    partner.append([hash_leaf(bytes([i])) for i in range(9)])
    partner_key = ed25519_signer("jpn.gsomia.example/log", Ed25519PrivateKey.generate())

    def checkpoint(size: int) -> bytes:
        return sign_checkpoint(
            Checkpoint(partner_key.name, size, partner.root(size)), partner_key
        ).to_bytes()

    witness = cosigner("kor.gsomia.example/witness", Ed25519PrivateKey.generate())
    partner_verifiers = [verifier_from_key(partner_key.verifier_key())]
    request = AddCheckpoint(0, (), checkpoint(4))
    with engine.begin() as conn:
        state = witnessing.state(conn, request.origin)
        outcome = add_checkpoint(
            request, state=state, log_verifiers=partner_verifiers, cosigner=witness, now=5
        )
        assert not isinstance(outcome, Refused)
        witnessing.save_state(conn, outcome.state, previous=state)
    with engine.begin() as conn:
        log = SqlLog(conn)
        saved = witnessing.state(conn, partner_key.name)
        assert saved == outcome.state
        stale = WitnessState(partner_key.name, 1, saved.root, saved.checkpoint, 5)
        with pytest.raises(Conflict):
            witnessing.save_state(conn, saved, previous=stale)
        rollback = add_checkpoint(
            AddCheckpoint(0, (), checkpoint(2)),
            state=saved,
            log_verifiers=partner_verifiers,
            cosigner=witness,
            now=6,
        )
        assert isinstance(rollback, Refused)
        witnessing.record_refusal(conn, rollback, now=6)
        assert [(r.reason, r.origin) for r in log.refusals()] == [("rollback", partner_key.name)]


def test_proof_bundle_verifies_offline_and_status_shows_witnesses(engine: Engine) -> None:
    _fill(engine, [6], checkpoint_every_batch=False)
    witness = cosigner("jpn.gsomia.example/witness", Ed25519PrivateKey.generate())
    with engine.begin() as conn:
        log = SqlLog(conn)
        with pytest.raises(NotFound, match="no checkpoint covers"):
            log.prove(2)
        signed = checkpoints.issue(conn, KEY, origin=ORIGIN, now=1)
        line = witness.cosign(signed.note.text.encode(), 2)
        witness_verifier = verifier_from_key(witness.verifier_key())
        for accepted in accept_cosignatures(signed.note.text, [line], witness_verifier):
            checkpoints.add_cosignature(conn, 6, accepted)
        bundle = log.prove(2)
        status = log.status()
    assert (status.size, status.checkpoint_size) == (6, 6)
    assert status.cosigned_by == {witness.name: 6}
    again = ProofBundle.from_json(bundle.to_json())
    assert again == bundle
    assert again.verify([VERIFIER], origin=ORIGIN) == _event(2)
    forged = ProofBundle(3, bundle.entry, bundle.proof, bundle.checkpoint)
    with pytest.raises(VerificationError):
        forged.verify([VERIFIER], origin=ORIGIN)
    stranger = verifier_from_key(
        ed25519_signer(ORIGIN, Ed25519PrivateKey.generate()).verifier_key()
    )
    with pytest.raises(VerificationError, match="checkpoint does not verify"):
        bundle.verify([stranger], origin=ORIGIN)
    with pytest.raises(InputError, match="malformed"):
        ProofBundle.from_json('{"format": "gsomia-inclusion-proof/v1", "index": 1}')


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    yield from _postgres()


def _writer(engine: Engine, errors: list[BaseException]) -> None:
    try:
        for _ in range(15):
            with engine.begin() as conn:
                SqlLog(conn).append([_event(7)] * 5)
    except BaseException as exc:  # reported by the test
        errors.append(exc)


@pytest.mark.postgres
def test_concurrent_appenders_serialise_on_postgresql(pg_engine: Engine) -> None:
    """Two writers at once: the state row lock keeps indices dense and the tree whole."""
    _fill(pg_engine, [1], checkpoint_every_batch=False)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer, args=(pg_engine, errors)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with pg_engine.connect() as conn:
        assert SqlLog(conn).verify_all(VERIFIER).size == 1 + 2 * 15 * 5
