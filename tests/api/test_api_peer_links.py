"""The peer API knows who is on the other end of the link: a pinned partner may speak only in
its own name. Requests arrive as the peer listener hands them over (the ASGI TLS extension
carries the client's certificate); the handshake itself is tested in test_exchange_links."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import cbor2
import pytest
from sqlalchemy import func, select
from tests.api.api_fixtures import peer_client
from tests.node.node_fixtures import Cast, build_cast, opened_answers, post_batch, sealed

from gsomia.exchange import outbox
from gsomia.exchange.wire import CBOR, HELLO_PATH, PRECEDENCE_HEADER, V2_PATH
from gsomia.exchange.witness import ADD_CHECKPOINT_PATH
from gsomia.node.cosigning import checkpoint_offer
from gsomia.store import checkpoints
from gsomia.store.tables import holdings, inbox, rejections


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("peer-links"), ("KOR", "JPN", "USA"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def kor_batch(cast: Cast) -> bytes:
    """A real batch of KOR's for JPN: one released item, signed and sealed by KOR."""
    item_id = cast.publish("KOR", "kim")
    [message] = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    return sealed(cast["KOR"], cast["JPN"], message)


def stored(cast: Cast) -> tuple[int, int, int]:
    with cast["JPN"].engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (holdings, inbox, rejections)
        )


def test_a_partner_claiming_to_be_another_partner_is_refused_and_nothing_is_stored(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    batch = kor_batch(cast)
    before = stored(cast)
    with (
        peer_client(cast["JPN"], cast["USA"].card) as usa,
        caplog.at_level(logging.WARNING, "gsomia.links"),
    ):
        answer = post_batch(usa, batch)  # USA's link, KOR's valid batch
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "link_refused"
    assert "claims to come from KOR, but the TLS peer is USA" in answer.json()["message"]
    assert "the TLS peer is USA" in caplog.text
    assert stored(cast) == before
    with peer_client(cast["JPN"], cast["KOR"].card) as kor:  # the same batch, from KOR itself
        document = opened_answers(cast["KOR"], batch, post_batch(kor, batch))
        assert document["answers"][0]["answer"]["status"] == "received"
    assert stored(cast)[0] == before[0] + 1


def test_a_hello_in_another_partners_name_is_refused(cast: Cast) -> None:
    with outbox_empty(cast), peer_client(cast["JPN"], cast["USA"].card) as usa:
        answer = usa.post(HELLO_PATH, json={"sender": "KOR"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "link_refused"


class outbox_empty:
    """Nothing JPN queued moves because of a refused hello."""

    def __init__(self, cast: Cast) -> None:
        self.node = cast["JPN"]

    def __enter__(self) -> None:
        with self.node.engine.connect() as conn:
            self.due = len(outbox.due(conn, self.node.clock(), 10_000))

    def __exit__(self, *_: object) -> None:
        with self.node.engine.connect() as conn:
            assert len(outbox.due(conn, self.node.clock(), 10_000)) == self.due


def test_only_the_logs_owner_may_offer_its_checkpoint(cast: Cast) -> None:
    kor = cast["KOR"]
    assert kor.ledger.signer is not None
    with kor.engine.begin() as conn:
        checkpoints.issue(
            conn, kor.ledger.signer, origin=kor.ledger.origin, now=int(kor.clock().timestamp())
        )
    offer = checkpoint_offer(kor, cast["JPN"].card)
    assert offer is not None
    with peer_client(cast["JPN"], cast["USA"].card) as usa:
        answer = usa.post(ADD_CHECKPOINT_PATH, content=offer[2])
    assert answer.status_code == 401
    assert "the TLS peer is USA" in answer.json()["message"]
    with peer_client(cast["JPN"], cast["KOR"].card) as own:
        assert own.post(ADD_CHECKPOINT_PATH, content=offer[2]).status_code == 200


def test_any_pinned_partner_may_read_checkpoints_and_proofs(cast: Cast) -> None:
    with peer_client(cast["KOR"], cast["USA"].card) as usa:
        assert usa.get("/peer/v1/card").json() == cast["KOR"].card.to_json()
    with peer_client(cast["KOR"], cast["KOR"].card) as itself:  # no partner's certificate
        answer = itself.get("/peer/v1/card")
    assert answer.status_code == 401
    assert "not pinned" in answer.json()["message"]


def test_a_delivered_batch_is_decoded_once(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    # The peer API parsed the body for its sender, then receive_batch parsed it again: two
    # decoded copies of a partner's batch before its signature was checked (ADR 0085).
    batch = kor_batch(cast)
    decoded: list[int] = []
    real = cbor2.loads

    def counting(data: bytes, **options: Any) -> Any:
        decoded.append(len(data))
        return real(data, **options)

    with peer_client(cast["JPN"], cast["KOR"].card) as kor:
        monkeypatch.setattr(cbor2, "loads", counting)
        answer = post_batch(kor, batch)
        monkeypatch.undo()
        document = opened_answers(cast["KOR"], batch, answer)
    assert document["answers"][0]["answer"]["status"] == "received"
    assert decoded.count(len(batch)) == 1


def _batch_of(cast: Cast, count: int) -> bytes:
    messages = []
    for _ in range(count):
        item_id = cast.publish("KOR", "kim", precedence="ROUTINE")
        messages += cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    return sealed(cast["KOR"], cast["JPN"], *messages)


@pytest.mark.parametrize(("count", "handled_as_flash"), [(1, True), (2, False)])
def test_only_a_lone_message_marked_flash_goes_first(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, count: int, handled_as_flash: bool
) -> None:
    """The FLASH lane sends each message alone: a partner marking a larger batch FLASH cannot
    jump its bulk ahead of this node's other work (the header only orders work)."""
    gate = cast["JPN"].precedence
    entered: list[int] = []
    real_enter = gate.enter

    def enter() -> None:
        entered.append(1)
        real_enter()

    monkeypatch.setattr(gate, "enter", enter)
    batch = _batch_of(cast, count)
    with peer_client(cast["JPN"], cast["KOR"].card) as kor:
        answer = kor.post(
            V2_PATH, content=batch, headers={"Content-Type": CBOR, PRECEDENCE_HEADER: "FLASH"}
        )
    document = opened_answers(cast["KOR"], batch, answer)
    assert [a["answer"]["status"] for a in document["answers"]] == ["received"] * count
    assert bool(entered) is handled_as_flash
    assert not gate.busy
