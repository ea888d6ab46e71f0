"""The delivery worker against a partner node in process: a fake HTTP session carries each
batch to the partner's `receive_batch`, so every answer is really signed and verified."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import ssl
import threading
from collections.abc import Callable, Generator, Iterator
from json import dumps
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from tests.exchange.test_exchange_precedence import WatchedGate
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import InputError, StoreDamaged
from gsomia.exchange import outbox
from gsomia.exchange import worker as worker_module
from gsomia.exchange.answers import sign_answers
from gsomia.exchange.wire import HELLO_PATH, PRECEDENCE_HEADER, V2_PATH
from gsomia.exchange.worker import DeliveryWorker, PeerAddress
from gsomia.node.receive import receive_batch
from gsomia.node.runtime import Node
from gsomia.node.settlement import opened_reason
from gsomia.seal import cbor
from gsomia.seal.sealed import seal_to
from gsomia.store.merkle_log import MerkleLog
from gsomia.store.tables import outbox as outbox_table

Handler = Callable[[str, dict[str, Any]], tuple[int, Any]]


class FakeResponse:
    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body
        self.request_info: Any = SimpleNamespace(real_url="https://jpn.invalid" + V2_PATH)

    async def read(self) -> bytes:
        return self.body

    async def __aenter__(self) -> FakeResponse:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    def __await__(self) -> Generator[Any, None, FakeResponse]:
        async def itself() -> FakeResponse:
            return self

        return itself().__await__()


class FakeSession:
    """Stands in for `aiohttp.ClientSession`; `handler` plays the partner."""

    def __init__(self, handler: Handler, answer_to: Node | None = None) -> None:
        self.handler = handler
        self.answer_to = answer_to  # whose card a partner seals its answers to
        self.batches: list[tuple[str, dict[str, Any]]] = []
        self.links: list[object] = []  # the `ssl` of each call: the partner's pinned context
        self.headers: list[Any] = []

    def post(
        self,
        url: str,
        *,
        json: dict[str, Any] | None = None,
        data: bytes | None = None,
        headers: object = None,
        timeout: object = None,
        ssl: object = None,
    ) -> FakeResponse:
        batch = json if data is None else cbor.loads(data, what="batch", limit=1 << 28)
        assert batch is not None
        self.batches.append((url, batch))
        self.links.append(ssl)
        self.headers.append(headers or {})
        status, document = self.handler(url, batch)
        if isinstance(document, dict) and status == 200 and data is not None:
            assert self.answer_to is not None
            plain = dumps(document).encode()
            return FakeResponse(status, seal_to(self.answer_to.card, plain, batch["head"]["batch"]))
        return FakeResponse(status, dumps(document).encode())


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("worker"), ("KOR", "JPN"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


@pytest.fixture
def kor(pair: Cast) -> Cast:
    """The pair with KOR's outbox emptied before each test."""
    with pair["KOR"].engine.begin() as conn:
        conn.execute(delete(outbox_table))
    return pair


def jpn_answers(pair: Cast) -> Handler:
    def handle(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
        assert url == "https://jpn.invalid" + V2_PATH
        document, _ = receive_batch(pair["JPN"], batch["head"]["sender"], cbor.dumps(batch))
        return 200, document

    return handle


def worker(pair: Cast, **hooks: Any) -> DeliveryWorker:
    kor = pair["KOR"]
    return DeliveryWorker(
        kor.engine,
        sender="KOR",
        resolve=kor.peer_address,
        clock=kor.clock,
        links=kor.links,
        keys=kor.keys,
        **hooks,
    )


def release(pair: Cast, **fields: Any) -> str:
    item_id = pair.publish("KOR", "kim", **fields)
    pair.release("KOR", "park", item_id)
    return item_id


def rows(pair: Cast) -> list[dict[str, Any]]:
    with pair["KOR"].engine.connect() as conn:
        found = conn.execute(select(outbox_table).order_by(outbox_table.c.id)).all()
        followed = {
            s.message_id: s.answer
            for s in outbox.of_messages(conn, pair["KOR"].keys, [r.message_id for r in found])
        }
    # The answer as the node reads it: opened (ADR 0088), its batch's head joined in (0097).
    return [{**r._mapping, "answer": followed[r.message_id]} for r in found]


def send(pair: Cast, session: FakeSession, *, flash: bool, **hooks: Any) -> DeliveryWorker:
    w = worker(pair, **hooks)
    due = w._due(flash)
    asyncio.run(w._send_all(session, due, flash=flash))  # type: ignore[arg-type]
    return w


def test_flash_and_bulk_lanes_split_the_queue(kor: Cast) -> None:
    release(kor, precedence="FLASH")
    release(kor, precedence="ROUTINE")
    release(kor, precedence="IMMEDIATE")
    w = worker(kor)
    assert [r.priority for r in w._due(True)] == [0]
    assert [r.priority for r in w._due(False)] == [1, 3]


def test_the_bulk_lane_polls_ids_only_and_reads_the_bodies_of_the_batch_it_sends(
    kor: Cast,
) -> None:
    for _ in range(3):
        release(kor, precedence="ROUTINE")
    w = worker(kor)
    due = w._due(False)
    assert [type(r) for r in due] == [outbox.Queued] * 3  # no 17 KB bodies read to poll
    assert all(isinstance(r, outbox.Queued) and r.size > 0 for r in due)
    session = FakeSession(jpn_answers(kor), kor["KOR"])
    asyncio.run(w._send_all(session, due, flash=False))  # type: ignore[arg-type]
    assert len(session.batches) == 1
    assert [r["state"] for r in rows(kor)] == ["received"] * 3


def test_a_flash_batch_asks_the_partner_to_handle_it_first_and_bulk_does_not(
    kor: Cast,
) -> None:
    release(kor, precedence="FLASH")
    release(kor, precedence="ROUTINE")
    session = FakeSession(jpn_answers(kor), kor["KOR"])
    send(kor, session, flash=True)
    send(kor, session, flash=False)
    assert [h.get(PRECEDENCE_HEADER) for h in session.headers] == ["FLASH", None]


def test_a_bulk_batch_is_settled_in_short_turns(kor: Cast) -> None:
    """Each turn is one transaction with what the node makes of its answers."""
    for _ in range(worker_module.SETTLE_TURN + 4):
        release(kor, precedence="ROUTINE")
    turns: list[int] = []

    def on_settled(conn: object, peer: str, done: list[object]) -> bool:
        turns.append(len(done))
        return False

    send(kor, FakeSession(jpn_answers(kor), kor["KOR"]), flash=False, on_settled=on_settled)
    assert turns == [worker_module.SETTLE_TURN, 4]
    assert {r["state"] for r in rows(kor)} == {"received"}


def test_a_bulk_batch_is_not_sealed_while_flash_work_is_in_hand(kor: Cast) -> None:
    """Its bodies are read (and then sealed in the bulk children) only once FLASH is done."""
    release(kor, precedence="ROUTINE")
    gate = WatchedGate()
    w = worker(kor, gate=gate)
    due = w._due(False)
    read: list[list[outbox.Pending]] = []
    with gate.flash():
        thread = threading.Thread(target=lambda: read.append(w._bodies(due)))
        thread.start()
        assert gate.waiting.wait(10), "the bulk batch never met the FLASH work"
        assert read == []  # it waits for the FLASH work
    thread.join(10)
    assert len(read) == 1
    assert [row.message_id for row in read[0]] == [row.message_id for row in due]
    assert all(row.body for row in read[0])


def test_delivered_rows_are_settled_with_the_signed_answer(kor: Cast) -> None:
    settled: list[tuple[str, int]] = []
    session = FakeSession(jpn_answers(kor), kor["KOR"])
    for _ in range(3):
        release(kor, precedence="ROUTINE")

    def on_settled(conn: object, peer: str, done: list[object]) -> bool:
        settled.append((peer, len(done)))
        return False

    send(kor, session, flash=False, on_settled=on_settled)
    assert len(session.batches) == 1  # the bulk lane batches
    assert settled == [("JPN", 3)]
    for row in rows(kor):
        assert row["state"] == outbox.RECEIVED
        assert row["answer"]["answer"]["marked"] == "極秘"
        assert row["answer"]["head"]["signer"] == kor["JPN"].card.key_id


def test_flash_goes_one_message_per_batch(kor: Cast) -> None:
    session = FakeSession(jpn_answers(kor), kor["KOR"])
    release(kor, precedence="FLASH")
    release(kor, precedence="FLASH")
    send(kor, session, flash=True)
    assert [len(batch["msgs"]) for _, batch in session.batches] == [1, 1]
    assert {r["state"] for r in rows(kor)} == {outbox.RECEIVED}


def test_an_answer_to_flash_waiting_for_the_log_holds_no_flash_thread(kor: Cast) -> None:
    """Logging a FLASH message's answer waits its turn at the log (24 answers per FLASH item
    to 24 partners); it waits on threads of its own, never on the FLASH threads the next
    FLASH item's claim and sealing need (ADR 0130: the 24-partner run found all eight of a
    delivery process's FLASH threads waiting for that turn, a FLASH item unclaimed 2 s)."""
    release(kor, precedence="FLASH")
    w = worker(kor)
    settled_on: list[str] = []
    real = w._settle_in_turn

    def settle(*args: Any) -> None:
        settled_on.append(threading.current_thread().name)
        real(*args)

    w._settle_in_turn = settle  # type: ignore[method-assign,assignment]
    send_with = FakeSession(jpn_answers(kor), kor["KOR"])
    asyncio.run(w._send_all(send_with, w._due(True), flash=True))  # type: ignore[arg-type]
    assert len(settled_on) == 1
    assert settled_on[0].startswith("gsomia-flash-answers")
    assert {r["state"] for r in rows(kor)} == {outbox.RECEIVED}


def test_a_rejection_settles_the_row_as_rejected(kor: Cast) -> None:
    jpn = kor["JPN"]

    def tamper(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
        for message in batch["msgs"]:
            message["ct"] = message["ct"][:-8] + b"AAAAAAAA"
        return jpn_answers(kor)(url, batch)

    release(kor)
    send(kor, FakeSession(tamper, kor["KOR"]), flash=True)
    [row] = rows(kor)
    assert row["state"] == outbox.REJECTED
    assert row["answer"]["answer"]["status"] == "rejected"
    assert jpn.card.key_id == row["answer"]["head"]["signer"]


def _unreachable(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
    raise aiohttp.ClientConnectionError("connection refused")


def _server_error(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
    return 500, {"error": "error", "message": "database down"}


def _not_json(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
    raise ValueError("Expecting value: line 1 column 1")


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (_unreachable, "ClientConnectionError"),
        (_server_error, "ClientResponseError"),
        (_not_json, "ValueError"),
    ],
    ids=["unreachable", "http-500", "not-json"],
)
def test_failures_are_retried_later(kor: Cast, handler: Handler, error: str) -> None:
    failures: list[str] = []
    release(kor)
    send(kor, FakeSession(handler), flash=True, on_failure=failures.append)
    [row] = rows(kor)
    assert (row["state"], row["attempts"]) == (outbox.QUEUED, 1)
    assert row["last_error"].startswith(error)
    assert row["next_attempt_at"] > row["created_at"]
    assert failures == ["JPN"]


@pytest.mark.parametrize("forgery", ["other-signer", "unsigned"])
def test_an_answer_not_signed_by_the_partner_is_not_evidence(kor: Cast, forgery: str) -> None:
    # The answers are JPN's, but signed by KOR's own keys, or carry a bogus signature.
    real = jpn_answers(kor)

    def forged(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
        status, document = real(url, batch)
        if forgery == "unsigned":
            document["jws"] = "eyJhbGciOiJub25lIn0.e30."
            return status, document
        said = [entry["answer"] for entry in document["answers"]]
        return status, sign_answers(said, keys=kor["KOR"].keys, now=kor["KOR"].clock())

    failures: list[str] = []
    release(kor)
    send(kor, FakeSession(forged, kor["KOR"]), flash=True, on_failure=failures.append)
    [row] = rows(kor)
    assert (row["state"], row["attempts"], row["answer"]) == (outbox.QUEUED, 1, None)
    assert failures == ["JPN"]


def test_unanswered_messages_are_retried(kor: Cast) -> None:
    jpn = kor["JPN"]

    def first_only(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
        document, _ = receive_batch(jpn, "KOR", cbor.dumps(batch))
        said = [entry["answer"] for entry in document["answers"][:1]]
        return 200, sign_answers(said, keys=jpn.keys, now=jpn.clock())

    release(kor, precedence="ROUTINE")
    release(kor, precedence="ROUTINE")
    send(kor, FakeSession(first_only, kor["KOR"]), flash=False)
    first, second = rows(kor)
    assert first["state"] == outbox.RECEIVED
    assert (second["state"], second["attempts"]) == (outbox.QUEUED, 1)
    assert second["last_error"] == "no answer for this message"


def test_a_peer_without_endpoint_is_retried(kor: Cast) -> None:
    release(kor)
    w = DeliveryWorker(kor["KOR"].engine, sender="KOR", resolve=lambda nation: None)
    session = FakeSession(_unreachable)
    asyncio.run(w._send_all(session, w._due(True), flash=True))  # type: ignore[arg-type]
    [row] = rows(kor)
    assert row["last_error"] == "peer JPN has no endpoint"
    assert session.batches == []


def test_idle_delay(kor: Cast) -> None:
    w = worker(kor)
    assert w._idle_delay() == w.fallback  # nothing queued: only the safety net (ADR 0142)
    release(kor)
    assert w._idle_delay() == 0.01  # already due: at once (the floor)


def test_run_sends_on_wake_and_stops(kor: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    w = worker(kor)
    w.wake(0)  # before run: no loop yet, nothing to wake
    seen: list[tuple[bool, int]] = []

    sent = asyncio.Event()

    async def fake_send_all(session: Any, due: Any, *, flash: bool) -> None:
        seen.append((flash, len(due)))
        w.settle("JPN", due, [])  # answered with nothing: the rows go back with a delay
        sent.set()

    monkeypatch.setattr(w, "_send_all", fake_send_all)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(w.run(stop))
        await asyncio.sleep(0.05)
        await asyncio.to_thread(release, kor, precedence="FLASH")
        w.wake(0)
        await asyncio.wait_for(sent.wait(), timeout=30)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(scenario())
    assert seen[0] == (True, 1)


def test_an_answer_and_what_the_node_makes_of_it_commit_together(kor: Cast) -> None:
    release(kor, precedence="ROUTINE")

    def on_settled(conn: Any, peer: str, done: list[Any]) -> bool:
        raise InputError("the node could not record this answer")

    send(kor, FakeSession(jpn_answers(kor), kor["KOR"]), flash=False, on_settled=on_settled)
    # Nothing settled: the row goes again, and JPN's inbox will answer it the same way.
    assert [r["state"] for r in rows(kor)] == [outbox.QUEUED]


def test_a_lane_outlives_a_failing_database(kor: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    w = worker(kor)
    monkeypatch.setattr("gsomia.exchange.worker.LANE_RETRY", 0.01)
    calls = {"due": 0}
    real_due = w._due

    def flaky_due(flash: bool) -> list[Any]:
        calls["due"] += 1
        if calls["due"] <= 2:
            raise OperationalError("SELECT", {}, Exception("database is locked"))
        return real_due(flash)

    sent = asyncio.Event()

    async def fake_send_all(session: Any, due: Any, *, flash: bool) -> None:
        w.settle("JPN", due, [])
        sent.set()

    monkeypatch.setattr(w, "_due", flaky_due)
    monkeypatch.setattr(w, "_send_all", fake_send_all)

    async def scenario() -> None:
        stop = asyncio.Event()
        await asyncio.to_thread(release, kor, precedence="FLASH")
        task = asyncio.create_task(w.run(stop))
        await asyncio.wait_for(sent.wait(), timeout=30)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(scenario())
    assert calls["due"] > 2  # the lanes carried on after the failures


def test_a_failed_peer_rests_until_its_back_off_or_its_hello(
    kor: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = kor["KOR"]
    frozen = node.clock()
    monkeypatch.setattr(node, "clock", lambda: frozen)  # no time passes during the test
    release(kor)
    w = worker(kor)
    asyncio.run(w._send_all(FakeSession(_unreachable), w._due(True), flash=True))  # type: ignore[arg-type]
    [row] = rows(kor)
    assert row["attempts"] == 1
    assert row["next_attempt_at"] > frozen
    # The whole partner rests, not just the row: a new FLASH item for JPN, due now, waits too.
    release(kor)
    assert w._due(True) == []
    # A second failure counts against the partner.
    w._retry(worker(kor)._due(True), "still down", flash=True)
    assert w._down["JPN"][0] == 2
    # JPN says hello: its rows are due at once and the back-off is forgotten.
    w.peer_is_back("JPN")
    assert "JPN" not in w._down
    assert len(w._due(True)) == 2
    send(kor, FakeSession(jpn_answers(kor), kor["KOR"]), flash=True)
    assert {r["state"] for r in rows(kor)} == {outbox.RECEIVED}


def test_a_failed_bulk_post_rests_the_bulk_lane_only_and_flash_still_goes(
    kor: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CCEB precedence: a bulk batch that timed out at a partner busy with bulk must not make
    the partner's next FLASH item wait out the bulk lane's back-off (24 partners: seconds)."""
    node = kor["KOR"]
    frozen = node.clock()
    monkeypatch.setattr(node, "clock", lambda: frozen)  # no time passes during the test
    release(kor, precedence="ROUTINE")
    w = worker(kor)
    asyncio.run(w._send_all(FakeSession(_unreachable), w._due(False), flash=False))  # type: ignore[arg-type]
    assert w._bulk_down["JPN"][0] == 1
    release(kor, precedence="ROUTINE")
    assert w._due(False) == []  # the bulk lane rests
    release(kor, precedence="FLASH")
    [flash] = w._due(True)  # the FLASH lane does not
    assert flash.priority == 0  # FLASH
    session = FakeSession(jpn_answers(kor), kor["KOR"])
    asyncio.run(w._send_all(session, [flash], flash=True))  # type: ignore[arg-type]
    assert "JPN" not in w._bulk_down  # the partner answered: the bulk lane goes again too
    assert [r["state"] for r in rows(kor) if r["priority"] == 0] == [outbox.RECEIVED]
    # The ROUTINE row released while the lane rested goes now; the failed one waits for its
    # own next attempt.
    assert len(w._due(False)) == 1


def test_hello_goes_to_every_partner_with_an_endpoint(
    kor: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "HELLO_DELAY", 0)
    w = DeliveryWorker(
        kor["KOR"].engine,
        sender="KOR",
        resolve=kor["KOR"].peer_address,
        peers=lambda: ["JPN", "USA"],  # no USA card is pinned: skipped
        links=kor["KOR"].links,
    )

    def refuse(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
        raise aiohttp.ClientConnectionError("down")  # a partner that is down is not an error

    for handler in (lambda url, batch: (204, None), refuse):
        session = FakeSession(handler)
        asyncio.run(w._say_hello(session))  # type: ignore[arg-type]
        assert session.batches == [("https://jpn.invalid" + HELLO_PATH, {"sender": "KOR"})]


def test_the_nodes_worker_logs_each_partners_answer(kor: Cast) -> None:
    # The node's own worker logs the answer on the sender's side too (R28, R39).
    node = kor["KOR"]
    received_id = release(kor)
    w = node.worker
    asyncio.run(w._send_all(FakeSession(jpn_answers(kor), kor["KOR"]), w._due(True), flash=True))  # type: ignore[arg-type]
    [entry] = [e for e in kor.log("KOR", received_id) if e["action"] == "answer:item"]
    assert (entry["actor"], entry["allowed"], entry["article"]) == (
        "JPN",
        True,
        "Art. 9, 11, UNCONFIRMED R28",
    )
    assert "marked 極秘" in entry["reason"]
    deliveries = node.metrics.deliveries.labels("JPN", "received")._value.get()
    assert deliveries >= 1

    def tamper(url: str, batch: dict[str, Any]) -> tuple[int, Any]:
        for message in batch["msgs"]:
            message["ct"] = message["ct"][:-8] + b"AAAAAAAA"
        return jpn_answers(kor)(url, batch)

    refused_id = release(kor)
    asyncio.run(w._send_all(FakeSession(tamper, kor["KOR"]), w._due(True), flash=True))  # type: ignore[arg-type]
    [entry] = [e for e in kor.log("KOR", refused_id) if e["action"] == "answer:item"]
    assert (entry["actor"], entry["allowed"]) == ("JPN", False)
    # The partner's reason is not in the text the audit lists: the log keeps it sealed (ADR 0088)
    assert entry["reason"] == "JPN refused it (its reason is sealed with the answer)"
    assert entry["article"].endswith("R28")
    with node.engine.connect() as conn:
        leaf = MerkleLog(conn).entry_bytes(entry["log_index"])
        event = MerkleLog(conn).entry(entry["log_index"])
        [message_id] = (
            conn.execute(
                select(outbox_table.c.message_id).where(outbox_table.c.item_id == refused_id)
            )
            .scalars()
            .all()
        )
        sent = outbox.settled(conn, node.keys, message_id)
    assert sent is not None
    assert sent.answer is not None
    reason = sent.answer["answer"]["reason"]
    assert reason
    assert reason.encode() not in leaf
    assert opened_reason(node.keys, message_id, dict(event.body)) == reason
    with pytest.raises(StoreDamaged):
        opened_reason(node.keys, "another message", dict(event.body))


def test_every_call_goes_over_the_partners_pinned_link_reused(kor: Cast) -> None:
    session = FakeSession(jpn_answers(kor), kor["KOR"])
    w = worker(kor)
    for _ in range(2):
        release(kor, precedence="FLASH")
        asyncio.run(w._send_all(session, w._due(True), flash=True))  # type: ignore[arg-type]
    [first, second] = session.links
    assert isinstance(first, ssl.SSLContext)
    assert first is second  # one context per partner card: the pool reuses its connections
    assert first.minimum_version is ssl.TLSVersion.TLSv1_3
    assert first.verify_mode is ssl.CERT_REQUIRED
    assert first.cert_store_stats()["x509"] == 1  # JPN's card's certificate, nothing else


def test_a_plain_http_endpoint_is_refused_saying_what_to_do(
    kor: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    release(kor, precedence="FLASH")
    card = kor["JPN"].card
    plain = PeerAddress("JPN", "http://jpn.invalid", card)
    session = FakeSession(jpn_answers(kor), kor["KOR"])
    w = DeliveryWorker(
        kor["KOR"].engine, sender="KOR", resolve=lambda _: plain, links=kor["KOR"].links
    )
    with caplog.at_level(logging.WARNING, "gsomia.delivery"):
        asyncio.run(w._send_all(session, w._due(True), flash=True))  # type: ignore[arg-type]
    assert session.batches == []  # nothing went out in the clear
    assert "not https" in caplog.text
    assert "--peer-listen" in caplog.text
    assert {r["state"] for r in rows(kor)} == {outbox.QUEUED}


def test_the_flash_lane_never_queues_behind_bulk_jobs_on_the_loops_executor(kor: Cast) -> None:
    """With every thread of the loop's default executor held by bulk work (24 partners' bulk
    turns do that), the FLASH lane's reads, sealing and settles still run at once, on the
    precedence gate's threads (ADR 0122)."""
    release(kor, precedence="FLASH")
    w = worker(kor)

    async def scenario() -> list[worker_module.Row]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(2))
        held = threading.Event()
        bulk = [loop.run_in_executor(None, held.wait, 30) for _ in range(4)]
        try:
            due = await asyncio.wait_for(w._off(True, w._due, True), 10)
            assert not any(job.done() for job in bulk)  # the bulk jobs still hold every thread
            return due
        finally:
            held.set()
            await asyncio.gather(*bulk)

    due = asyncio.run(scenario())
    assert [row.priority for row in due] == [worker_module.FLASH]


def test_a_flash_round_waiting_on_a_slow_partner_holds_up_no_later_flash(
    kor: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The FLASH lane does not wait for a round to end before it sends the next FLASH
    message: one partner slow to answer held up every later FLASH, to every partner."""
    w = worker(kor)
    rounds: list[list[str]] = []
    slow = asyncio.Event()
    second = asyncio.Event()

    async def fake_send_all(session: Any, due: Any, *, flash: bool) -> None:
        rounds.append([row.message_id for row in due])
        if len(rounds) == 1:
            await slow.wait()  # the first round's partner does not answer yet
        else:
            second.set()
        w.settle("JPN", due, [])

    monkeypatch.setattr(w, "_send_all", fake_send_all)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(w.run(stop))
        await asyncio.sleep(0.05)
        await asyncio.to_thread(release, kor, precedence="FLASH")
        w.wake(0)
        while not rounds:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(release, kor, precedence="FLASH")
        w.wake(0)
        await asyncio.wait_for(second.wait(), timeout=30)  # sent while the first still waits
        assert not slow.is_set()
        slow.set()
        stop.set()
        await asyncio.wait_for(task, timeout=10)

    asyncio.run(scenario())
    # The second round sent the new row only, not the one still in flight. (Answered with
    # nothing, rows go back with a delay, and may go again before the lane stops.)
    assert not set(rounds[0]) & set(rounds[1])
    assert w.gate.busy is False  # every round let go of the gate
