"""Classification changes between KOR, JPN and USA nodes in one process (R14, Art. 6(g)).

KOR provides an item to JPN; KOR's officer changes its classification; JPN re-marks its
holding, copies and derivatives through the KOR–JPN table and acknowledges; KOR sees who is
outstanding. A holder's own attempt, and a notice from anyone but the originator, are refused.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from tests.node.node_fixtures import Cast, batch_of

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import Kind
from gsomia.labels import label_from_obj
from gsomia.node import receive
from gsomia.node.control import messages
from gsomia.node.control.notice_case import NOTICE, get_notice, list_notices
from gsomia.node.control.notices import reclassify
from gsomia.node.control.remarking import refuse_holder_change
from gsomia.node.read import read_holding
from gsomia.store import copies as stored_copies
from gsomia.store import holdings as stored_holdings
from gsomia.store import items as stored_items
from gsomia.store.tables import case_steps, copies, holdings, transfers
from gsomia.treaty.classification import DECLASSIFIED


def pump(cast: Cast, sender: str, receiver: str) -> list[dict[str, Any]]:
    """Deliver everything `sender` has queued for `receiver` and settle the answers, as the
    delivery worker does; the answers."""
    node = cast[sender]
    with node.engine.begin() as conn:
        due = [p for p in outbox.due(conn, node.clock(), 10_000) if p.peer == receiver]
    if not due:
        return []
    document, _ = receive.receive_batch(cast[receiver], sender, batch_of(node, cast[receiver], due))
    answers = verify_answers(document, signer=cast[receiver].card)
    node.worker.settle(receiver, due, answers)
    return [entry["answer"] for entry in answers]


def provide(cast: Cast, level: str = "군사II급비밀", to: tuple[str, ...] = ("JPN",)) -> str:
    """A KOR item released by KOR's officer and received by each nation of `to`."""
    item_id = cast.publish("KOR", "kim", level=level, releasable_to=to)
    cast.release("KOR", "park", item_id)
    for nation in to:
        [answer] = pump(cast, "KOR", nation)
        assert answer["status"] == "received", answer
    return item_id


def holding(cast: Cast, nation: str, item_id: str) -> dict[str, Any]:
    with cast[nation].engine.connect() as conn:
        row = conn.execute(stored_holdings.whole().where(holdings.c.item_id == item_id)).one()
    # as the node reads it: title and labels opened at rest (ADR 0075)
    return asdict(stored_holdings.from_row(row, cast[nation].vault))


def change(cast: Cast, item_id: str, kind: str, level: str | None = None) -> dict[str, Any]:
    view = reclassify(cast["KOR"], cast.user("KOR", "park"), item_id, change=kind, level=level)
    return view.to_json()


def test_a_downgrade_reaches_the_holder_which_remarks_and_acknowledges(cast: Cast) -> None:
    item_id = provide(cast)
    assert holding(cast, "JPN", item_id)["local_level"] == "極秘"

    sent = change(cast, item_id, "downgrade", "군사III급비밀")
    assert (sent["change"], sent["previous"], sent["level"]) == (
        "downgrade",
        "군사II급비밀",
        "군사III급비밀",
    )
    assert sent["holders"] == ["JPN"]
    assert sent["outstanding"] == ["JPN"]
    assert sent["acknowledged"] == []
    with cast["KOR"].engine.connect() as conn:
        own = stored_items.get(conn, item_id, cast["KOR"].vault)
    assert own is not None
    assert own.level == "군사III급비밀"
    assert own.label["ConfidentialityInformation"]["Classification"] == "군사III급비밀"

    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    held = holding(cast, "JPN", item_id)
    assert held["local_level"] == "秘"  # 군사III급비밀 ↔ 秘 in the KOR–JPN table
    assert held["local_label"]["ConfidentialityInformation"]["Classification"] == "秘"
    # The banner shows both: the originator's new marking and this nation's equivalent.
    assert label_from_obj(held["original_label"]).classification == "군사III급비밀"
    [received] = [n for n in list_notices(cast["JPN"]) if n.id == sent["id"]]
    assert received.direction == "received"
    assert (received.local_previous, received.local_level) == ("極秘", "秘")
    applied = [e for e in cast.log("JPN", held["id"]) if e["action"] == "receive:" + NOTICE]
    assert applied[-1]["allowed"]
    assert applied[-1]["article"] == "Art. 6(g) R14"

    [ack] = pump(cast, "JPN", "KOR")
    assert ack["status"] == "received", ack
    done = get_notice(cast["KOR"], sent["id"]).to_json()
    assert done["outstanding"] == []
    assert done["status"] == "acknowledged"
    [entry] = done["acknowledged"]
    assert (entry["holder"], entry["holding_id"], entry["level"]) == ("JPN", held["id"], "秘")
    with cast["KOR"].engine.connect() as conn:
        steps = conn.execute(
            select(case_steps.c.step, case_steps.c.signature).where(
                case_steps.c.case_id == sent["id"]
            )
        ).all()
    assert [s for s, _ in steps] == ["issued", "acknowledged"]
    assert steps[1][1]  # JPN's signed message is kept as the record of its acknowledgement


def test_an_upgrade_is_applied_and_one_beyond_the_agreement_is_refused(cast: Cast) -> None:
    item_id = provide(cast, level="군사III급비밀")
    assert holding(cast, "JPN", item_id)["local_level"] == "秘"

    up = change(cast, item_id, "upgrade", "군사II급비밀")
    assert up["change"] == "upgrade"
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    assert holding(cast, "JPN", item_id)["local_level"] == "極秘"
    pump(cast, "JPN", "KOR")
    assert get_notice(cast["KOR"], up["id"]).outstanding == []

    # KOR–JPN does not cover 군사I급비밀: JPN cannot re-mark, says why, and stays outstanding.
    beyond = change(cast, item_id, "upgrade", "군사I급비밀")
    [refused] = pump(cast, "KOR", "JPN")
    assert refused["status"] == "rejected"
    assert "cannot be applied" in refused["reason"]
    assert holding(cast, "JPN", item_id)["local_level"] == "極秘"
    view = get_notice(cast["KOR"], beyond["id"])
    assert view.outstanding == ["JPN"]
    assert [r["holder"] for r in view.refused] == ["JPN"]


def test_the_change_must_be_what_the_officer_says_it_is(cast: Cast) -> None:
    item_id = provide(cast, level="군사III급비밀")
    with pytest.raises(InputError, match="is a upgrade, not a downgrade"):
        change(cast, item_id, "downgrade", "군사II급비밀")
    with pytest.raises(InputError, match="names no new level"):
        change(cast, item_id, "declassify", "군사II급비밀")
    with pytest.raises(InputError, match="not a classification change"):
        change(cast, item_id, "sideways", "군사II급비밀")


def test_declassification_marks_the_holding_declassified(cast: Cast) -> None:
    item_id = provide(cast)
    sent = change(cast, item_id, "declassify")
    assert sent["level"] is None
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    held = holding(cast, "JPN", item_id)
    assert held["local_level"] == DECLASSIFIED
    assert held["original_label"]["ConfidentialityInformation"]["Classification"] == DECLASSIFIED
    pump(cast, "JPN", "KOR")
    done = get_notice(cast["KOR"], sent["id"])
    assert done.outstanding == []
    assert done.acknowledged[0]["level"] == ""
    # No longer classified: a reader on the register without the clearance reads it now.
    _, content, decision = read_holding(cast["JPN"], cast.user("JPN", "suzuki"), held["id"])
    assert content
    assert decision.requirement == "R14"
    # Declassified is final: there is no level left to change.
    with pytest.raises(Conflict, match="declassified"):
        change(cast, item_id, "upgrade", "군사II급비밀")


def test_only_the_originators_officer_issues_a_notice(cast: Cast) -> None:
    item_id = provide(cast)
    with pytest.raises(PolicyDenied):
        reclassify(
            cast["KOR"], cast.user("KOR", "kim"), item_id, change="downgrade", level="군사III급비밀"
        )
    assert holding(cast, "JPN", item_id)["local_level"] == "極秘"


def test_a_holders_own_attempt_is_refused_and_logged(cast: Cast) -> None:
    item_id = provide(cast)
    held = holding(cast, "JPN", item_id)
    tanaka = cast.user("JPN", "tanaka")
    with pytest.raises(PolicyDenied, match="only the originator KOR") as refused:
        refuse_holder_change(cast["JPN"], tanaka, held["id"])
    assert refused.value.article == "Art. 6(g)"
    with pytest.raises(PolicyDenied, match="only the originator KOR"):
        reclassify(cast["JPN"], tanaka, item_id, change="downgrade", level="秘")
    logged = [e for e in cast.log("JPN", held["id"]) if e["action"] == "reclassify"]
    assert len(logged) == 2
    assert not any(e["allowed"] for e in logged)
    assert all(e["article"] == "Art. 6(g) R14" for e in logged)
    assert holding(cast, "JPN", item_id)["local_level"] == "極秘"


def test_a_notice_from_a_nation_other_than_the_originator_is_refused(cast: Cast) -> None:
    item_id = provide(cast)
    usa = cast["USA"]
    forged = {
        "notice": "USA-notice-forged",
        "item_id": item_id,
        "originator": "KOR",
        "change": "downgrade",
        "previous": "군사II급비밀",
        "level": "군사III급비밀",
        "effective": usa.clock().isoformat(),
        "issued_at": usa.clock().isoformat(),
        "issued_by": "jones",
        "via": [],
    }
    with usa.engine.begin() as conn:
        messages.send(conn, usa, kind=NOTICE, peer="JPN", document=forged, now=usa.clock())
    [answer] = pump(cast, "USA", "JPN")
    assert answer["status"] == "rejected"
    assert "only the originator KOR" in answer["reason"]
    assert answer["article"] == "Art. 6(g)"
    assert holding(cast, "JPN", item_id)["local_level"] == "極秘"


def test_a_replayed_notice_is_applied_once(cast: Cast) -> None:
    item_id = provide(cast)
    sent = change(cast, item_id, "downgrade", "군사III급비밀")
    kor, jpn = cast["KOR"], cast["JPN"]
    with kor.engine.begin() as conn:
        [due] = [p for p in outbox.due(conn, kor.clock(), 10_000) if p.peer == "JPN"]
    wire = batch_of(kor, jpn, [due])
    first, _ = receive.receive_batch(jpn, "KOR", wire)
    again, _ = receive.receive_batch(jpn, "KOR", wire)
    assert first["answers"][0]["answer"] == again["answers"][0]["answer"]
    # The same notice in a fresh message is recognised too: no second re-marking or ack.
    with kor.engine.begin() as conn:
        body = {**_sent_document(cast, sent["id"], item_id), "holder": "JPN"}
        messages.send(conn, kor, kind=NOTICE, peer="JPN", document=body, now=kor.clock())
    kor.worker.settle("JPN", [due], verify_answers(first, signer=jpn.card))
    [repeat] = pump(cast, "KOR", "JPN")
    assert repeat["status"] == "received"
    with jpn.engine.connect() as conn:
        steps = conn.execute(
            select(func.count()).where(case_steps.c.case_id == sent["id"])
        ).scalar_one()
    assert steps == 1
    assert len(pump(cast, "JPN", "KOR")) == 1  # one acknowledgement only
    assert holding(cast, "JPN", item_id)["local_level"] == "秘"


def _sent_document(cast: Cast, notice_id: str, item_id: str) -> dict[str, Any]:
    view = get_notice(cast["KOR"], notice_id)
    return {
        "notice": view.id,
        "item_id": item_id,
        "originator": "KOR",
        "change": view.change,
        "previous": view.previous,
        "level": view.level or "",
        "effective": view.effective.isoformat(),
        "issued_at": view.issued_at.isoformat(),
        "issued_by": view.issued_by,
        "via": [],
    }


def test_copies_translations_and_derivatives_follow_the_holding(cast: Cast) -> None:
    item_id = provide(cast)
    held = holding(cast, "JPN", item_id)
    jpn = cast["JPN"]
    now = jpn.clock()
    rows: list[tuple[str, dict[str, Any]]] = [
        ("copy", {}),
        ("translation", {"language": "en", "source_language": "ko", "translator": "sato"}),
        ("derivative", {"sources": [held["id"]], "derivative_kind": "summary"}),
    ]
    # Inventoried as the node does (sealed and counted, ADR 0140), not with SQL.
    with jpn.engine.begin() as conn:
        for number, (kind, details) in enumerate(rows, start=1):
            stored_copies.insert(
                conn,
                copy_id=f"{held['id']}/{kind}",
                kind=kind,
                item_id=item_id,
                holding_id=held["id"],
                number=number,
                level="極秘",
                label=held["local_label"],
                details=details,
                content=None,
                made_by="sato",
                made_at=now,
                vault=jpn.vault,
            )
        # Another item's copy is left alone.
        stored_copies.insert(
            conn,
            copy_id=f"other-{uuid.uuid4().hex[:8]}",
            kind="copy",
            item_id="KOR-other",
            holding_id=None,
            number=1,
            level="極秘",
            label=held["local_label"],
            details={},
            content=None,
            made_by="sato",
            made_at=now,
            vault=jpn.vault,
        )
    change(cast, item_id, "downgrade", "군사III급비밀")
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    with jpn.engine.connect() as conn:
        found = {
            r["id"]: r
            for r in conn.execute(
                select(copies).where(copies.c.item_id.in_([item_id, "KOR-other"]))
            ).mappings()
        }
    for kind, _ in rows:
        row = found[f"{held['id']}/{kind}"]
        assert row["level"] == "秘", kind
        assert row["label"]["ConfidentialityInformation"]["Classification"] == "秘", kind
    [other] = [r for r in found.values() if r["item_id"] == "KOR-other"]
    assert other["level"] == "極秘"
    remarked = [e for e in cast.log("JPN", f"{held['id']}/copy") if e["action"] == "remark"]
    assert remarked
    assert remarked[0]["allowed"]
    pump(cast, "JPN", "KOR")


def test_a_holder_that_is_down_stays_outstanding_until_it_acknowledges(cast: Cast) -> None:
    item_id = provide(cast)
    sent = change(cast, item_id, "downgrade", "군사III급비밀")
    kor = cast["KOR"]
    with kor.engine.begin() as conn:
        due = [p for p in outbox.due(conn, kor.clock(), 10_000) if p.peer == "JPN"]
        outbox.retry_later(conn, due, "ConnectionRefused: JPN is down", kor.clock())
    assert get_notice(kor, sent["id"]).outstanding == ["JPN"]
    assert holding(cast, "JPN", item_id)["local_level"] == "極秘"
    # JPN is back: the queued notice goes, JPN re-marks and acknowledges.
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received"
    assert get_notice(kor, sent["id"]).outstanding == ["JPN"]  # the ack is on its way
    pump(cast, "JPN", "KOR")
    assert get_notice(kor, sent["id"]).outstanding == []


def test_an_acknowledgement_from_a_nation_not_sent_the_notice_is_refused(cast: Cast) -> None:
    item_id = provide(cast)
    sent = change(cast, item_id, "downgrade", "군사III급비밀")
    usa = cast["USA"]
    ack = {
        "notice": sent["id"],
        "item_id": item_id,
        "holder": "USA",
        "holding": "made-up",
        "level": "CONFIDENTIAL",
        "at": usa.clock().isoformat(),
    }
    with usa.engine.begin() as conn:
        messages.send(
            conn, usa, kind=Kind.NOTICE_ACKNOWLEDGEMENT, peer="KOR", document=ack, now=usa.clock()
        )
    [answer] = pump(cast, "USA", "KOR")
    assert answer["status"] == "rejected"
    assert "was not sent notice" in answer["reason"]
    assert get_notice(cast["KOR"], sent["id"]).outstanding == ["JPN"]
    pump(cast, "KOR", "JPN")
    pump(cast, "JPN", "KOR")


def _onward_to_usa(cast: Cast, item_id: str) -> str:
    """Simulate JPN's consented onward transfer to USA (node/onward.py's work): a USA holding
    marked under JPN–USA, and the transfer as USA, JPN and (reported) KOR record it."""
    jpn_row = holding(cast, "JPN", item_id)
    level = {"極秘": "SECRET", "秘": "CONFIDENTIAL"}[jpn_row["local_level"]]
    usa = cast["USA"]
    now = usa.clock()
    holding_id = str(uuid.uuid4())
    local = {**jpn_row["local_label"]}
    local["ConfidentialityInformation"] = {
        **local["ConfidentialityInformation"],
        "Classification": level,
    }
    row = {
        **jpn_row,
        "id": holding_id,
        "envelope_id": uuid.uuid4().hex,
        "sender": "JPN",
        "local_level": level,
        "local_label": local,
        "received_at": now,
        "consent_id": "KOR-consent-1",
    }
    # stored as USA's node stores what it receives: the envelope under a data key of USA's own
    row["envelope"] = stored_holdings.envelope_of(
        stored_holdings.HoldingRecord(**jpn_row), cast["JPN"].vault
    )
    del row["data_key"]
    with usa.engine.begin() as conn:
        stored_holdings.insert_rows(conn, [row], usa.vault)
    link = {
        "item_id": item_id,
        "from_nation": "JPN",
        "to_nation": "USA",
        "at": now,
        "level": level,
        "basis": "JPN-USA-2007",
        "consent_id": "KOR-consent-1",
    }
    for nation, reporter in (("USA", "JPN"), ("JPN", "JPN"), ("KOR", "JPN")):
        with cast[nation].engine.begin() as conn:
            conn.execute(insert(transfers).values(**link, reported_by=reporter))
    return holding_id


def test_a_third_nation_holder_reached_by_consent_remarks_along_the_chain(cast: Cast) -> None:
    item_id = provide(cast)
    usa_holding = _onward_to_usa(cast, item_id)
    sent = change(cast, item_id, "downgrade", "군사III급비밀")
    assert sent["holders"] == ["JPN", "USA"]  # outbox and transfers, de-duplicated
    assert sent["outstanding"] == ["JPN", "USA"]
    [to_usa] = pump(cast, "KOR", "USA")
    assert to_usa["status"] == "received", to_usa
    usa_row = holding(cast, "USA", item_id)
    # 군사III급비밀 → 秘 under KOR–JPN, then 秘 → CONFIDENTIAL under JPN–USA.
    assert usa_row["local_level"] == "CONFIDENTIAL"
    assert usa_row["original_label"]["ConfidentialityInformation"]["Classification"] == (
        "군사III급비밀"
    )
    pump(cast, "USA", "KOR")
    assert get_notice(cast["KOR"], sent["id"]).outstanding == ["JPN"]
    pump(cast, "KOR", "JPN")
    pump(cast, "JPN", "KOR")
    done = get_notice(cast["KOR"], sent["id"])
    assert done.outstanding == []
    assert {a["holder"]: a["holding_id"] for a in done.acknowledged}["USA"] == usa_holding


def test_a_third_nation_holder_refuses_a_path_that_is_not_how_it_got_the_item(
    cast: Cast,
) -> None:
    item_id = provide(cast)
    _onward_to_usa(cast, item_id)
    kor = cast["KOR"]
    sent = change(cast, item_id, "downgrade", "군사III급비밀")
    # Drop the genuine notice to USA; send one claiming USA got it directly from KOR.
    with kor.engine.begin() as conn:
        due = [p for p in outbox.due(conn, kor.clock(), 10_000) if p.peer == "USA"]
        outbox.settle(conn, kor.keys, [(p.id, "rejected", {}) for p in due], kor.clock())
        body = {**_sent_document(cast, sent["id"], item_id), "holder": "USA"}
        messages.send(conn, kor, kind=NOTICE, peer="USA", document=body, now=kor.clock())
    [answer] = pump(cast, "KOR", "USA")
    assert answer["status"] == "rejected"
    assert "JPN-USA-2007" in answer["reason"]
    assert holding(cast, "USA", item_id)["local_level"] == "SECRET"
    pump(cast, "KOR", "JPN")
    pump(cast, "JPN", "KOR")
