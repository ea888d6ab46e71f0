"""Signed workflow messages: verified before believed, applied once, refused without a trace
of the refused change (gsomia.node.control.messages)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from tests.node.node_fixtures import Cast, build_cast, sealed

from gsomia.errors import InputError, NotFound
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import WORKFLOW_KINDS, Kind
from gsomia.node.control import messages, workflows
from gsomia.node.receive import receive_batch
from gsomia.node.runtime import Node
from gsomia.seal import cbor
from gsomia.seal.held import unqueued
from gsomia.seal.sealed import Plain
from gsomia.store.tables import access_log, inbox, rejections, transfers
from gsomia.store.tables import outbox as outbox_table
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence

#: A kind whose handler the tests replace (no answer hook, so nothing else reacts to it).
KIND = Kind.DISPUTE_CONSULTATION
seen: list[dict[str, Any]] = []


def _handler(conn: Connection, node: Node, incoming: messages.Incoming) -> messages.Outcome:
    note = messages.text(incoming.document, "note")
    conn.execute(access_log.insert().values(
        at=incoming.at, actor="handler", action="note", subject=note, allowed=True,
        reason="written by the handler", article="-",
    ))  # fmt: skip
    seen.append(dict(incoming.document))
    if note == "refuse":
        return messages.Outcome(
            Decision.deny("notes saying refuse are refused", "Art. 5", "R0"), note
        )
    # A handler's "status" cannot pass for the answer's own.
    return messages.Outcome(
        Decision.allow("noted", "Art. 5", "R0"), note, {"noted": note, "status": "rejected"}
    )


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cast]:
    monkeypatch.setitem(workflows.HANDLERS, KIND, _handler)
    seen.clear()
    cast = build_cast(tmp_path / "pair", ("KOR", "JPN"))
    yield cast
    for node in cast.nodes.values():
        node.engine.dispose()


def _send(cast: Cast, note: str, **document: Any) -> str:
    node = cast["KOR"]
    with node.engine.begin() as conn:
        return messages.send(
            conn, node, kind=KIND, peer="JPN", document={"note": note, **document},
            precedence=Precedence.FLASH, now=node.clock(),
        )  # fmt: skip


def _queued(cast: Cast) -> list[Plain]:
    node = cast["KOR"]
    with node.engine.begin() as conn:
        due = outbox.due(conn, node.clock(), 99)
    return [unqueued(node.keys, p.message_id, p.body, p.peer) for p in due]


def _answers(cast: Cast, batch: list[Plain] | bytes) -> list[dict[str, Any]]:
    data = batch if isinstance(batch, bytes) else sealed(cast["KOR"], cast["JPN"], *batch)
    document, _ = receive_batch(cast["JPN"], "KOR", data)
    return [e["answer"] for e in verify_answers(document, signer=cast["JPN"].card)]


def _count(node: Node, table: Any, *where: Any) -> int:
    with node.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_a_message_is_applied_once_and_answered_the_same_way_again(pair: Cast) -> None:
    _send(pair, "hello", extra=["a"])
    batch = _queued(pair)
    assert batch[0].kind == KIND
    first = _answers(pair, batch)
    again = _answers(pair, batch)
    assert first[0]["status"] == "received"
    assert first[0]["noted"] == "hello"
    assert again == first
    assert seen == [{"note": "hello", "extra": ["a"]}]  # the handler ran once
    assert _count(pair["JPN"], access_log, access_log.c.action == f"receive:{KIND}") == 1


def test_a_refusal_keeps_nothing_the_handler_wrote_but_is_logged_and_remembered(
    pair: Cast,
) -> None:
    _send(pair, "refuse")
    batch = _queued(pair)
    (answer,) = _answers(pair, batch)
    assert answer["status"] == "rejected"
    assert answer["reason"] == "notes saying refuse are refused"
    jpn = pair["JPN"]
    assert (
        _count(jpn, access_log, access_log.c.subject == "refuse", access_log.c.actor == "handler")
        == 0
    )
    refusal = _count(
        jpn, access_log, access_log.c.action == f"receive:{KIND}", ~access_log.c.allowed
    )
    assert refusal == 1
    assert _count(jpn, rejections) == 1
    assert _count(jpn, inbox) == 1
    assert _answers(pair, batch) == [answer]  # a repeat gets the same answer, not a new refusal


def test_a_malformed_document_is_refused_naming_the_field(pair: Cast) -> None:
    _send(pair, "", other=1)
    (answer,) = _answers(pair, _queued(pair))
    assert answer["status"] == "rejected"
    assert "'note'" in answer["reason"]


def test_a_tampered_envelope_is_refused_and_not_remembered(pair: Cast) -> None:
    _send(pair, "hello")
    (message,) = _queued(pair)
    raw = cbor.loads(sealed(pair["KOR"], pair["JPN"], message), what="batch", limit=1 << 24)
    ct = bytearray(raw["msgs"][0]["ct"])
    ct[len(ct) // 2] ^= 1
    raw["msgs"][0]["ct"] = bytes(ct)
    (answer,) = _answers(pair, cbor.dumps(raw))
    assert answer["status"] == "rejected"
    assert _count(pair["JPN"], inbox) == 0  # the genuine envelope can still be applied
    assert _answers(pair, [message])[0]["status"] == "received"


def test_an_envelope_under_another_kind_is_refused(pair: Cast) -> None:
    _send(pair, "hello")
    (message,) = _queued(pair)
    (answer,) = _answers(pair, [replace(message, kind="agreement_event")])
    assert answer["status"] == "rejected"
    assert seen == []


def test_nothing_is_queued_for_a_nation_that_is_not_a_partner(pair: Cast) -> None:
    node = pair["KOR"]
    with (
        pytest.raises(NotFound, match="USA is not a registered partner"),
        node.engine.begin() as conn,
    ):
        messages.send(conn, node, kind=KIND, peer="USA", document={}, now=node.clock())


@pytest.mark.parametrize(
    ("document", "call"),
    [
        ({"at": "2026-11-27T10:00:00"}, lambda d: messages.when(d, "at")),
        ({"at": "yesterday"}, lambda d: messages.when(d, "at")),
        ({"names": ["a", 1]}, lambda d: messages.texts(d, "names")),
        ({"note": "x" * 201}, lambda d: messages.text(d, "note")),
    ],
)
def test_partner_fields_are_checked(document: dict[str, Any], call: Any) -> None:
    with pytest.raises(InputError):
        call(document)


def test_partner_fields_that_are_well_formed_are_read() -> None:
    document = {"at": "2026-11-27T10:00:00+00:00", "names": ["a"], "note": ""}
    assert messages.when(document, "at").tzinfo is not None
    assert messages.texts(document, "names") == ["a"]
    assert messages.text(document, "note", empty=True) == ""


def test_a_provision_received_becomes_a_link_of_the_chain_of_custody_once(pair: Cast) -> None:
    item_id = pair.publish("KOR", "kim")
    pair.release("KOR", "park", item_id)
    assert pair.deliver("KOR") == 1
    kor = pair["KOR"]
    with kor.engine.connect() as conn:
        (link,) = conn.execute(select(transfers).where(transfers.c.item_id == item_id)).all()
    assert (link.from_nation, link.to_nation, link.level) == ("KOR", "JPN", "極秘")
    assert link.basis == "KOR-JPN-2016"
    # The answer was lost and the envelope goes again: the same answer adds no second link.
    with kor.engine.begin() as conn:
        conn.execute(outbox_table.update().values(state=outbox.QUEUED))
    assert pair.deliver("KOR") == 1
    assert _count(kor, transfers, transfers.c.item_id == item_id) == 1


@pytest.mark.parametrize("wire_kind", ["item", "agreement_event", "visit_request"])
def test_a_message_relabelled_on_the_wire_cannot_pre_empt_the_genuine_one(
    pair: Cast, wire_kind: str
) -> None:
    """A message whose kind differs from what its header carries is not the message it claims
    to be, so it is answered but neither remembered nor recorded (the item and agreement paths
    used to remember it, and the genuine message then got that refusal). In v2 the kind is
    inside the encryption, where only the sender could have put another one."""
    _send(pair, "hello")
    (message,) = _queued(pair)
    (answer,) = _answers(pair, [replace(message, kind=wire_kind)])
    assert answer["status"] == "rejected"
    # What claims to be a lifecycle step is judged as one: a diplomatic note (Art. 21).
    assert answer["article"] == ("Art. 21" if wire_kind == "agreement_event" else "Art. 9")
    assert "does not carry" in answer["reason"]
    assert (_count(pair["JPN"], inbox), _count(pair["JPN"], rejections)) == (0, 0)
    assert _answers(pair, [message])[0]["status"] == "received"
    assert seen == [{"note": "hello"}]


def test_an_unknown_kind_is_refused_and_not_remembered(pair: Cast) -> None:
    _send(pair, "hello")
    (message,) = _queued(pair)
    (answer,) = _answers(pair, [replace(message, kind="test_note")])
    assert (answer["status"], answer["reason"]) == ("rejected", "unknown message kind 'test_note'")
    assert _count(pair["JPN"], inbox) == 0
    assert _answers(pair, [message])[0]["status"] == "received"


def test_every_workflow_kind_has_its_handler() -> None:
    assert set(workflows.HANDLERS) == WORKFLOW_KINDS


AT = "2026-11-27T10:00:00+00:00"


@pytest.mark.parametrize(
    ("kind", "document"),
    [
        # This fault was a PolicyDenied here ...
        (Kind.DISPUTE_OPENED, {"agreement_id": "KOR-JPN-2016", "id": "d-1", "raised_by": "USA"}),
        # ... and an InputError in these.
        (
            Kind.PURPOSE_REQUEST,
            {"id": "p-1", "holder": "USA", "purpose": "p", "item_ids": ["i"], "originator": "JPN"},
        ),
        (
            Kind.TRANSFER_REPORT,
            {"item_id": "i", "from": "USA", "to": "KOR", "at": AT, "level": "S", "basis": "b"},
        ),
    ],
)
def test_a_peer_speaking_for_another_party_is_one_fault_with_one_answer(
    pair: Cast, kind: Kind, document: dict[str, Any]
) -> None:
    kor = pair["KOR"]
    with kor.engine.begin() as conn:
        messages.send(conn, kor, kind=kind, peer="JPN", document=document, now=kor.clock())
    (answer,) = _answers(pair, _queued(pair))
    assert answer["status"] == "rejected"
    assert answer["reason"].startswith("KOR cannot speak for USA, ")
    assert answer["article"] == "Art. 9"
    assert _count(pair["JPN"], rejections) == 1  # verified: the refusal is KOR's to own


def test_a_declared_kind_without_a_workflow_is_refused_not_remembered(
    pair: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(workflows.HANDLERS, KIND)
    _send(pair, "hello")
    (answer,) = _answers(pair, _queued(pair))
    assert (answer["status"], answer["reason"]) == ("rejected", f"no workflow here takes {KIND}")
    assert (_count(pair["JPN"], inbox), _count(pair["JPN"], rejections)) == (0, 0)
