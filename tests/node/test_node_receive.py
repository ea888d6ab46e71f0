"""Receiving a partner's batch (R7, R12, R25, Art. 4.2): verify, decide again, re-mark, answer."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import Cast, sealed

from gsomia.errors import InputError
from gsomia.exchange import outbox
from gsomia.exchange.answers import sign_answers, verify_answers
from gsomia.exchange.kinds import ITEM_HEADER
from gsomia.node import read, receive, transfers
from gsomia.node.live import push_flash
from gsomia.node.receive import receive_batch
from gsomia.seal import EnvelopeError, cbor, suite
from gsomia.seal.sealed import Plain
from gsomia.store.checkpoints import log_checkpoints
from gsomia.store.tables import access_log, holdings, inbox, rejections
from gsomia.store.tables import outbox as outbox_table


def count(cast: Cast, nation: str, table: Any, **where: str) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with cast[nation].engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def rejection(cast: Cast, nation: str, message_id: str) -> dict[str, Any]:
    with cast[nation].engine.connect() as conn:
        row = conn.execute(select(rejections).where(rejections.c.envelope_id == message_id)).one()
    return dict(row._mapping)


def test_flash_item_is_accepted_and_re_marked(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim", content=b"track 1")
    outcomes = cast.release("KOR", "park", item_id)
    document, accepted = cast.send("KOR", "JPN", outcomes)
    [entry] = verify_answers(document, signer=cast["JPN"].card)
    answer = entry["answer"]
    assert (answer["status"], answer["item"], answer["marked"]) == ("received", item_id, "極秘")
    [got] = accepted
    assert (got.holding_id, got.local_level, got.title) == (
        answer["holding"],
        "極秘",
        "DPRK launch track",
    )
    assert got.decision.requirement == "R7"
    view = read.get_holding(cast["JPN"], got.holding_id)
    assert (view.marking, view.original_marking) == ("極秘", "군사II급비밀")
    assert (view.originator, view.sender, view.precedence) == ("KOR", "KOR", "FLASH")
    assert view.agreement == "KOR-JPN-2016 v1"
    # Both labels are kept: the originator's unchanged, and JPN's naming the originator (R7).
    assert view.original_label["ConfidentialityInformation"]["Classification"] == "군사II급비밀"
    assert view.local_label["ConfidentialityInformation"]["Classification"] == "極秘"
    assert (
        view.original_label["ConfidentialityInformation"]["PolicyIdentifier"]
        != (view.local_label["ConfidentialityInformation"]["PolicyIdentifier"])
    )
    assert read.get_holding(cast["JPN"], item_id).id == got.holding_id  # by item id too
    assert got.holding_id in [h.id for h in read.list_holdings(cast["JPN"])]
    [logged] = cast.log("JPN", item_id)
    assert (logged["actor"], logged["action"], logged["allowed"]) == ("KOR", "receive", True)


def test_the_sender_records_the_signed_answer(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    outcomes = cast.release("KOR", "park", item_id)
    document, _ = cast.send("KOR", "JPN", outcomes)
    [entry] = verify_answers(document, signer=cast["KOR"].peer_card("JPN"))  # type: ignore[arg-type]
    kor = cast["KOR"]
    with kor.engine.begin() as conn:
        [row_id] = conn.execute(
            select(outbox_table.c.id).where(outbox_table.c.item_id == item_id)
        ).scalars()
        outbox.settle(conn, kor.keys, [(row_id, outbox.RECEIVED, entry)], kor.clock())
    [journey] = transfers.list_transfers(kor, cast.user("KOR", "park"), item_id)
    assert (journey.state, journey.marked, journey.reason) == ("received", "極秘", None)
    assert journey.settled_at is not None


def test_the_same_batch_twice_is_applied_once(cast: Cast) -> None:
    first_id = cast.publish("KOR", "kim", precedence="ROUTINE")
    second_id = cast.publish("KOR", "kim", precedence="ROUTINE", content=b"report 2")
    outcomes = cast.release("KOR", "park", first_id) + cast.release("KOR", "park", second_id)
    messages = cast.queued("KOR", outcomes, "JPN")
    assert len(messages) == 2
    jpn, kor = cast["JPN"], cast["KOR"]
    first, accepted = receive_batch(jpn, "KOR", sealed(kor, jpn, *messages))
    again, accepted_again = receive_batch(jpn, "KOR", sealed(kor, jpn, *messages))
    assert len(accepted) == 2
    assert accepted_again == []
    answers = [e["answer"] for e in verify_answers(first, signer=jpn.card)]
    assert [e["answer"] for e in verify_answers(again, signer=jpn.card)] == answers
    # A repeat inside one batch, and in a different order, still gets the first answers.
    mixed, _ = receive_batch(jpn, "KOR", sealed(kor, jpn, messages[1], messages[0], messages[1]))
    assert [e["answer"] for e in verify_answers(mixed, signer=jpn.card)] == [
        answers[1],
        answers[0],
        answers[1],
    ]
    for item_id in (first_id, second_id):
        assert count(cast, "JPN", holdings, item_id=item_id) == 1
    for message in messages:
        assert count(cast, "JPN", inbox, message_id=message.id) == 1


def test_an_unknown_sender_is_refused(cast: Cast) -> None:
    with pytest.raises(InputError, match="FRA is not a registered partner") as caught:
        receive_batch(cast["JPN"], "FRA", b"x")
    assert caught.value.hint is not None


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


_DAMAGE: dict[str, Any] = {
    "garbage": lambda ct: b"this is not an envelope",
    "empty": lambda ct: b"",
    "bit-flip-middle": lambda ct: _flip(ct, len(ct) // 2),
    "bit-flip-end": lambda ct: _flip(ct, len(ct) - 3),
    "truncated": lambda ct: ct[: len(ct) // 2],
}


def _tampered(cast: Cast) -> tuple[list[str], bytes]:
    """A batch KOR's node signed for JPN's, each message of it damaged after signing (the
    ciphertext and the id are outside the signed head) or sealed under an unknown kind."""
    item_id = cast.publish("KOR", "kim")
    [message] = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    names = [*_DAMAGE, "other-id", "unknown-kind"]
    plains = [replace(message, id=f"{name}-1") for name in names[:-1]]
    plains.append(replace(message, id="kind-1", kind="telegram"))
    raw = cbor.loads(sealed(cast["KOR"], cast["JPN"], *plains), what="batch", limit=1 << 24)
    for name, msg in zip(names, raw["msgs"], strict=False):
        if name in _DAMAGE:
            msg["ct"] = _DAMAGE[name](msg["ct"])
    raw["msgs"][names.index("other-id")]["id"] = "other-id-2"
    return names, cbor.dumps(raw)


def test_damaged_messages_are_rejected_and_nothing_is_held(cast: Cast) -> None:
    jpn = cast["JPN"]
    names, data = _tampered(cast)
    ids = [f"{n}-1" for n in names[:-2]] + ["other-id-2", "kind-1"]
    before = {t.name: count(cast, "JPN", t) for t in (holdings, rejections, inbox, access_log)}
    document, accepted = receive_batch(jpn, "KOR", data)
    assert accepted == []
    entries = verify_answers(document, signer=jpn.card)
    for name, mid, entry in zip(names, ids, entries, strict=True):
        answer = entry["answer"]
        assert answer["status"] == "rejected", name
        assert answer["id"] == mid
        assert answer["reason"], name
    # None of them verified as KOR's: nothing is stored, nothing logged in KOR's name, so
    # whoever can reach the peer port cannot write to JPN's node (only the metric counts).
    after = {t.name: count(cast, "JPN", t) for t in (holdings, rejections, inbox, access_log)}
    assert after == before
    by_name = {name: e["answer"] for name, e in zip(names, entries, strict=True)}
    assert by_name["other-id"]["reason"] == EnvelopeError("").message  # the same for all
    assert by_name["unknown-kind"]["reason"] == "unknown message kind 'telegram'"


def _batch_tampered(cast: Cast) -> dict[str, bytes]:
    """KOR's genuine batch for JPN, and what an attacker on the link makes of it."""
    kor, jpn, usa = cast["KOR"], cast["JPN"], cast["USA"]
    item_id = cast.publish("KOR", "kim", releasable_to=("USA", "JPN"))
    outcomes = cast.release("KOR", "park", item_id)
    genuine = sealed(kor, jpn, *cast.queued("KOR", outcomes, "JPN"))
    raw = cbor.loads(genuine, what="batch", limit=1 << 24)

    def changed(**head: Any) -> bytes:
        return cbor.dumps({**raw, "head": {**raw["head"], **head}})

    resigned = {**raw, "sig": suite.sign(usa.keys, cbor.dumps(raw["head"]))}
    return {
        "for-usa": sealed(kor, usa, *cast.queued("KOR", outcomes, "USA")),
        "root-re-signed-by-usa": cbor.dumps(resigned),
        "other-root": changed(root=bytes(32)),
        "other-batch-id": changed(batch=bytes(16)),
        "signatures-dropped": cbor.dumps({**raw, "sig": raw["sig"][:1]}),
        "truncated": genuine[: len(genuine) // 2],
        "not-cbor": b"{}",
    }


def test_a_batch_that_does_not_verify_is_refused_whole_and_nothing_is_stored(
    cast: Cast,
) -> None:
    """Issue 12's mix-and-match rows at the batch level: a batch for another recipient, a root
    re-signed by another node, a head altered after signing. One error type; nothing kept."""
    jpn = cast["JPN"]
    cases = _batch_tampered(cast)
    before = {t.name: count(cast, "JPN", t) for t in (holdings, rejections, inbox, access_log)}
    for name, data in cases.items():
        with pytest.raises(EnvelopeError):
            receive_batch(jpn, "KOR", data)
        after = {t.name: count(cast, "JPN", t) for t in (holdings, rejections, inbox)}
        assert after == {k: v for k, v in before.items() if k != access_log.name}, name
    assert count(cast, "JPN", access_log) == before[access_log.name]


def _sealed(
    cast: Cast,
    *,
    agreement: str,
    releasable_to: list[str],
    message_id: str,
    item_id: str | None = None,
    media_type: str = "text/plain",
) -> bytes:
    """A KOR batch for JPN of one item whose sealed header names `agreement`."""
    item_id = item_id or cast.publish("KOR", "kim", releasable_to=tuple(releasable_to))
    label = dict(transfers.get_item(cast["KOR"], item_id)["label"])
    header = {
        "type": ITEM_HEADER,
        "label": label,
        "item": {
            "id": item_id,
            "title": "forged agreement",
            "agreement": agreement,
            "version": 1,
            "precedence": "FLASH",
        },
    }
    return sealed(cast["KOR"], cast["JPN"], Plain(message_id, "item", header, b"x", media_type))


@pytest.mark.parametrize(
    ("agreement", "reason", "article"),
    [
        (
            "KOR-USA-1987",
            "KOR-USA-1987 covers provision between KOR and USA",
            "Art. 5 or 6(a)-(c), UNCONFIRMED R12",
        ),
        (
            "JPN-USA-2007",
            "JPN-USA-2007 covers provision between JPN and USA",
            "Art. 5 or 6(a)-(c), UNCONFIRMED R12",
        ),
        ("KOR-FRA-2099", "no agreement 'KOR-FRA-2099'", "Art. 4"),
    ],
)
def test_an_item_under_another_agreement_is_rejected(
    cast: Cast, agreement: str, reason: str, article: str
) -> None:
    message_id = f"forged-{agreement}"
    body = _sealed(cast, agreement=agreement, releasable_to=["JPN", "USA"], message_id=message_id)
    document, accepted = receive_batch(cast["JPN"], "KOR", body)
    assert accepted == []
    [entry] = verify_answers(document, signer=cast["JPN"].card)
    assert entry["answer"]["status"] == "rejected"
    assert reason in entry["answer"]["reason"]
    assert entry["answer"]["article"] == article
    assert rejection(cast, "JPN", message_id)["article"] == article


def test_a_crlf_media_type_is_refused_at_receipt(cast: Cast) -> None:
    """A partner signs a media type with a CR/LF in it: before the fix it was stored, every
    read answered an empty reply (the header split), and the log said "read allowed"."""
    message_id = "forged-media-type"
    body = _sealed(
        cast,
        agreement="KOR-JPN-2016",
        releasable_to=["JPN"],
        message_id=message_id,
        media_type="text/plain\r\nX-Injected: 1",
    )
    document, accepted = receive_batch(cast["JPN"], "KOR", body)
    assert accepted == []
    [entry] = verify_answers(document, signer=cast["JPN"].card)
    assert entry["answer"]["status"] == "rejected"
    assert "line break" in entry["answer"]["reason"]
    assert rejection(cast, "JPN", message_id)["article"] == "Art. 4"


def test_usa_receives_an_item_under_kor_usa_1987(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim", releasable_to=("USA", "JPN"), precedence="IMMEDIATE")
    outcomes = cast.release("KOR", "park", item_id)
    document, [got] = cast.send("KOR", "USA", outcomes)
    [entry] = verify_answers(document, signer=cast["USA"].card)
    assert entry["answer"]["marked"] == "SECRET"
    view = read.get_holding(cast["USA"], got.holding_id)
    assert (view.marking, view.original_marking) == ("SECRET", "군사II급비밀")
    assert view.agreement == "KOR-USA-1987 v1"
    assert view.precedence == "IMMEDIATE"
    # JPN's copy of the same item is marked in JPN's scheme under the other agreement.
    _, [jpn_copy] = cast.send("KOR", "JPN", outcomes)
    assert jpn_copy.local_level == "極秘"
    assert jpn_copy.item.agreement_id == "KOR-JPN-2016"


def test_a_held_item_in_a_new_envelope_is_not_newly_accepted(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    _, [first] = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    body = _sealed(
        cast, agreement="KOR-JPN-2016", releasable_to=["JPN"], message_id="again", item_id=item_id
    )
    jpn = cast["JPN"]
    document, accepted = receive_batch(jpn, "KOR", body)
    [entry] = verify_answers(document, signer=jpn.card)
    assert entry["answer"]["holding"] == first.holding_id  # one holding per item
    assert count(cast, "JPN", holdings, item_id=item_id) == 1

    async def watch() -> None:
        jpn.alerts.bind(asyncio.get_running_loop())
        async with jpn.alerts.subscribe("sato"):
            push_flash(jpn, accepted)  # what the peer API does next

    asyncio.run(watch())
    assert accepted == []


def test_a_forged_message_cannot_pre_empt_the_genuine_one(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    [genuine] = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    jpn, kor = cast["JPN"], cast["KOR"]
    raw = cbor.loads(sealed(kor, jpn, genuine), what="batch", limit=1 << 24)
    raw["msgs"][0]["ct"] = b"garbage"
    receive_batch(jpn, "KOR", cbor.dumps(raw))
    document, accepted = receive_batch(jpn, "KOR", sealed(kor, jpn, genuine))
    [entry] = verify_answers(document, signer=jpn.card)
    assert entry["answer"]["status"] == "received"
    assert len(accepted) == 1


def test_the_new_holding_is_told_as_it_commits_before_the_answers_are_signed(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live FLASH alert goes out when the holding commits, not after the signing."""
    jpn = cast["JPN"]
    happened: list[str] = []
    real_sign = sign_answers

    def sign(*args: Any, **kwargs: Any) -> dict[str, Any]:
        happened.append("answers signed")
        return real_sign(*args, **kwargs)

    def told(accepted: list[Any]) -> None:
        with jpn.reader.connect() as conn:  # another connection: committed, not merely written
            ids = [a.holding_id for a in accepted]
            found = conn.execute(select(func.count()).where(holdings.c.id.in_(ids))).scalar()
        happened.append(f"told of {found} committed")

    monkeypatch.setattr(receive, "sign_answers", sign)  # the seam: the signer is only watched
    item_id = cast.publish("KOR", "kim", precedence="FLASH", title="launch")
    messages = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    receive_batch(jpn, "KOR", sealed(cast["KOR"], jpn, *messages), on_commit=told)
    assert happened == ["told of 1 committed", "answers signed"]


def test_a_bulk_batch_is_stored_in_short_turns_each_proven_under_its_own_checkpoint(
    cast: Cast,
) -> None:
    """40 items in one batch: three transactions of at most `STORE_TURN`, FLASH work may go
    between them; every answer still proves its receipt and the sender verifies them all."""
    jpn = cast["JPN"]
    messages = []
    for n in range(40):
        item_id = cast.publish("KOR", "kim", precedence="ROUTINE", title=f"plot {n}")
        messages += cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    turns: list[str] = []
    told: list[int] = []
    before = count(cast, "JPN", log_checkpoints)
    document, accepted = receive_batch(
        jpn,
        "KOR",
        sealed(cast["KOR"], jpn, *messages),
        on_commit=lambda new: told.append(len(new)),
        turn=lambda: turns.append("turn"),
    )
    assert len(accepted) == 40
    assert told == [receive.STORE_TURN, receive.STORE_TURN, 40 - 2 * receive.STORE_TURN]
    assert count(cast, "JPN", log_checkpoints) - before == 3
    # before each message is opened, before each item is examined, before each transaction
    assert len(turns) == 40 + 40 + 3
    verified = verify_answers(document, signer=jpn.card)
    assert [e["answer"]["status"] for e in verified] == ["received"] * 40
