"""The node's Merkle log wired in: decisions and receipts logged, checkpoints, witnessing.

In process (the cast of DESIGN.md); the HTTP binding and real processes are tested elsewhere.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import VerificationError
from gsomia.exchange.answers import sign_answers, verify_answers
from gsomia.exchange.witness import RECEIPT_MEMBER, log_origin, parse_size
from gsomia.ledger.audit import TamperedLog
from gsomia.ledger.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.witness import AddCheckpoint
from gsomia.node import audit
from gsomia.node.cosigning import checkpoint_offer, store_cosignatures
from gsomia.node.ledger import verify_log
from gsomia.node.witness import witness_checkpoint
from gsomia.store import checkpoints, witnessing
from gsomia.store.ledger import SqlLog
from gsomia.store.merkle_log import log_leaves
from gsomia.store.tables import access_log
from gsomia.store.witnessing import witness_refusals
from gsomia.treaty.decision import Decision


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("ledger-node"), ("KOR", "JPN"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def _events(cast: Cast, nation: str, kind: EventKind | None = None) -> list[LogEvent]:
    with cast[nation].engine.connect() as conn:
        rows = conn.execute(select(log_leaves.c.entry).order_by(log_leaves.c.idx)).scalars()
        events = [LogEvent.decode(r) for r in rows]
    return [e for e in events if kind is None or e.kind is kind]


@pytest.mark.parametrize(
    ("action", "allowed", "kind"),
    [
        ("publish", True, EventKind.PUBLICATION),
        ("publish", False, EventKind.DECISION),
        ("provide:JPN", True, EventKind.RELEASE),
        ("release", True, EventKind.RELEASE),
        ("receive", True, EventKind.RECEIPT),
        ("receive", False, EventKind.REJECTION),
        ("answer:item", True, EventKind.TRANSFER),
        ("answer:item", False, EventKind.TRANSFER),
        ("read", True, EventKind.DECISION),
        ("read", False, EventKind.DECISION),
    ],
)
def test_each_decision_has_the_kind_of_what_happened(
    action: str, allowed: bool, kind: EventKind
) -> None:
    assert audit.event_kind(action, allowed) is kind


def test_every_decision_goes_to_both_logs_in_one_transaction(cast: Cast) -> None:
    kor = cast["KOR"]
    with kor.engine.connect() as conn:
        before = (SqlLog(conn).size(), conn.execute(select(func.count()).select_from(access_log)))
        size_before, rows_before = before[0], int(before[1].scalar_one())
    item = cast.publish("KOR", "kim")
    cast.release("KOR", "park", item)
    events = _events(cast, "KOR")[size_before:]
    with kor.engine.connect() as conn:
        rows = int(conn.execute(select(func.count()).select_from(access_log)).scalar_one())
    assert len(events) == rows - rows_before
    kinds = [e.kind for e in events if item in e.subjects]
    assert EventKind.PUBLICATION in kinds
    assert EventKind.RELEASE in kinds
    publication = next(e for e in events if e.kind is EventKind.PUBLICATION)
    assert publication.actor == "kim"
    assert publication.body["allowed"] is True
    assert publication.body["article"]


def test_a_failed_transaction_logs_nothing(cast: Cast) -> None:
    kor = cast["KOR"]
    with kor.engine.connect() as conn:
        size = SqlLog(conn).size()
    decision = Decision.allow("test", "Art. 1", "R1")

    def fail_after_logging() -> None:
        with kor.engine.begin() as conn:
            audit.record(
                conn, actor="kim", action="read", subject="y", decision=decision, now=kor.clock()
            )
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        fail_after_logging()
    with kor.engine.connect() as conn:
        assert SqlLog(conn).size() == size


def _received(cast: Cast) -> tuple[str, dict[str, Any]]:
    item = cast.publish("KOR", "kim")
    document, _ = cast.send("KOR", "JPN", cast.release("KOR", "park", item))
    return item, document


def test_a_receipt_proves_the_receivers_event_under_its_checkpoint(cast: Cast) -> None:
    item, document = _received(cast)
    [entry] = verify_answers(document, signer=cast["KOR"].peer_card("JPN"))  # type: ignore[arg-type]
    member = entry["answer"][RECEIPT_MEMBER]
    event = LogEvent.decode(base64.b64decode(member["entry"]))
    assert event.kind is EventKind.RECEIPT
    assert item in event.subjects
    assert entry["answer"]["id"] in event.subjects
    checkpoint = parse_checkpoint(member["checkpoint"].encode())
    assert checkpoint.checkpoint.origin == log_origin(cast["JPN"].card)
    assert member["index"] < checkpoint.checkpoint.size


def _tampered(document: dict[str, Any], change: str) -> dict[str, Any]:
    forged = copy.deepcopy(document)
    member = forged["answers"][0]["answer"][RECEIPT_MEMBER]
    if change == "index":
        member["index"] += 1
    elif change == "proof":
        member["proof"] = member["proof"][1:] or ["AAAA"]
    elif change == "checkpoint":
        member["checkpoint"] = member["checkpoint"].replace("\n", "\nx", 1)
    return forged


@pytest.mark.parametrize("change", ["index", "proof", "checkpoint"])
def test_a_receipt_that_does_not_prove_its_event_is_refused(cast: Cast, change: str) -> None:
    _, document = _received(cast)
    forged = _tampered(document, change)
    # The batch signature covers the answers, so re-sign as the receiver would have to.
    answers = [e["answer"] for e in forged["answers"]]
    resigned = sign_answers(answers, keys=cast["JPN"].keys, now=cast["JPN"].clock())
    with pytest.raises(VerificationError):
        verify_answers(resigned, signer=cast["KOR"].peer_card("JPN"))  # type: ignore[arg-type]


def test_a_receipt_under_another_nodes_key_is_refused(cast: Cast) -> None:
    _, document = _received(cast)
    with pytest.raises(VerificationError):
        verify_answers(document, signer=cast["KOR"].card)


def _checkpoint(cast: Cast, nation: str) -> None:
    node = cast[nation]
    with node.engine.begin() as conn:
        SqlLog(conn).append([LogEvent(EventKind.DECISION, node.clock(), "test", ("tick",), {})])
        checkpoints.issue(
            conn,
            node.ledger.signer,  # type: ignore[arg-type]
            origin=node.ledger.origin,
            now=int(node.clock().timestamp()),
        )


def _witness(cast: Cast, body: bytes) -> tuple[int, bytes]:
    answer = witness_checkpoint(cast["JPN"], body)
    return answer.status, answer.body


def _cosign(cast: Cast) -> int:
    """KOR offers its latest checkpoint to JPN as the keeper does: one retry after a 409."""
    kor, jpn_card = cast["KOR"], cast["JPN"].card
    old = None
    for _ in range(2):
        offer = checkpoint_offer(kor, jpn_card, old)
        assert offer is not None
        size, text, body = offer
        status, answer = _witness(cast, body)
        if status == 409:
            old = parse_size(answer)
            continue
        assert status == 200, answer
        assert store_cosignatures(kor, jpn_card, size, text, answer) == 1
        return size
    raise AssertionError("JPN did not cosign after a retry")


def test_the_partner_cosigns_a_consistent_checkpoint_and_the_log_keeps_it(cast: Cast) -> None:
    kor, jpn_card = cast["KOR"], cast["JPN"].card
    for _ in range(2):  # a first checkpoint, then one that must extend it
        _checkpoint(cast, "KOR")
        size = _cosign(cast)
        assert checkpoint_offer(kor, jpn_card) is None  # up to date
    with kor.engine.connect() as conn:
        assert SqlLog(conn).status().cosigned_by == {log_origin(jpn_card): size}
    with cast["JPN"].engine.connect() as conn:
        assert SqlLog(conn).status().witnessing == {kor.ledger.origin: size}


def test_a_lost_cosignature_gets_the_witness_size_to_retry_from(cast: Cast) -> None:
    kor, jpn_card = cast["KOR"], cast["JPN"].card
    _checkpoint(cast, "KOR")
    _cosign(cast)
    _checkpoint(cast, "KOR")
    offer = checkpoint_offer(kor, jpn_card)
    assert offer is not None
    assert _witness(cast, offer[2])[0] == 200  # cosigned, but the answer never came back
    _checkpoint(cast, "KOR")
    stale = checkpoint_offer(kor, jpn_card)
    assert stale is not None
    status, answer = _witness(cast, stale[2])
    assert status == 409
    assert parse_size(answer) == offer[0]
    assert _cosign(cast) == stale[0]


def _fork_body(cast: Cast, *, grow: int) -> bytes:
    """A checkpoint KOR's key signed over a log rebuilt differently (a fork or a rollback)."""
    kor = cast["KOR"]
    with cast["JPN"].engine.connect() as conn:
        state = witnessing.state(conn, kor.ledger.origin, for_update=False)
    assert state is not None
    rebuilt = Checkpoint(kor.ledger.origin, state.size + grow, b"\x07" * 32)
    signed = sign_checkpoint(rebuilt, kor.ledger.signer)  # type: ignore[arg-type]
    old = state.size if grow >= 0 else 0
    return AddCheckpoint(old, (b"\x01" * 32,), signed.to_bytes()).to_bytes()


@pytest.mark.parametrize(("grow", "status", "reason"), [(3, 422, "fork"), (-1, 409, "rollback")])
def test_a_log_rebuilt_differently_is_refused_with_evidence(
    cast: Cast, grow: int, status: int, reason: str
) -> None:
    _checkpoint(cast, "KOR")
    _cosign(cast)
    jpn = cast["JPN"]
    with jpn.engine.connect() as conn:
        refusals = len(SqlLog(conn).refusals())
    got, _ = _witness(cast, _fork_body(cast, grow=grow))
    assert got == status
    with jpn.engine.connect() as conn:
        stored = SqlLog(conn).refusals()
        evidence = conn.execute(
            select(witness_refusals.c.cosigned, witness_refusals.c.offered).order_by(
                witness_refusals.c.id.desc()
            )
        ).first()
    assert len(stored) == refusals + 1
    assert stored[-1].reason == reason
    assert evidence is not None
    assert evidence.cosigned
    assert evidence.offered
    [event] = _events(cast, "JPN", EventKind.WITNESS)[-1:]
    assert event.body["action"] == f"witness:{reason}"
    assert cast["KOR"].ledger.origin in event.subjects


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not a request", 400),
        (b"old 0\n\nnot a checkpoint\n", 400),
    ],
)
def test_malformed_offers_are_refused(cast: Cast, body: bytes, status: int) -> None:
    assert _witness(cast, body)[0] == status


def test_an_unknown_log_is_not_witnessed(cast: Cast, tmp_path: Path) -> None:
    stranger = build_cast(tmp_path, ("USA",), pin=False)["USA"]
    try:
        with stranger.engine.begin() as conn:
            SqlLog(conn).append([LogEvent(EventKind.DECISION, stranger.clock(), "t", (), {})])
            signed = checkpoints.issue(
                conn,
                stranger.ledger.signer,  # type: ignore[arg-type]
                origin=stranger.ledger.origin,
                now=1,
            )
        body = AddCheckpoint(0, (), signed.to_bytes()).to_bytes()
        assert _witness(cast, body)[0] == 404
    finally:
        stranger.engine.dispose()


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers(-(2**53) + 1, 2**53 - 1)))
def test_decision_events_round_trip(details: dict[str, int]) -> None:
    entry = audit.Entry("kim", "read", "h1", Decision.deny("no", "Art. 7", "R20"), (), details)
    event = audit.to_event(entry, datetime(2026, 11, 27, tzinfo=UTC))
    again = LogEvent.decode(event.encode())
    assert again == event
    assert json.loads(event.encode())["body"]["allowed"] is False


def test_an_entry_moved_across_a_checkpoint_is_named_itself(tmp_path: Path) -> None:
    """A checkpoint only bounds the damage; the stored subtrees then name the entry (k = 2)."""
    node = build_cast(tmp_path, ("USA",), pin=False)["USA"]
    signer, origin = node.ledger.signer, node.ledger.origin
    assert signer is not None
    verifier = node.ledger.require_verifier()
    try:
        with node.engine.begin() as conn:
            log = SqlLog(conn)
            events = [
                LogEvent(EventKind.DECISION, node.clock(), "t", (f"e{i}",), {}) for i in range(6)
            ]
            log.append(events[:3])
            checkpoints.issue(conn, signer, origin=origin, now=1)  # size 3: entries 0..2
            log.append(events[3:])
            checkpoints.issue(conn, signer, origin=origin, now=2)
        with node.engine.begin() as conn:
            rows = {r.idx: r for r in conn.execute(select(log_leaves))}
            for a, b in ((2, 3), (3, 2)):
                conn.execute(
                    update(log_leaves)
                    .where(log_leaves.c.idx == a)
                    .values(entry=rows[b].entry, leaf_hash=rows[b].leaf_hash)
                )
        with node.engine.connect() as conn:
            with pytest.raises(TamperedLog) as bounded:
                SqlLog(conn).verify_all(verifier, origin=origin)
            with pytest.raises(TamperedLog) as exact:
                verify_log(conn, verifier, origin=origin)
        assert bounded.value.index == 0  # the library's bound: after the last good checkpoint
        assert exact.value.index == 2
    finally:
        node.engine.dispose()


def test_a_fork_is_pushed_to_connected_officers_only(tmp_path: Path) -> None:
    # Its own nodes: the alert broker is bound to this test's event loop, which then closes.
    cast = build_cast(tmp_path, ("KOR", "JPN"))
    _checkpoint(cast, "KOR")
    _cosign(cast)
    jpn = cast["JPN"]
    body = _fork_body(cast, grow=2)

    async def watch() -> tuple[dict[str, Any], bool]:
        jpn.alerts.bind(asyncio.get_running_loop())
        async with (
            jpn.alerts.subscribe("tanaka") as officer,
            jpn.alerts.subscribe("sato") as analyst,
        ):
            await asyncio.to_thread(witness_checkpoint, jpn, body)
            alert = await asyncio.wait_for(officer.get(), timeout=5)
            await asyncio.sleep(0.05)
            return alert, analyst.empty()

    try:
        alert, analyst_saw_nothing = asyncio.run(watch())
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()
    assert alert["alert"] == "log-fork"
    assert alert["partner"] == "KOR"
    assert alert["origin"] == cast["KOR"].ledger.origin
    assert analyst_saw_nothing


def test_a_receipt_proving_some_other_event_of_the_receiver_is_refused(cast: Cast) -> None:
    _, document = _received(cast)
    jpn = cast["JPN"]
    with jpn.engine.connect() as conn:
        member = document["answers"][0]["answer"][RECEIPT_MEMBER]
        other = SqlLog(conn).entry(member["index"] - 1)
        index = member["index"] - 1
        size = parse_checkpoint(member["checkpoint"].encode()).checkpoint.size
        proof = SqlLog(conn).inclusion_proof(index, size)
    forged = copy.deepcopy(document)
    forged["answers"][0]["answer"][RECEIPT_MEMBER] |= {
        "index": index,
        "entry": base64.b64encode(other.encode()).decode(),
        "proof": [base64.b64encode(h).decode() for h in proof],
    }
    answers = [e["answer"] for e in forged["answers"]]
    resigned = sign_answers(answers, keys=jpn.keys, now=jpn.clock())
    with pytest.raises(VerificationError, match="another event"):
        verify_answers(resigned, signer=cast["KOR"].peer_card("JPN"))  # type: ignore[arg-type]


def _count(cast: Cast, nation: str, table: Any) -> int:
    with cast[nation].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_checkpoint_with_a_bad_signature_is_counted_never_stored(cast: Cast) -> None:
    """Issue 13: anyone could append to JPN's log, in KOR's name, by offering KOR's checkpoint
    under a signature that does not verify. Now nothing is written and nothing attributed."""
    _checkpoint(cast, "KOR")
    offer = checkpoint_offer(cast["KOR"], cast["JPN"].card, 0)
    assert offer is not None
    head, _, signature = offer[2].rstrip(b"\n").rpartition(b" ")
    flipped = signature[:-10] + (b"A" if signature[-10:-9] != b"A" else b"B") + signature[-9:]
    forged = head + b" " + flipped + b"\n"
    tables = (log_leaves, witness_refusals, access_log)
    before = [_count(cast, "JPN", t) for t in tables]
    for _ in range(5):
        assert _witness(cast, forged)[0] == 403
    assert [_count(cast, "JPN", t) for t in tables] == before
    text = cast["JPN"].metrics.exposition(cast["JPN"].reader).decode()
    assert 'gsomia_witness_refusals_total{reason="bad_signature"} 5.0' in text
    assert "KOR" not in text.split("gsomia_witness_refusals_total", 1)[1].split("\n# ")[0]
