"""The exchange between real node processes over real HTTP: nothing lost, nothing twice.

Each test starts `gsomia serve` processes; the delivery path has no in-process shortcut.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.integration.conftest import MakeNet
from tests.node.node_fixtures import batch_of, opened_answers, post_batch

from gsomia.client import NodeClient
from gsomia.demo.run import run_story
from gsomia.devnet import DevNet
from gsomia.exchange import outbox as queue
from gsomia.exchange.kinds import ITEM_HEADER
from gsomia.labels import label_to_obj, make_label, national_policy
from gsomia.node.runtime import Node
from gsomia.seal.held import queued
from gsomia.seal.sealed import Plain
from gsomia.store.tables import access_log, holdings, outbox, rejections

pytestmark = pytest.mark.integration

ITEMS = 1000


def _count(node: Node, query: object) -> int:
    with node.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]


def _publish_many(net: DevNet, count: int, precedence: str = "ROUTINE") -> list[str]:
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")

    def one(n: int) -> str:
        item_id = kim.publish(
            title=f"track report {n}",
            level="군사III급비밀",
            releasable_to=["JPN"],
            purpose="missile-warning",
            precedence=precedence,
            text=f"report {n} " + "x" * 1000,
        )
        outcome = park.release(item_id)
        assert outcome[0]["decision"]["allowed"], outcome
        return item_id

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _settled(node: Node) -> int:
    return _count(node, select(func.count()).where(outbox.c.state != "queued"))


def test_demo_story_behaves_as_required(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN", "USA"))
    net.start_all()
    story = run_story(net)
    assert story.checks
    assert story.passed, [what for what, ok in story.checks if not ok]


def test_receiver_down_gets_every_item_exactly_once_when_back(make_net: MakeNet) -> None:
    net = make_net()
    net.start("KOR")
    item_ids = _publish_many(net, ITEMS)
    kor = net.node("KOR")
    assert _count(kor, select(func.count()).where(outbox.c.state == "queued")) == ITEMS
    net.start("JPN")
    _wait(lambda: _settled(kor) == ITEMS, 180, "every transfer to be answered")
    jpn = net.node("JPN")
    assert _count(jpn, select(func.count()).select_from(holdings)) == ITEMS
    assert _count(jpn, select(func.count(func.distinct(holdings.c.item_id)))) == ITEMS
    assert _count(kor, select(func.count()).where(outbox.c.state == "received")) == ITEMS
    assert _held_items(net.client("JPN", "sato")) == set(item_ids)


def _held_items(client: NodeClient) -> set[str]:
    """Every holding the API lists to `client`, page after page (lists are paged)."""
    held: set[str] = set()
    cursor: str | None = None
    while True:
        page = client.page("/api/v1/holdings", limit=500, cursor=cursor)
        held |= {h["item_id"] for h in page.rows}
        if page.next is None:
            return held
        cursor = page.next


def test_sender_killed_mid_transfer_loses_nothing_and_sends_nothing_twice(
    make_net: MakeNet,
) -> None:
    net = make_net()
    net.start("KOR")
    _publish_many(net, ITEMS)
    kor = net.node("KOR")
    net.start("JPN")
    _wait(lambda: _settled(kor) > 0, 120, "the first answers")
    assert net.stop("KOR", signal.SIGKILL) == -signal.SIGKILL
    assert _settled(kor) <= ITEMS
    net.start("KOR")
    _wait(lambda: _settled(kor) == ITEMS, 180, "every transfer to be answered after restart")
    jpn = net.node("JPN")
    assert _count(jpn, select(func.count()).select_from(holdings)) == ITEMS
    assert _count(jpn, select(func.count(func.distinct(holdings.c.envelope_id)))) == ITEMS
    with kor.engine.connect() as conn:
        ids = conn.execute(select(outbox.c.message_id)).scalars().all()
        answers = [sent.answer for sent in queue.of_messages(conn, kor.keys, ids)]
    assert all(a and a["answer"]["status"] == "received" and a["jws"] for a in answers)


def _pending(row: Any) -> queue.Pending:
    m = row._mapping
    return queue.Pending(*(m[f] for f in queue.Pending.__dataclass_fields__))


def test_same_envelope_posted_twice_is_applied_once(make_net: MakeNet) -> None:
    net = make_net()
    net.start("KOR")
    _publish_many(net, 1, precedence="IMMEDIATE")
    kor = net.node("KOR")
    with kor.engine.connect() as conn:
        row = conn.execute(select(outbox)).one()
    net.start("JPN")
    batch = batch_of(kor, net.node("JPN"), [_pending(row)])
    with net.peer_http("KOR", "JPN") as kor_link:  # KOR's own pinned mutual-TLS link
        first = opened_answers(kor, batch, post_batch(kor_link, batch))
        second = opened_answers(kor, batch, post_batch(kor_link, batch))
    assert first["answers"][0]["answer"] == second["answers"][0]["answer"]
    assert first["answers"][0]["answer"]["status"] == "received"
    _wait(lambda: _settled(kor) == 1, 60, "KOR's own delivery of the same envelope")
    jpn = net.node("JPN")
    assert _count(jpn, select(func.count()).select_from(holdings)) == 1


def test_a_refused_item_is_answered_with_the_reason_and_logged_on_both_sides(
    make_net: MakeNet,
) -> None:
    net = make_net(("KOR", "JPN"))
    net.start_all()
    kor = net.node("KOR")
    # An envelope that claims the KOR–USA agreement but is sent to JPN: JPN must refuse it.
    now = kor.clock()
    label = label_to_obj(
        make_label(
            policy=national_policy("KOR", date(1980, 1, 1)),
            classification="군사II급비밀",
            originator="KOR",
            created_at=now,
            releasable_to=("JPN", "KOR"),
            purposes=("missile-warning",),
            label_id="KOR-forged",
        )
    )
    header = {
        "type": ITEM_HEADER,
        "label": label,
        "item": {
            "id": "KOR-forged",
            "title": "wrong agreement",
            "agreement": "KOR-USA-1987",
            "version": 1,
            "precedence": "ROUTINE",
        },
    }
    card = kor.peer_card("JPN")
    assert card is not None
    body = queued(kor.keys, Plain("forged0001", "item", header, b"x"), "JPN")
    with kor.engine.begin() as conn:
        queue.enqueue(
            conn,
            message_id="forged0001",
            kind="item",
            peer="JPN",
            priority=3,
            body=body,
            now=now,
            item_id="KOR-forged",
        )
    _wait(lambda: _settled(kor) == 1, 60, "JPN's answer")
    with kor.engine.connect() as conn:
        row = conn.execute(select(outbox.c.id, outbox.c.state, outbox.c.answer)).one()
        sender_log = (
            conn.execute(select(access_log.c.reason).where(access_log.c.subject == "KOR-forged"))
            .scalars()
            .all()
        )
    assert row.state == "rejected"
    assert (
        "KOR-USA-1987"
        in (queue.opened_answer(kor.keys, row.id, row.answer) or {})["answer"]["reason"]
    )
    assert any("refused" in reason for reason in sender_log)
    jpn = net.node("JPN")
    assert _count(jpn, select(func.count()).select_from(holdings)) == 0
    with jpn.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rejections)).scalar_one() == 1
