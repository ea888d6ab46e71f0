"""An idle node sleeps, and still misses nothing (ADR 0142).

The delivery lanes sleep until their next due time or a long fallback; what wakes them sooner
is a commit of their own process, or the node's watch seeing the database change
(`gsomia.store.changes`). Here the fallback is an hour: a row another process commits must
still be sent, which only the watch can have caused. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from tests.node.node_fixtures import Clock

from gsomia.exchange import outbox
from gsomia.exchange.worker import DeliveryWorker
from gsomia.node.assembly import assemble
from gsomia.node.home import init_home
from gsomia.node.runtime import Node
from gsomia.node.watch import watch
from gsomia.store.changes import Changes
from gsomia.store.db import make_engine

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
HOUR = 3600.0

#: Another process (as `gsomia agreement …` or the CLI would be) queues one message.
OTHER_PROCESS = """
import sys
from datetime import UTC, datetime
from gsomia.exchange import outbox
from gsomia.store.db import make_engine
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    outbox.enqueue(conn, message_id="from-elsewhere", kind="item", peer="JPN", priority=3,
                   body=b"sealed", now=datetime.now(UTC))
"""


def put(engine: Engine, message_id: str, now: datetime) -> None:
    with engine.begin() as conn:
        outbox.enqueue(
            conn, message_id=message_id, kind="item", peer="JPN", priority=3, body=b"x", now=now
        )


def test_a_look_says_changed_after_any_commit_and_not_after_reads(
    engine: Engine, database_url: str
) -> None:
    changes, other = Changes(engine), make_engine(database_url)
    try:
        assert changes.seen()  # the first look: nothing known yet
        assert not changes.seen()
        with engine.connect() as conn:  # reads commit nothing
            conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        assert not changes.seen()
        put(other, "m-other", NOW)  # another engine's connections: another process's
        assert changes.seen()
        assert not changes.seen()
        put(engine, "m-own", NOW)  # this process's own pool counts too
        assert changes.seen()
        changes.close()  # lost its connection: says changed, then watches again
        assert changes.seen()
        assert not changes.seen()
    finally:
        changes.close()
        other.dispose()


def test_a_lane_sleeps_until_its_next_due_time_computed_not_polled(engine: Engine) -> None:
    worker = DeliveryWorker(engine, sender="KOR", resolve=lambda _: None, clock=Clock(NOW))
    assert worker._idle_delay() == worker.fallback  # nothing queued: the safety net only
    put(engine, "m-retry", NOW)
    with engine.begin() as conn:
        [row] = outbox.due(conn, NOW, 10)
        outbox.retry_later(conn, [row], "partner down", NOW + timedelta(seconds=7))
    assert worker._idle_delay() == 7.0  # the retry's due time, not a poll
    worker.fallback = 5.0
    assert worker._idle_delay() == 5.0


@pytest.fixture
def node(tmp_path: Path, database_url: str) -> Iterator[Node]:
    home = init_home(
        tmp_path / "kor", "KOR", "ROK MND", "pw-KOR-0123456789", database_url=database_url
    )
    node = assemble(home)
    node.migrate()
    yield node
    node.engine.dispose()


def test_a_row_another_process_commits_is_sent_without_the_fallback(
    node: Node, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.worker.fallback = HOUR  # were it the lanes' only chance, the test would time out
    sent: list[str] = []
    arrived = asyncio.Event()

    async def fake_send_all(_session: Any, due: Any, *, flash: bool) -> None:
        sent.extend(row.message_id for row in due)
        await asyncio.to_thread(node.worker.settle, "JPN", due, [])  # back, later
        arrived.set()

    monkeypatch.setattr(node.worker, "_send_all", fake_send_all)

    async def scenario() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(node.worker.run(stop)), asyncio.create_task(watch(node, stop))]
        await asyncio.sleep(0.5)  # both asleep: the lanes for an hour
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", OTHER_PROCESS, database_url],
            check=True,
        )
        try:
            await asyncio.wait_for(arrived.wait(), timeout=60)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)

    asyncio.run(scenario())
    assert set(sent) == {"from-elsewhere"}  # (again at its retry times meanwhile)
