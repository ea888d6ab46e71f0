"""KOR rotates its node keys (ADR 0093): partners move to the new card on the old card's word,
what was sealed or signed before still opens and verifies, and an old statement does not
move anyone twice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import UsageError, VerificationError
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import Kind
from gsomia.exchange.outgoing import sealed_batch
from gsomia.exchange.wire import RECEIVED, REJECTED
from gsomia.exchange.witness import parse_size
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node import read, receive
from gsomia.node.assembly import assemble
from gsomia.node.control import messages
from gsomia.node.cosigning import checkpoint_offer
from gsomia.node.home import Serving, load_home, record_serving
from gsomia.node.rekey import rotate
from gsomia.node.witness import witness_checkpoint
from gsomia.seal import (
    CONSENT_DOC,
    bind,
    content_sha256,
    sign_document,
    under_any,
    verify_binding,
    verify_document,
)
from gsomia.store import checkpoints
from gsomia.store.ledger import SqlLog
from gsomia.store.tables import peer_rotations

PASS = "pw-KOR-0123456789"


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    cast = build_cast(tmp_path / "cast", ("KOR", "JPN", "USA"))
    yield cast
    for node in cast.nodes.values():
        node.engine.dispose()


def _deliver(cast: Cast, sender: str, peer: str) -> list[dict[str, Any]]:
    """What `sender`'s worker does for `peer`: seal with the keys it speaks to `peer` with,
    hand the batch over, settle the signed answers. The answers."""
    node, other = cast[sender], cast[peer]
    with node.engine.begin() as conn:
        due = outbox.due(conn, node.clock() + timedelta(minutes=1), 1000)
    rows = [r for r in due if r.peer == peer]
    card = other.card
    _, data = sealed_batch(node.speaking_keys(peer), sender, card, rows, node.clock())
    document, _ = receive.receive_batch(other, sender, data)
    answers = verify_answers(document, signer=card)
    node.worker.settle(peer, rows, answers)
    return [a["answer"] for a in answers]


def _rotate(cast: Cast) -> Any:
    kor = cast["KOR"]
    kor.engine.dispose()
    done = rotate(kor.home.path, PASS, kor.clock() + timedelta(seconds=1))
    cast.nodes["KOR"] = assemble(load_home(kor.home.path, PASS))
    return done


def test_partners_pin_the_new_card_on_the_old_cards_word(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim", content=b"track 1")
    _, [held] = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    old = cast["KOR"].card

    done = _rotate(cast)
    kor = cast["KOR"]
    assert done.partners == ["JPN", "USA"]
    assert kor.card.key_id != old.key_id
    assert kor.card.tls_pin != old.tls_pin
    assert kor.keys.retired[0].key_id == old.key_id  # kept, to open what was sealed to it
    assert kor.speaking_keys("JPN") is kor.keys.retired[0]  # JPN pins only the old card yet

    for partner in ("JPN", "USA"):
        assert {a["status"] for a in _deliver(cast, "KOR", partner)} == {RECEIVED}
        assert cast[partner].peer_card("KOR") == kor.card  # the TLS pin moved with it
        assert kor.speaking_keys(partner) is kor.keys
    with cast["JPN"].engine.connect() as conn:
        kept = conn.execute(select(peer_rotations.c.old_fingerprint)).scalars().all()
    assert kept == [old.fingerprint]
    assert [e["action"] for e in cast.log("JPN", kor.card.fingerprint)] == ["receive:key_rotation"]

    # After: a new item goes under the new keys; the old holding still opens at JPN.
    fresh = cast.publish("KOR", "kim", content=b"track 2")
    _, [new] = cast.send("KOR", "JPN", cast.release("KOR", "park", fresh))
    for holding, content in ((held, b"track 1"), (new, b"track 2")):
        _, opened, decision = read.read_holding(
            cast["JPN"], cast.user("JPN", "sato"), holding.holding_id
        )
        assert decision.allowed
        assert opened == content


def test_what_the_originator_signed_before_still_verifies(cast: Cast) -> None:
    _rotate(cast)
    _deliver(cast, "KOR", "USA")
    kor, usa = cast["KOR"], cast["USA"]
    old = kor.keys.retired[0]
    label = {"classification": "군사II급비밀", "releasable_to": ["JPN", "KOR"]}
    binding = bind(old, "KOR-1", label, b"track 1")  # as KOR released it before rotating
    consent = sign_document(old, {"type": CONSENT_DOC, "item": "KOR-1", "to": "USA"})

    def bound(card: Any) -> None:
        verify_binding(
            binding, card, item_id="KOR-1", label=label, digest=content_sha256(b"track 1")
        )

    with pytest.raises(VerificationError):
        bound(usa.peer_card("KOR"))  # the new card alone: ADR 0061's word before 0093
    under_any(usa.known_cards("KOR"), bound)
    document = under_any(
        usa.known_cards("KOR"), lambda card: verify_document(consent, card, "consent")
    )
    assert document["item"] == "KOR-1"
    forged = sign_document(cast["JPN"].keys, {"type": CONSENT_DOC, "item": "KOR-1"})
    with pytest.raises(VerificationError):
        under_any(usa.known_cards("KOR"), lambda card: verify_document(forged, card, "consent"))


def test_an_old_statement_sent_again_moves_no_one(cast: Cast) -> None:
    done = _rotate(cast)
    _deliver(cast, "KOR", "JPN")
    kor, pinned = cast["KOR"], cast["JPN"].peer_card("KOR")
    with kor.engine.begin() as conn:  # the same statement, in a fresh message
        messages.send(
            conn, kor, kind=Kind.KEY_ROTATION, peer="JPN",
            document={"statement": done.statement}, now=kor.clock(),
        )  # fmt: skip
    [answer] = _deliver(cast, "KOR", "JPN")
    assert answer["status"] == REJECTED
    assert "an old statement sent again" in answer["reason"]
    assert cast["JPN"].peer_card("KOR") == pinned


def test_a_batch_sealed_to_the_retired_keys_still_opens(cast: Cast) -> None:
    old = cast["KOR"].card  # JPN seals to it, not having heard of the rotation yet
    jpn = cast["JPN"]
    _rotate(cast)
    kor = cast["KOR"]
    with jpn.engine.begin() as conn:
        messages.send(
            conn, jpn, kind=Kind.VISIT_DECISION, peer="KOR", document={"visit": "none"},
            now=jpn.clock(),
        )  # fmt: skip
    with jpn.engine.begin() as conn:
        rows = [r for r in outbox.due(conn, jpn.clock(), 1000) if r.peer == "KOR"]
    _, data = sealed_batch(jpn.keys, "JPN", old, rows, jpn.clock())
    document, _ = receive.receive_batch(kor, "JPN", data)
    [answer] = verify_answers(document, signer=kor.card)
    # opened with the retired keys: the visit workflow read it and refused its content
    assert answer["answer"]["id"] == rows[0].message_id
    assert "request_id" in answer["answer"]["reason"]


def test_a_running_node_is_not_rotated_under_its_feet(cast: Cast) -> None:
    kor = cast["KOR"]
    record_serving(kor.home.path, Serving("KOR", os.getpid(), "http://x", "https://y"))
    with pytest.raises(UsageError, match="is running"):
        rotate(kor.home.path, PASS, kor.clock())


def test_a_second_rotation_waits_for_every_partner_to_answer_the_first(cast: Cast) -> None:
    _rotate(cast)
    _deliver(cast, "KOR", "JPN")
    kor = cast["KOR"]
    kor.engine.dispose()
    with pytest.raises(UsageError, match="USA has not answered"):
        rotate(kor.home.path, PASS, kor.clock() + timedelta(seconds=2))


def _tick(node: Any) -> None:
    """One more entry in `node`'s log, under a checkpoint signed now."""
    with node.engine.begin() as conn:
        SqlLog(conn).append([LogEvent(EventKind.DECISION, node.clock(), "test", ("tick",), {})])
        checkpoints.issue(
            conn, node.ledger.signer, origin=node.ledger.origin, now=int(node.clock().timestamp())
        )


def _offer(kor: Any, jpn: Any, old: int | None) -> tuple[int, bytes, Any]:
    offer = checkpoint_offer(kor, jpn.card, old)
    assert offer is not None
    answer = witness_checkpoint(jpn, offer[2])
    return answer.status, answer.body, offer


def test_the_witness_goes_on_from_what_it_cosigned_under_the_old_card(cast: Cast) -> None:
    _tick(cast["KOR"])
    status, body, offer = _offer(cast["KOR"], cast["JPN"], None)
    if status == 409:
        status, body, offer = _offer(cast["KOR"], cast["JPN"], parse_size(body))
    assert status == 200, body
    cosigned = offer[0]
    _rotate(cast)
    _deliver(cast, "KOR", "JPN")
    kor, jpn = cast["KOR"], cast["JPN"]
    _tick(kor)  # the same tree, under the new card's origin
    status, body, _ = _offer(kor, jpn, 0)  # as if the witness had never seen this log
    assert status == 409
    assert parse_size(body) == cosigned  # go on from what was cosigned, with a proof
    status, body, offer = _offer(kor, jpn, cosigned)
    assert status == 200, body
    with jpn.engine.connect() as conn:
        assert SqlLog(conn).status().witnessing[kor.ledger.origin] == offer[0]
