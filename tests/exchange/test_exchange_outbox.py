"""The transactional outbox on SQLite and PostgreSQL: FLASH first, settled only once, retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from gsomia.errors import StoreDamaged
from gsomia.exchange import outbox
from gsomia.exchange.backoff import next_attempt
from gsomia.seal import generate_node_keys
from gsomia.store.tables import answer_batches
from gsomia.store.tables import outbox as outbox_table
from gsomia.treaty.items import Precedence

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FLASH, IMMEDIATE, PRIORITY, ROUTINE = 0, 1, 2, 3
KEYS = generate_node_keys(nation="KOR")


def put(engine: Engine, message_id: str, priority: int, *, peer: str = "JPN") -> None:
    with engine.begin() as conn:
        outbox.enqueue(
            conn,
            message_id=message_id,
            kind="item",
            peer=peer,
            priority=priority,
            body=message_id.encode(),
            now=NOW,
            item_id=f"KOR-{message_id}",
            agreement_id="KOR-JPN-2016",
            agreement_version=1,
        )


def due(engine: Engine, now: datetime = NOW, limit: int = 100) -> list[outbox.Pending]:
    with engine.begin() as conn:
        return outbox.due(conn, now, limit)


def row(engine: Engine, message_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(
            select(outbox_table).where(outbox_table.c.message_id == message_id)
        ).one()
    return dict(found._mapping)


def answer_of(engine: Engine, message_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        found = outbox.settled(conn, KEYS, message_id)
    assert found is not None
    return found.answer


def test_enqueue_writes_a_queued_row(engine: Engine) -> None:
    put(engine, "a", FLASH)
    stored = row(engine, "a")
    assert stored["state"] == outbox.QUEUED
    assert stored["attempts"] == 0
    assert stored["next_attempt_at"] == NOW
    assert stored["created_at"] == NOW
    assert (stored["item_id"], stored["agreement_id"], stored["agreement_version"]) == (
        "KOR-a",
        "KOR-JPN-2016",
        1,
    )
    [pending] = due(engine)
    assert (pending.message_id, pending.kind, pending.peer, pending.body) == (
        "a",
        "item",
        "JPN",
        b"a",
    )


def test_due_is_flash_first_then_oldest_first(engine: Engine) -> None:
    for message_id, priority in [
        ("r1", ROUTINE),
        ("p1", PRIORITY),
        ("f1", FLASH),
        ("r2", ROUTINE),
        ("i1", IMMEDIATE),
        ("f2", FLASH),
    ]:
        put(engine, message_id, priority)
    assert [p.message_id for p in due(engine)] == ["f1", "f2", "i1", "p1", "r1", "r2"]
    assert [p.message_id for p in due(engine, limit=3)] == ["f1", "f2", "i1"]


def test_nothing_is_due_before_its_time(engine: Engine) -> None:
    put(engine, "a", ROUTINE)
    assert due(engine, NOW - timedelta(microseconds=1)) == []
    assert len(due(engine, NOW)) == 1


def test_settle_records_the_answer_once(engine: Engine) -> None:
    put(engine, "a", FLASH)
    put(engine, "b", ROUTINE)
    [a, b] = due(engine)
    later = NOW + timedelta(seconds=2)
    with engine.begin() as conn:
        outbox.settle(
            conn,
            KEYS,
            [(a.id, outbox.RECEIVED, {"answer": {"id": "a", "status": "received"}})],
            later,
        )
    stored = row(engine, "a")
    assert stored["state"] == outbox.RECEIVED
    assert stored["settled_at"] == later
    assert answer_of(engine, "a") == {"answer": {"id": "a", "status": "received"}}
    assert [p.message_id for p in due(engine, later)] == ["b"]
    # A second answer for a settled row changes nothing: the first signed answer stands.
    with engine.begin() as conn:
        outbox.settle(conn, KEYS, [(a.id, outbox.REJECTED, {"other": True})], later + timedelta(1))
    assert row(engine, "a")["state"] == outbox.RECEIVED
    assert answer_of(engine, "a") == {"answer": {"id": "a", "status": "received"}}
    assert b.message_id == "b"


def test_retry_later_counts_and_pushes_back(engine: Engine) -> None:
    put(engine, "a", FLASH)
    put(engine, "b", FLASH)
    pending = due(engine)
    with engine.begin() as conn:
        outbox.retry_later(
            conn, pending[:1], "connection refused " + "x" * 600, next_attempt(0, NOW, 0.5)
        )
    stored = row(engine, "a")
    assert stored["attempts"] == 1
    assert stored["next_attempt_at"] == next_attempt(0, NOW, 0.5)
    assert stored["next_attempt_at"] > NOW
    assert isinstance(stored["last_error"], str)
    assert stored["last_error"].startswith("connection refused")
    assert len(stored["last_error"]) == 500
    assert [p.message_id for p in due(engine)] == ["b"]
    [again] = due(engine, next_attempt(0, NOW, 0.5), limit=1)
    assert (again.message_id, again.attempts) == ("a", 1)
    # The caller (the worker's per-peer back-off) decides how long; the row keeps count.
    with engine.begin() as conn:
        outbox.retry_later(conn, [again], "still down", next_attempt(1, NOW, 0.5))
    assert row(engine, "a")["attempts"] == 2
    assert row(engine, "a")["next_attempt_at"] == next_attempt(1, NOW, 0.5)


def test_retry_later_leaves_settled_rows_alone(engine: Engine) -> None:
    put(engine, "a", FLASH)
    [a] = due(engine)
    with engine.begin() as conn:
        outbox.settle(conn, KEYS, [(a.id, outbox.REJECTED, {"reason": "no"})], NOW)
        outbox.retry_later(conn, [a], "late failure", next_attempt(0, NOW, 0.9))
    stored = row(engine, "a")
    assert (stored["state"], stored["attempts"], stored["last_error"]) == ("rejected", 0, None)


def test_depth_and_next_due(engine: Engine) -> None:
    with engine.connect() as conn:
        assert outbox.depth_by_priority(conn) == {}
        assert outbox.next_due_at(conn) is None
    for message_id, priority in [("f1", FLASH), ("f2", FLASH), ("r1", ROUTINE), ("r2", ROUTINE)]:
        put(engine, message_id, priority)
    pending = {p.message_id: p for p in due(engine)}
    with engine.begin() as conn:
        outbox.settle(conn, KEYS, [(pending["r2"].id, outbox.RECEIVED, {})], NOW)
        outbox.retry_later(conn, [pending["f1"]], "down", next_attempt(0, NOW, 0.5))
    with engine.connect() as conn:
        assert outbox.depth_by_priority(conn) == {FLASH: 2, ROUTINE: 1}
        assert outbox.next_due_at(conn) == NOW
    with engine.begin() as conn:
        outbox.settle(
            conn,
            KEYS,
            [(pending["f2"].id, "received", {}), (pending["r1"].id, "received", {})],
            NOW,
        )
    with engine.connect() as conn:
        assert outbox.depth_by_priority(conn) == {FLASH: 1}
        assert outbox.next_due_at(conn) == next_attempt(0, NOW, 0.5)


def test_retry_now_makes_a_peers_waiting_rows_due(engine: Engine) -> None:
    put(engine, "a", FLASH)
    put(engine, "b", ROUTINE)
    put(engine, "u", ROUTINE, peer="USA")
    later = NOW + timedelta(seconds=30)
    pending = due(engine)
    with engine.begin() as conn:
        outbox.retry_later(conn, pending, "down", later)
    assert due(engine) == []
    with engine.begin() as conn:
        assert outbox.retry_now(conn, "JPN", NOW) == 2
        assert outbox.retry_now(conn, "JPN", NOW) == 0  # nothing left waiting
    assert [p.message_id for p in due(engine)] == ["a", "b"]
    assert row(engine, "u")["next_attempt_at"] == later


@pytest.mark.parametrize("precedence", list(Precedence))
def test_a_priority_stands_for_its_precedence(precedence: Precedence) -> None:
    assert outbox.precedence_of(outbox.priority(precedence)) is precedence


def test_the_sender_follows_what_it_sent(engine: Engine) -> None:
    put(engine, "a", ROUTINE)
    put(engine, "b", FLASH, peer="USA")
    with engine.begin() as conn:
        [a] = [p for p in outbox.due(conn, NOW, 10) if p.message_id == "a"]
        outbox.settle(conn, KEYS, [(a.id, outbox.RECEIVED, {"answer": {"marked": "極秘"}})], NOW)
    with engine.connect() as conn:
        newest_first = outbox.sent(conn, KEYS, "item", limit=10)
        of_a = outbox.sent(conn, KEYS, "item", item_id="KOR-a", limit=10)
        none = outbox.sent(conn, KEYS, "agreement_event", limit=10)
        basis = outbox.agreements_of(conn, ["a", "b", "unknown"])
    assert [(s.message_id, s.peer, s.state) for s in newest_first] == [
        ("b", "USA", outbox.QUEUED),
        ("a", "JPN", outbox.RECEIVED),
    ]
    [sent] = of_a
    assert (sent.priority, sent.settled_at, sent.answer) == (
        ROUTINE,
        NOW,
        {"answer": {"marked": "極秘"}},
    )
    assert none == []
    assert basis == {"a": "KOR-JPN-2016", "b": "KOR-JPN-2016"}


def test_an_answer_is_sealed_at_rest_bound_to_its_row(engine: Engine) -> None:
    put(engine, "a", ROUTINE)
    put(engine, "b", ROUTINE)
    [a, b] = due(engine)
    answer = {"answer": {"id": "a", "status": "rejected", "reason": "not under KOR-JPN-2016"}}
    with engine.begin() as conn:
        outbox.settle(conn, KEYS, [(a.id, outbox.REJECTED, answer)], NOW)
    assert "KOR-JPN-2016" not in str(row(engine, "a")["answer"])
    assert answer_of(engine, "a") == answer
    # The sealed value copied onto another row does not open there: damage, naming the row.
    copied = row(engine, "a")["answer"]
    with engine.begin() as conn:
        conn.execute(
            outbox_table.update()
            .where(outbox_table.c.id == b.id)
            .values(state=outbox.REJECTED, answer=copied)
        )
    with engine.connect() as conn, pytest.raises(StoreDamaged, match=f"outbox row {b.id}"):
        outbox.settled(conn, KEYS, "b")


def _entry(message_id: str, head: dict[str, Any]) -> dict[str, Any]:
    """An answer entry as `verify_answers` returns it: its own part and its batch's."""
    return {
        "answer": {"id": message_id, "status": "received", "marked": "極秘"},
        "index": 0,
        "proof": ["aGFzaA"],
        "head": head,
        "jws": "eyJ." + "s" * 4000,  # an ML-DSA-65 signature is this large and larger
    }


def test_what_an_answer_batch_shares_is_stored_once_and_read_back_whole(
    engine: Engine,
) -> None:
    for name in ("a", "b", "c"):
        put(engine, name, ROUTINE)
    a, b, c = due(engine)
    first = {"type": "gsomia-answers/1", "signer": "jpn-key", "size": 2, "root": "r1"}
    second = {**first, "root": "r2"}
    with engine.begin() as conn:  # two turns of one batch, and another batch
        outbox.settle(conn, KEYS, [(a.id, outbox.RECEIVED, _entry("a", first))], NOW)
    with engine.begin() as conn:
        outbox.settle(
            conn,
            KEYS,
            [
                (b.id, outbox.RECEIVED, _entry("b", first)),
                (c.id, outbox.RECEIVED, _entry("c", second)),
            ],
            NOW,
        )
    with engine.connect() as conn:
        stored = conn.execute(select(answer_batches.c.digest)).scalars().all()
        followed = {s.message_id: s.answer for s in outbox.of_messages(conn, KEYS, ["a", "b"])}
        [delivered] = outbox.delivered(conn, KEYS, "item", "KOR-c")
    assert len(stored) == 2
    assert row(engine, "a")["answer_batch"] == row(engine, "b")["answer_batch"]
    assert len(str(row(engine, "a")["answer"])) < 1000  # the row keeps no signature
    assert "jpn-key" not in str(row(engine, "a")["answer"])
    assert followed == {"a": _entry("a", first), "b": _entry("b", first)}
    assert delivered.answer == _entry("c", second)
    assert answer_of(engine, "b") == _entry("b", first)


def test_an_answer_batch_moved_to_another_digest_is_damage(engine: Engine) -> None:
    put(engine, "a", ROUTINE)
    put(engine, "b", ROUTINE)
    a, b = due(engine)
    head = {"type": "gsomia-answers/1", "root": "r1"}
    with engine.begin() as conn:
        outbox.settle(conn, KEYS, [(a.id, outbox.RECEIVED, _entry("a", head))], NOW)
        outbox.settle(
            conn, KEYS, [(b.id, outbox.RECEIVED, _entry("b", {**head, "root": "r2"}))], NOW
        )
    with engine.begin() as conn:
        query = select(answer_batches.c.digest, answer_batches.c.evidence)
        evidence = dict(conn.execute(query).all())
        one, other = sorted(evidence)
        conn.execute(
            answer_batches.update()
            .where(answer_batches.c.digest == one)
            .values(evidence=evidence[other])
        )
    with engine.connect() as conn:
        damaged = [m for m in ("a", "b") if row(engine, m)["answer_batch"] == one]
        with pytest.raises(StoreDamaged, match="does not open"):
            outbox.settled(conn, KEYS, damaged[0])


def test_an_answer_in_clear_is_damage_until_the_one_pass_seals_it(engine: Engine) -> None:
    put(engine, "a", ROUTINE)
    [a] = due(engine)
    clear = {"answer": {"id": "a", "status": "received", "marked": "極秘"}}
    with engine.begin() as conn:
        conn.execute(
            outbox_table.update()
            .where(outbox_table.c.id == a.id)
            .values(state=outbox.RECEIVED, answer=clear)
        )
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="in clear"):
        outbox.sent(conn, KEYS, "item", limit=10)
    with engine.begin() as conn:
        assert outbox.seal_clear_answers(conn, KEYS) == 1
        assert outbox.seal_clear_answers(conn, KEYS) == 0
    assert answer_of(engine, "a") == clear
