"""Agreement lifecycle steps recorded by one party's officer reach the other's node (R41–R45)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from tests.node.node_fixtures import Cast, Clock, batch_of, build_cast, sealed

from gsomia.errors import Conflict, PolicyDenied
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import AGREEMENT_EVENT_HEADER, Kind
from gsomia.node import agreements
from gsomia.node.control import messages
from gsomia.node.receive import receive_batch
from gsomia.seal import cbor
from gsomia.seal.sealed import Plain
from gsomia.store.tables import agreement_events
from gsomia.store.tables import outbox as outbox_table
from gsomia.treaty.lifecycle import Event, EventKind, State
from gsomia.treaty.records import event_to_json

NOTICE = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 20), "note verbale 2026-08-20", "KOR")


@pytest.fixture
def pair(tmp_path: Path) -> Cast:
    return build_cast(tmp_path / "pair", ("KOR", "JPN"))


def _deliver(cast: Cast, sender: str, receiver: str) -> list[dict[str, object]]:
    node = cast[sender]
    with node.engine.begin() as conn:
        due = outbox.due(conn, node.clock(), 100)
    rows = [p for p in due if p.peer == receiver]
    document, _ = receive_batch(cast[receiver], sender, batch_of(node, cast[receiver], rows))
    return [e["answer"] for e in verify_answers(document, signer=cast[receiver].card)]


def test_a_termination_notice_reaches_the_partner_and_both_hold_the_same_record(
    pair: Cast,
) -> None:
    park = pair.user("KOR", "park")
    updated = agreements.record_event(pair["KOR"], park, "KOR-JPN-2016", NOTICE)
    assert updated.status_at(date(2026, 9, 1)).state is State.TERMINATION_NOTIFIED
    [answer] = _deliver(pair, "KOR", "JPN")
    assert answer["status"] == "received"
    kor, jpn = pair["KOR"].agreement("KOR-JPN-2016"), pair["JPN"].agreement("KOR-JPN-2016")
    assert kor.history == jpn.history
    # The notice of 20 Aug 2026 is in time for the 23 Nov 2026 anniversary (R42).
    assert jpn.status_at(date(2026, 11, 24)).state is State.TERMINATED
    assert [a["status"] for a in _deliver(pair, "KOR", "JPN")] == ["received"]  # repeat: once
    with pair["JPN"].engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(agreement_events)).scalar_one()
    assert count == 1


def test_a_party_records_only_its_own_acts(pair: Cast) -> None:
    jpn_notice = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 20), "note", "JPN")
    with pytest.raises(PolicyDenied, match="each party records its own acts"):
        agreements.record_event(pair["KOR"], pair.user("KOR", "park"), "KOR-JPN-2016", jpn_notice)


def test_an_illegal_step_is_refused_with_the_lifecycle_reason(pair: Cast) -> None:
    withdrawal = Event(EventKind.NOTICE_WITHDRAWN, date(2026, 8, 20), "note", "KOR")
    with pytest.raises(Conflict):
        agreements.record_event(pair["KOR"], pair.user("KOR", "park"), "KOR-JPN-2016", withdrawal)


def test_an_analyst_cannot_record_a_step(pair: Cast) -> None:
    with pytest.raises(PolicyDenied, match="needs the role"):
        agreements.record_event(pair["KOR"], pair.user("KOR", "kim"), "KOR-JPN-2016", NOTICE)


def test_after_termination_new_provisions_are_refused_on_both_sides(tmp_path: Path) -> None:
    """On the nodes' own clock, not the day the suite runs: before the 23 Nov 2026 anniversary
    KOR provides; after it KOR refuses to, and JPN refuses what KOR queued before it (R44)."""
    clock = Clock(datetime(2026, 8, 20, 9, tzinfo=UTC))
    pair = build_cast(tmp_path / "clocked", ("KOR", "JPN"), clock=clock)
    agreements.record_event(pair["KOR"], pair.user("KOR", "park"), "KOR-JPN-2016", NOTICE)
    _deliver(pair, "KOR", "JPN")
    for nation in ("KOR", "JPN"):
        after = pair[nation].agreement("KOR-JPN-2016").status_at(date(2026, 12, 1))
        assert (after.state, after.termination_effective) == (State.TERMINATED, date(2026, 11, 23))
    clock.now = datetime(2026, 11, 22, 9, tzinfo=UTC)
    [before] = pair.release("KOR", "park", pair.publish("KOR", "kim"))
    assert before.decision.allowed, before.decision.reason
    [late] = pair.release("KOR", "park", pair.publish("KOR", "kim"))
    clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    [refused] = pair.release("KOR", "park", pair.publish("KOR", "kim"))
    assert not refused.decision.allowed
    assert (refused.decision.requirement, refused.decision.article) == ("R44", "Art. 21")
    document, _ = receive_batch(
        pair["JPN"], "KOR", batch_of(pair["KOR"], pair["JPN"], pair_due(pair, late.message_id))
    )
    [answer] = [e["answer"] for e in verify_answers(document, signer=pair["JPN"].card)]
    assert answer["status"] == "rejected"
    assert "has terminated; no new provision" in answer["reason"]


def test_a_notice_after_the_deadline_does_not_end_the_agreement_at_the_next_anniversary(
    tmp_path: Path,
) -> None:
    """R42 refused: a notice received on 25 Aug 2026, after the deadline (end of 24 Aug for the
    23 Nov anniversary), takes effect only on 23 Nov 2027; on 1 Dec 2026 KOR still provides."""
    clock = Clock(datetime(2026, 8, 25, 9, tzinfo=UTC))
    pair = build_cast(tmp_path / "late", ("KOR", "JPN"), clock=clock)
    late = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 25), "note verbale 2026-08-25", "KOR")
    agreements.record_event(pair["KOR"], pair.user("KOR", "park"), "KOR-JPN-2016", late)
    _deliver(pair, "KOR", "JPN")
    for nation in ("KOR", "JPN"):
        status = pair[nation].agreement("KOR-JPN-2016").status_at(date(2026, 12, 1))
        assert status.state is State.TERMINATION_NOTIFIED
        assert status.termination_effective == date(2027, 11, 23)
    clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    [outcome] = pair.release("KOR", "park", pair.publish("KOR", "kim"))
    assert outcome.decision.allowed, outcome.decision.reason


def pair_due(pair: Cast, message_id: str | None) -> list[outbox.Pending]:
    with pair["KOR"].engine.begin() as conn:
        due = outbox.due(conn, pair["KOR"].clock(), 100)
    return [p for p in due if p.message_id == message_id]


def test_another_envelope_under_a_steps_message_id_cannot_pre_empt_it(pair: Cast) -> None:
    """KOR's envelope of another message, sent under the id of KOR's step, is not that step:
    answered, not remembered (it used to be, and the genuine step then got its refusal)."""
    kor, jpn = pair["KOR"], pair["JPN"]
    with kor.engine.begin() as conn:
        messages.send(
            conn, kor, kind=Kind.DISPUTE_CONSULTATION, peer="JPN", document={}, now=kor.clock()
        )
        [other] = outbox.due(conn, kor.clock(), 100)
        conn.execute(delete(outbox_table))
    agreements.record_event(kor, pair.user("KOR", "park"), "KOR-JPN-2016", NOTICE)
    with kor.engine.begin() as conn:
        [step] = outbox.due(conn, kor.clock(), 100)
    raw = cbor.loads(batch_of(kor, jpn, [other]), what="batch", limit=1 << 24)
    raw["msgs"][0]["id"] = step.message_id  # the other message's ciphertext, the step's id
    document, _ = receive_batch(jpn, "KOR", cbor.dumps(raw))
    [entry] = verify_answers(document, signer=jpn.card)
    assert entry["answer"]["status"] == "rejected"
    assert [a["status"] for a in _deliver(pair, "KOR", "JPN")] == ["received"]
    assert jpn.agreement("KOR-JPN-2016").history == kor.agreement("KOR-JPN-2016").history


def test_a_step_that_is_not_what_it_says_is_refused_under_art_21(pair: Cast) -> None:
    """A lifecycle step is a diplomatic note (Art. 21), not a transmission of CMI (Art. 9): a
    message that says it is a step but does not carry one is answered under the notes' article,
    and changes nothing. (One that does not open at all cannot say what it is: Art. 9.)"""
    jpn = pair["JPN"]
    wrong = Plain(
        "step-mislabelled",
        Kind.AGREEMENT_EVENT,
        {"type": "gsomia-item/1"},
        b"{}",
        "application/json",
    )
    document, _ = receive_batch(jpn, "KOR", sealed(pair["KOR"], jpn, wrong))
    [entry] = verify_answers(document, signer=jpn.card)
    assert (entry["answer"]["status"], entry["answer"]["article"]) == ("rejected", "Art. 21")
    assert jpn.agreement("KOR-JPN-2016").history == jpn.agreements.get("KOR-JPN-2016").history


def _step_from_kor(message_id: str, content: bytes) -> Plain:
    """A step KOR's node signs for JPN's, whatever it says."""
    header = {"type": AGREEMENT_EVENT_HEADER, "agreement": "KOR-JPN-2016"}
    return Plain(message_id, Kind.AGREEMENT_EVENT, header, content, "application/json")


def test_a_partners_step_that_cannot_be_applied_is_refused_under_r43(pair: Cast) -> None:
    """A step the lifecycle forbids, and one that cannot be read, are answered rejected with
    the reason, logged as R43 denials, and change nothing."""
    jpn = pair["JPN"]
    withdrawal = Event(EventKind.NOTICE_WITHDRAWN, date(2026, 8, 20), "note", "KOR")
    sent = [
        _step_from_kor("step-forbidden", json.dumps(event_to_json(withdrawal)).encode()),
        _step_from_kor("step-unreadable", b"{not json"),
    ]
    before = jpn.agreement("KOR-JPN-2016").history
    document, _ = receive_batch(jpn, "KOR", sealed(pair["KOR"], jpn, *sent))
    forbidden, unreadable = [e["answer"] for e in verify_answers(document, signer=jpn.card)]
    assert (forbidden["status"], forbidden["article"]) == ("rejected", "Art. 21")
    assert "no termination notice to act on" in forbidden["reason"]
    assert (unreadable["status"], unreadable["article"]) == ("rejected", "Art. 21")
    assert unreadable["reason"].startswith("malformed event")
    assert jpn.agreement("KOR-JPN-2016").history == before
    logged = [e for e in pair.log("JPN", "KOR-JPN-2016") if e["action"] == "agreement_event"]
    assert [(e["allowed"], e["article"]) for e in logged] == [(False, "Art. 21 R43")] * 2


def test_an_agreement_is_kept_between_items_and_forgotten_when_a_step_arrives(
    pair: Cast,
) -> None:
    """Not replayed for each item received (issue 14), yet a step recorded is seen at once."""
    jpn = pair["JPN"]
    kept = jpn.agreement("KOR-JPN-2016")
    assert jpn.agreement("KOR-JPN-2016") is kept
    day = date(2026, 11, 24)
    assert kept.status_at(day) is kept.status_at(day)  # the replay's answer, remembered
    assert kept.status_at(day).state is not State.TERMINATED
    agreements.record_event(pair["KOR"], pair.user("KOR", "park"), "KOR-JPN-2016", NOTICE)
    assert [a["status"] for a in _deliver(pair, "KOR", "JPN")] == ["received"]
    now = jpn.agreement("KOR-JPN-2016")
    assert now is not kept
    assert now.status_at(day).state is State.TERMINATED
