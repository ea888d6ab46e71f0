"""Loss or compromise between real nodes: FLASH to the originator, findings, close (R37)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.node import consent_fixtures
from tests.node.node_fixtures import Cast, batch_of

from gsomia.errors import Conflict, NotFound, PolicyDenied
from gsomia.exchange import outbox as outbox_queue
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import Kind
from gsomia.node.control import compromise, investigation, loss_report, messages
from gsomia.node.receive import receive_batch
from gsomia.node.runtime import Node
from gsomia.store import cases as stored_cases
from gsomia.store.tables import access_log, case_steps, cases, outbox
from gsomia.treaty.items import Precedence


def _held_by_jpn(cast: Cast) -> str:
    item_id = cast.publish("KOR", "kim", title="lost track")
    cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    return item_id


def _report(cast: Cast, item_id: str, *, actual: bool = False) -> dict[str, Any]:
    return loss_report.report(
        cast["JPN"], cast.user("JPN", "sato"), item_id, "briefcase left on a train", actual=actual
    )


def _pin_clocks(cast: Cast, monkeypatch: pytest.MonkeyPatch, *, delay: timedelta) -> None:
    """JPN reports at a fixed moment and KOR's node receives `delay` later (no wall clock)."""
    reported = cast["JPN"].clock()
    monkeypatch.setattr(cast["JPN"], "clock", lambda: reported)
    monkeypatch.setattr(cast["KOR"], "clock", lambda: reported + delay)


def test_a_report_reaches_the_originator_at_flash_and_the_delay_is_recorded(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = _held_by_jpn(cast)
    _pin_clocks(cast, monkeypatch, delay=timedelta(seconds=7))
    case = _report(cast, item_id, actual=True)
    assert (case["status"], case["originator"], case["reported_by"]) == ("reported", "KOR", "sato")
    assert case["notified_at"] is None
    assert case["notification_seconds"] is None
    with cast["JPN"].engine.connect() as conn:
        [(priority, _)] = conn.execute(
            select(outbox.c.priority, outbox.c.kind).where(
                outbox.c.kind == "compromise_report", outbox.c.item_id == item_id
            )
        )
    assert priority == int(Precedence.FLASH) - int(Precedence.FLASH) == 0

    assert cast.deliver("JPN", "KOR") >= 1
    theirs = compromise.get_case(cast["KOR"], cast.user("KOR", "park"), case["id"])
    assert (theirs["side"], theirs["holder"], theirs["status"]) == (
        "originator",
        "JPN",
        "originator_notified",
    )
    ours = compromise.get_case(cast["JPN"], cast.user("JPN", "tanaka"), case["id"])
    assert ours["status"] == "originator_notified"
    # The notification time is the originator's receipt, from its signed answer.
    assert ours["notified_at"] == theirs["notified_at"]
    assert ours["notification_seconds"] == 7  # the originator's receipt time, not ours
    assert ours["within_sla"] is True
    assert [s["step"] for s in ours["steps"]] == ["reported", "originator_notified"]
    assert ours["steps"][1]["signed"]
    # The report is a loss report in the log (R39).
    assert any(r["action"] == "report_compromise" for r in cast.log("JPN", case["id"]))


def test_a_notification_later_than_the_limit_is_shown_as_such(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = _held_by_jpn(cast)
    _pin_clocks(cast, monkeypatch, delay=timedelta(minutes=11))
    case = _report(cast, item_id)
    cast.deliver("JPN", "KOR")
    ours = compromise.get_case(cast["JPN"], cast.user("JPN", "tanaka"), case["id"])
    assert ours["notification_seconds"] == 660 > ours["sla_seconds"]
    assert ours["within_sla"] is False


def test_anyone_may_report_even_a_possibility(cast: Cast) -> None:
    item_id = _held_by_jpn(cast)
    for name in ("suzuki", "nakamura"):  # below the level, or no need-to-know: still a reporter
        case = loss_report.report(
            cast["JPN"], cast.user("JPN", name), item_id, "possible exposure", actual=False
        )
        assert case["actual"] is False
        assert case["reported_by"] == name


def test_a_report_must_name_something_held_and_describe_it(cast: Cast) -> None:
    with pytest.raises(NotFound, match="no holding or item"):
        _report(cast, "no-such-thing")
    item_id = _held_by_jpn(cast)
    with pytest.raises(Exception, match="describe the loss"):
        loss_report.report(cast["JPN"], cast.user("JPN", "sato"), item_id, "  ", actual=True)


def test_the_case_closes_only_after_the_originator_acknowledged_the_findings(cast: Cast) -> None:
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    case = _report(cast, _held_by_jpn(cast))
    # Before the originator even has the report: no findings yet, no closing.
    with pytest.raises(Conflict, match="is reported"):
        investigation.record_findings(jpn, tanaka, case["id"], result="r", measures="m")
    with pytest.raises(PolicyDenied, match="must first be sent to the originator") as refused:
        investigation.close(jpn, tanaka, case["id"])
    assert refused.value.article == "Art. 17"
    cast.deliver("JPN", "KOR")

    # Only an officer investigates (Action.INVESTIGATE), and both parts are needed.
    with pytest.raises(PolicyDenied, match="investigate"):
        investigation.record_findings(
            jpn, cast.user("JPN", "sato"), case["id"], result="r", measures="m"
        )
    with pytest.raises(Exception, match="measures"):
        investigation.record_findings(jpn, tanaka, case["id"], result="found", measures=" ")

    sent = investigation.record_findings(
        jpn, tanaka, case["id"], result="left on a train; recovered sealed", measures="two-person"
    )
    assert sent["status"] == "investigating"
    assert sent["findings_pending"]
    # Sent but not yet acknowledged: still refused, with the reason and article.
    with pytest.raises(PolicyDenied, match="must first be sent") as refused:
        investigation.close(jpn, tanaka, case["id"])
    assert refused.value.article == "Art. 17"
    denials = [r for r in cast.log("JPN", case["id"]) if r["action"] == "close_compromise"]
    assert denials
    assert not any(r["allowed"] for r in denials)
    assert denials[0]["article"] == "Art. 17 R37"

    cast.deliver("JPN", "KOR")
    theirs = compromise.get_case(cast["KOR"], cast.user("KOR", "park"), case["id"])
    assert theirs["status"] == "findings_sent"
    assert (theirs["findings"], theirs["measures"]) == (
        "left on a train; recovered sealed",
        "two-person",
    )
    closed = investigation.close(jpn, tanaka, case["id"])
    assert closed["status"] == "closed"
    assert closed["closed_at"]
    assert closed["findings_sent_at"] == theirs["findings_sent_at"]
    cast.deliver("JPN", "KOR")
    assert (
        compromise.get_case(cast["KOR"], cast.user("KOR", "park"), case["id"])["status"] == "closed"
    )
    with pytest.raises(Conflict):
        investigation.close(jpn, tanaka, case["id"])


def test_the_originator_does_not_investigate_or_close_the_holders_case(cast: Cast) -> None:
    case = _report(cast, _held_by_jpn(cast))
    cast.deliver("JPN", "KOR")
    kor, park = cast["KOR"], cast.user("KOR", "park")
    with pytest.raises(PolicyDenied, match="the holder investigates"):
        investigation.record_findings(kor, park, case["id"], result="r", measures="m")
    with pytest.raises(PolicyDenied, match="which investigates it"):
        investigation.close(kor, park, case["id"])


def test_a_loss_of_an_own_item_notifies_its_own_officers_on_the_spot(cast: Cast) -> None:
    kor = cast["KOR"]
    item_id = cast.publish("KOR", "kim", title="own draft")

    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
        kor.alerts.bind(asyncio.get_running_loop())
        async with kor.alerts.subscribe("park") as park, kor.alerts.subscribe("kim") as kim:
            case = await asyncio.to_thread(
                loss_report.report, kor, cast.user("KOR", "kim"), item_id, "lost USB", actual=True
            )
            alert = await asyncio.wait_for(park.get(), timeout=5)
            await asyncio.sleep(0)
            return case, [alert], kim.empty()

    case, [alert], analyst_saw_nothing = asyncio.run(scenario())
    assert case["status"] == "originator_notified"
    assert case["notification_seconds"] == 0
    assert (alert["alert"], alert["case"], alert["precedence"]) == (
        "compromise",
        case["id"],
        "FLASH",
    )
    assert analyst_saw_nothing
    park = cast.user("KOR", "park")
    investigation.record_findings(kor, park, case["id"], result="found", measures="locks")
    assert investigation.close(kor, park, case["id"])["status"] == "closed"


def test_the_originators_officers_are_alerted_when_the_report_arrives(cast: Cast) -> None:
    kor = cast["KOR"]
    item_id = _held_by_jpn(cast)
    case = _report(cast, item_id)

    async def scenario() -> dict[str, Any]:
        kor.alerts.bind(asyncio.get_running_loop())
        async with kor.alerts.subscribe("park") as park:
            await asyncio.to_thread(cast.deliver, "JPN", "KOR")
            alert: dict[str, Any] = await asyncio.wait_for(park.get(), timeout=5)
            return alert

    alert = asyncio.run(scenario())
    assert (alert["case"], alert["holder"], alert["item"]) == (case["id"], "JPN", item_id)


def test_a_report_is_refused_when_the_sender_is_not_the_holder_it_names(cast: Cast) -> None:
    item_id = _held_by_jpn(cast)
    jpn = cast["JPN"]
    now = jpn.clock()
    with jpn.engine.begin() as conn:
        message_id = messages.send(
            conn,
            jpn,
            kind=Kind.COMPROMISE_REPORT,
            peer="KOR",
            document={
                "case_id": "forged-1",
                "item_ids": [item_id],
                "originator": "KOR",
                "holder": "USA",
                "reported_by": "sato",
                "reported_at": now.isoformat(),
                "actual": True,
                "circumstances": "not ours to report",
            },
            precedence=Precedence.FLASH,
            now=now,
        )
    cast.deliver("JPN", "KOR")
    with jpn.engine.connect() as conn:
        settled = outbox_queue.settled(conn, jpn.keys, message_id)
    assert settled is not None
    state, answer = settled.state, settled.answer or {}
    assert state == "rejected"
    # A peer speaking for another party: one fault, one error (exchange.incoming.require_party).
    assert "JPN cannot speak for USA, the holder" in answer["answer"]["reason"]
    assert answer["answer"]["article"] == "Art. 9"
    with cast["KOR"].engine.connect() as conn:
        assert not conn.execute(
            select(case_steps).where(case_steps.c.case_id == "forged-1")
        ).first()
        refusals = conn.execute(
            select(access_log).where(
                access_log.c.action == "receive:compromise_report", ~access_log.c.allowed
            )
        ).all()
    assert refusals


# The reporter's case learns of the originator's answers when they settle --------------------


def _stored(cast: Cast, case_id: str) -> tuple[str, datetime, list[tuple[str, bool]]]:
    """The JPN case row as stored: (status, updated_at, [(step, signed)])."""
    with cast["JPN"].engine.connect() as conn:
        status, updated = conn.execute(
            select(cases.c.status, cases.c.updated_at).where(cases.c.id == case_id)
        ).one()
        steps = conn.execute(
            select(case_steps.c.step, case_steps.c.signature)
            .where(case_steps.c.case_id == case_id)
            .order_by(case_steps.c.id)
        ).all()
    return status, updated, [(s, signature is not None) for s, signature in steps]


def test_the_case_is_brought_up_to_date_when_the_answer_settles(cast: Cast) -> None:
    case = _report(cast, _held_by_jpn(cast))
    assert _stored(cast, case["id"])[0] == "reported"
    cast.deliver("JPN", "KOR")  # nothing reads the case: the settled answer alone moves it
    status, _, steps = _stored(cast, case["id"])
    assert status == "originator_notified"
    assert steps == [("reported", False), ("originator_notified", True)]


def test_reading_a_case_writes_nothing_and_an_act_takes_an_answer_it_missed(cast: Cast) -> None:
    """An answer settled without the hook (before it existed, or while it failed) is taken up
    when the officer next acts on the case; a read shows the case as stored."""
    jpn = cast["JPN"]
    case = _report(cast, _held_by_jpn(cast))
    with jpn.engine.begin() as conn:
        due = [p for p in outbox_queue.due(conn, jpn.clock(), 100) if p.peer == "KOR"]
    document, _ = receive_batch(cast["KOR"], "JPN", batch_of(jpn, cast["KOR"], due))
    entries = {e["answer"]["id"]: e for e in verify_answers(document, signer=cast["KOR"].card)}
    with jpn.engine.begin() as conn:  # the outbox alone, as an older node settled it
        outbox_queue.settle(
            conn, jpn.keys, [(p.id, "received", entries[p.message_id]) for p in due], jpn.clock()
        )
    before = _stored(cast, case["id"])
    tanaka = cast.user("JPN", "tanaka")
    assert compromise.get_case(jpn, tanaka, case["id"])["status"] == "reported"
    assert [c["status"] for c in compromise.list_cases(jpn, tanaka) if c["id"] == case["id"]] == [
        "reported"
    ]
    assert _stored(cast, case["id"]) == before
    sent = investigation.record_findings(jpn, tanaka, case["id"], result="found", measures="locks")
    assert sent["status"] == "investigating"
    assert sent["notified_at"] is not None
    assert [s for s, _ in _stored(cast, case["id"])[2]] == [
        "reported",
        "originator_notified",
        "findings_sent",
    ]


def _kept_for(node: Node, case_id: str, counterpart: str) -> None:
    """The case as `node` keeps it for another counterpart: the column and the document sealed
    for it, as the node itself would write them (the column changed alone is damage, ADR 0134)."""
    with node.engine.begin() as conn:
        kind = conn.execute(select(cases.c.kind).where(cases.c.id == case_id)).scalar_one()
        case = stored_cases.find(conn, kind, case_id, keys=node.keys)
        assert case is not None
        document = stored_cases.sealed_case(
            node.keys,
            case_id,
            kind,
            case.document,
            status=case.status,
            item_id=case.item_id,
            originator=case.originator,
            counterpart=counterpart,
            opened_by=case.opened_by,
        )
        conn.execute(
            update(cases)
            .where(cases.c.id == case_id)
            .values(counterpart=counterpart, document=document)
        )


def test_findings_the_originator_refuses_are_kept_as_refused_and_may_be_sent_again(
    cast: Cast,
) -> None:
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    case = _report(cast, _held_by_jpn(cast))
    cast.deliver("JPN", "KOR")
    investigation.record_findings(jpn, tanaka, case["id"], result="found", measures="locks")
    kor = cast["KOR"]
    # KOR's node no longer knows the case as JPN's (its row names another holder): it refuses.
    _kept_for(kor, case["id"], "USA")
    try:
        [answer] = consent_fixtures.deliver(cast, "JPN", "KOR")
    finally:
        _kept_for(kor, case["id"], "JPN")
    assert answer["status"] == "rejected"
    status, _, steps = _stored(cast, case["id"])
    assert status == "investigating"
    assert steps[-1] == ("findings_refused", True)
    shown = compromise.get_case(jpn, tanaka, case["id"])
    assert "KOR refused the findings" in shown["refusal"]
    assert shown["findings_pending"] is False
    refused = [
        r for r in cast.log("JPN", case["id"]) if r["action"] == "compromise_findings_refused"
    ]
    assert refused
    assert not refused[0]["allowed"]
    with pytest.raises(PolicyDenied, match="must first be sent"):
        investigation.close(jpn, tanaka, case["id"])
    # Sent again, acknowledged this time: then it closes.
    investigation.record_findings(jpn, tanaka, case["id"], result="found", measures="locks")
    cast.deliver("JPN", "KOR")
    assert _stored(cast, case["id"])[0] == "findings_sent"
    assert investigation.close(jpn, tanaka, case["id"])["status"] == "closed"
