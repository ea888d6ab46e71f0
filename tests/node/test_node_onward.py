"""Onward release with the originator's consent between KOR, JPN and USA (R12, R21).

KOR provides a FLASH item to JPN (極秘). JPN may pass it to USA only with KOR's consent, under
the JPN–USA agreement; USA verifies KOR's signature on the consent itself, re-marks SECRET, and
KOR sees KOR → JPN → USA.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.node.consent_fixtures import (
    asked,
    deliver,
    granted,
    holding_of,
    later,
    provided,
)
from tests.node.node_fixtures import Cast, batch_of, build_cast

from gsomia.errors import PolicyDenied
from gsomia.exchange import outbox as queue
from gsomia.exchange.answers import verify_answers
from gsomia.node import agreements
from gsomia.node.control import (
    consent_cases,
    consent_decisions,
    custody_chain,
    handover,
    onward,
)
from gsomia.node.receive import receive_batch
from gsomia.seal import sign_document, verify_document
from gsomia.store import cases as stored_cases
from gsomia.store import holdings as stored_holdings
from gsomia.store.tables import cases, holdings, outbox, transfers
from gsomia.treaty.lifecycle import Event, EventKind


def _onward(cast: Cast, holding_id: str, case_id: str, to: str = "USA") -> dict[str, object]:
    return onward.release_onward_to(
        cast["JPN"], cast.user("JPN", "tanaka"), holding_id, to, case_id
    )


def test_with_consent_usa_holds_it_secret_and_kor_sees_the_path(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    result = _onward(cast, holding_id, case_id)
    transfer = result["transfer"]
    assert isinstance(transfer, dict)
    assert (transfer["from"], transfer["to"], transfer["level"]) == ("JPN", "USA", "SECRET")
    assert transfer["basis"] == "JPN-USA-2007"
    [answer] = deliver(cast, "JPN", "USA")
    assert (answer["status"], answer["marked"]) == ("received", "SECRET")
    held = holding_of(cast, "USA", item_id)
    assert held is not None
    assert (held["local_level"], held["sender"], held["originator"]) == ("SECRET", "JPN", "KOR")
    assert held["consent_id"] == case_id
    assert held["original_label"]["ConfidentialityInformation"]["Classification"] == "군사II급비밀"
    # The holder reports the transfer to the originator.
    assert [a["status"] for a in deliver(cast, "JPN", "KOR")] == ["received"]
    chain = custody_chain.custody(cast["KOR"], cast.user("KOR", "park"), item_id)
    assert chain["holders"] == ["JPN", "KOR", "USA"]
    assert chain["paths"]["USA"] == ["KOR", "JPN", "USA"]
    assert [(t["from"], t["to"], t["consent_id"]) for t in chain["transfers"]] == [
        ("KOR", "JPN", None),
        ("JPN", "USA", case_id),
    ]


def test_without_consent_the_release_is_refused_and_logged(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    with pytest.raises(PolicyDenied, match="no consent of KOR") as raised:
        _onward(cast, holding_id, "no-such-consent")
    assert raised.value.article == "Art. 5 or 6(a)-(c), UNCONFIRMED"
    refusals = [e for e in cast.log("JPN", item_id) if not e["allowed"]]
    assert refusals[-1]["action"] == "release_onward:USA"
    assert deliver(cast, "JPN", "USA") == []


def test_a_refused_or_unanswered_request_is_no_consent(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case_id = asked(cast, holding_id)
    with pytest.raises(PolicyDenied, match="no consent"):
        _onward(cast, holding_id, case_id)


def test_a_consent_for_usa_does_not_reach_another_nation(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    with pytest.raises(PolicyDenied, match="names USA, not KOR"):
        _onward(cast, holding_id, case_id, to="KOR")


def test_a_consent_does_not_cover_another_item(cast: Cast) -> None:
    _, first = provided(cast)
    _, second = provided(cast)
    case_id = granted(cast, first)
    with pytest.raises(PolicyDenied, match="does not name"):
        _onward(cast, second, case_id)


def test_an_expired_consent_is_refused(cast: Cast) -> None:
    _, holding_id = provided(cast)
    jpn = cast["JPN"]
    now = jpn.clock()
    case_id = granted(cast, holding_id, expires_at=later(now, days=2))
    assert consent_cases.get_consent(jpn, case_id)["status"] == "granted"
    clock = jpn.clock
    jpn.clock = lambda: later(clock(), days=3)
    try:
        assert consent_cases.get_consent(jpn, case_id)["status"] == "expired"
        with pytest.raises(PolicyDenied, match="it has expired"):
            _onward(cast, holding_id, case_id)
    finally:
        jpn.clock = clock


def test_a_revoked_consent_is_refused(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    consent_decisions.revoke(cast["KOR"], cast.user("KOR", "park"), case_id, "no longer")
    deliver(cast, "KOR", "JPN")
    with pytest.raises(PolicyDenied, match="it was revoked"):
        _onward(cast, holding_id, case_id)


def test_only_a_release_authority_releases_onward(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    with pytest.raises(PolicyDenied, match="needs the role"):
        onward.release_onward_to(cast["JPN"], cast.user("JPN", "sato"), holding_id, "USA", case_id)


def test_a_consent_whose_signature_does_not_verify_is_refused(cast: Cast) -> None:
    """A consent signed by anyone but KOR's node: refused by JPN, and by USA on its own."""
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:  # by an insider holding the node's keys (sealed at rest)
        status = conn.execute(select(cases.c.status).where(cases.c.id == case_id)).scalar_one()
        document = stored_cases.document_of(conn, case_id, keys=jpn.keys)
        payload = verify_document(document["jws"], cast["KOR"].card, "consent")
        forged = sign_document(jpn.keys, payload)  # the same words, JPN's signature
        stored_cases.save(
            conn, case_id, status, {**document, "jws": forged}, jpn.clock(), keys=jpn.keys
        )
    with pytest.raises(Exception, match="not signed by KOR"):
        _onward(cast, holding_id, case_id)
    # USA checks for itself: JPN's node sends the forged consent anyway.
    with jpn.engine.begin() as conn:
        row = stored_holdings.get(conn, holding_id, jpn.vault)  # opened at rest (ADR 0075)
        assert row is not None
        handover.send_item(
            conn,
            jpn,
            row,
            to="USA",
            extra={
                "onward": {"consent": forged, "consent_id": case_id, "agreement": "JPN-USA-2007"}
            },
            agreement_id="JPN-USA-2007",
            agreement_version=1,
            now=jpn.clock(),
        )
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert "not signed by KOR" in answer["reason"]
    assert holding_of(cast, "USA", item_id) is None


def test_an_item_passed_on_without_any_consent_is_refused_by_the_third_nation(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:
        row = stored_holdings.get(conn, holding_id, jpn.vault)  # opened at rest (ADR 0075)
        assert row is not None
        handover.send_item(
            conn,
            jpn,
            row,
            to="USA",
            extra={},
            agreement_id="JPN-USA-2007",
            agreement_version=1,
            now=jpn.clock(),
        )
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert "without KOR's consent" in answer["reason"]
    assert holding_of(cast, "USA", item_id) is None


def test_a_repeated_onward_delivery_makes_one_holding(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    _onward(cast, holding_id, case_id)
    first = deliver(cast, "JPN", "USA", settle=False)
    again = deliver(cast, "JPN", "USA")
    assert first[0]["holding"] == again[0]["holding"]
    with cast["USA"].engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(holdings).where(holdings.c.item_id == item_id)
        ).scalar_one()
    assert count == 1
    deliver(cast, "JPN", "KOR", settle=False)
    deliver(cast, "JPN", "KOR")
    chain = custody_chain.custody(cast["KOR"], cast.user("KOR", "park"), item_id)
    assert len(chain["transfers"]) == 2


def test_without_a_jpn_usa_agreement_in_force_the_release_is_refused(tmp_path: Path) -> None:
    cast = build_cast(tmp_path / "ended")
    try:
        _, holding_id = provided(cast)
        case_id = granted(cast, holding_id)
        jpn = cast["JPN"]
        today = jpn.clock().date()
        notice = Event(EventKind.TERMINATION_NOTICE, today, "note verbale", "JPN")
        agreements.record_event(jpn, cast.user("JPN", "tanaka"), "JPN-USA-2007", notice)
        ended = jpn.agreement("JPN-USA-2007").status_at(date(today.year + 2, 1, 1))
        assert ended.termination_effective is not None
        after = datetime.combine(ended.termination_effective, time(12), jpn.clock().tzinfo)
        clock = jpn.clock
        jpn.clock = lambda: after
        try:
            with pytest.raises(PolicyDenied, match="JPN-USA-2007"):
                _onward(cast, holding_id, case_id)
        finally:
            jpn.clock = clock
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


# Custody passes on receipt (R28): the third nation's signed answer decides ------------------


def _transfers(cast: Cast, nation: str, item_id: str) -> list[tuple[str, str, str, str, str]]:
    with cast[nation].engine.connect() as conn:
        rows = conn.execute(
            select(transfers).where(transfers.c.item_id == item_id).order_by(transfers.c.id)
        ).all()
    return [(r.from_nation, r.to_nation, r.level, r.basis, r.consent_id or "") for r in rows]


def _reports(cast: Cast, item_id: str) -> list[str]:
    """The transfer reports JPN queued or sent about `item_id`."""
    with cast["JPN"].engine.connect() as conn:
        return list(
            conn.execute(
                select(outbox.c.message_id).where(
                    outbox.c.item_id == item_id, outbox.c.kind == "transfer_report"
                )
            ).scalars()
        )


def test_the_transfer_is_recorded_and_reported_only_when_usa_received_it(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    sent = _onward(cast, holding_id, case_id)
    assert sent["status"] == "sent"
    tanaka = cast.user("JPN", "tanaka")
    # Sent, not received: JPN still holds custody alone and has told KOR nothing.
    assert _transfers(cast, "JPN", item_id) == []
    assert _reports(cast, item_id) == []
    release = custody_chain.get_release(cast["JPN"], tanaka, str(sent["case_id"]))
    assert (release["status"], release["to"], release["refusal"]) == ("sent", "USA", None)

    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "received"
    # The answer settled: the transfer, marked as USA says, with the consent it went under.
    assert _transfers(cast, "JPN", item_id) == [("JPN", "USA", "SECRET", "JPN-USA-2007", case_id)]
    assert len(_reports(cast, item_id)) == 1
    release = custody_chain.get_release(cast["JPN"], tanaka, str(sent["case_id"]))
    assert release["status"] == "received"
    assert [s["step"] for s in release["steps"]] == ["release_onward", "received", "reported"]
    assert release["steps"][1]["signed"]
    assert any(e["action"] == "release_onward_received:USA" for e in cast.log("JPN", item_id))

    assert _transfers(cast, "KOR", item_id) == [("KOR", "JPN", "極秘", "KOR-JPN-2016", "")]
    assert [a["status"] for a in deliver(cast, "JPN", "KOR")] == ["received"]
    assert _transfers(cast, "KOR", item_id) == [
        ("KOR", "JPN", "極秘", "KOR-JPN-2016", ""),
        ("JPN", "USA", "SECRET", "JPN-USA-2007", case_id),
    ]
    release = custody_chain.get_release(cast["JPN"], tanaka, str(sent["case_id"]))
    assert release["report"]["status"] == "acknowledged"
    # JPN's own view of the chain: from KOR, through itself, to USA.
    chain = custody_chain.custody(cast["JPN"], tanaka, item_id)
    assert chain["paths"]["USA"] == ["KOR", "JPN", "USA"]
    assert [r["status"] for r in chain["releases"]] == ["received"]


def test_usa_refuses_the_item_so_nothing_passes_and_jpn_sees_why(cast: Cast) -> None:
    """USA judges KOR's consent for itself: expired by its clock, it refuses the item."""
    item_id, holding_id = provided(cast)
    now = cast["JPN"].clock()
    case_id = granted(cast, holding_id, expires_at=later(now, days=2))
    sent = _onward(cast, holding_id, case_id)
    usa = cast["USA"]
    clock = usa.clock
    usa.clock = lambda: later(clock(), days=3)
    try:
        [answer] = deliver(cast, "JPN", "USA")
    finally:
        usa.clock = clock
    assert answer["status"] == "rejected"
    assert "expired" in answer["reason"]
    assert holding_of(cast, "USA", item_id) is None
    # No link at JPN, no report to KOR, and KOR's chain ends at JPN.
    assert _transfers(cast, "JPN", item_id) == []
    assert _reports(cast, item_id) == []
    assert deliver(cast, "JPN", "KOR") == []
    assert [t[:2] for t in _transfers(cast, "KOR", item_id)] == [("KOR", "JPN")]
    assert custody_chain.custody(cast["KOR"], cast.user("KOR", "park"), item_id)["holders"] == [
        "JPN",
        "KOR",
    ]
    # JPN's officer sees the release refused, with USA's reason and article.
    tanaka = cast.user("JPN", "tanaka")
    release = custody_chain.get_release(cast["JPN"], tanaka, str(sent["case_id"]))
    assert release["status"] == "refused"
    assert release["refusal"]["by"] == "USA"
    assert "expired" in release["refusal"]["reason"]
    assert release["refusal"]["article"] == "Art. 5 or 6(a)-(c), UNCONFIRMED"
    assert [s["step"] for s in release["steps"]] == ["release_onward", "refused"]
    [shown] = custody_chain.custody(cast["JPN"], tanaka, item_id)["releases"]
    assert (shown["status"], shown["refusal"]["by"]) == ("refused", "USA")
    refusals = [e for e in cast.log("JPN", item_id) if e["action"] == "release_onward_refused:USA"]
    assert refusals
    assert not refusals[0]["allowed"]
    assert "expired" in refusals[0]["reason"]


def test_an_answer_settled_twice_makes_one_transfer_and_one_report(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    _onward(cast, holding_id, case_id)
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:
        due = [p for p in queue.due(conn, jpn.clock(), 10_000) if p.peer == "USA"]
    document, _ = receive_batch(cast["USA"], "JPN", batch_of(jpn, cast["USA"], due))
    entries = verify_answers(document, signer=cast["USA"].card)
    jpn.worker.settle("USA", due, entries)
    jpn.worker.settle("USA", due, entries)  # the hook sees the answer again; nothing changes
    assert _transfers(cast, "JPN", item_id) == [("JPN", "USA", "SECRET", "JPN-USA-2007", case_id)]
    assert len(_reports(cast, item_id)) == 1
