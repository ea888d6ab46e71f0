"""The node's processes tell each other what all must act on (ADR 0111): over PostgreSQL
LISTEN/NOTIFY, sealed under the node's key, each process acting once on each word."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gsomia.node.alerts import RECHECK
from gsomia.node.assembly import assemble
from gsomia.node.fanout import CHANNEL, WORD_WINDOW, fresh_word
from gsomia.node.home import init_home
from gsomia.node.runtime import Node
from gsomia.store.notify import conninfo, notify
from gsomia.store.scratch import drop_postgres_database, fresh_postgres_database

WAIT = 20.0  # seconds a word may take on a loaded machine: a bound, not a measurement


@pytest.fixture
def pair(postgres_admin_url: str, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    """Two processes' nodes of one home on one PostgreSQL, both listening."""
    url, name = fresh_postgres_database(postgres_admin_url)
    home = init_home(
        tmp_path / "kor", "KOR", "Republic of Korea MND", "pw-0123456789", database_url=url
    )
    one, two = assemble(home), assemble(home)
    one.migrate()
    for node in (one, two):
        node.share_with_other_processes()
    yield one, two
    for node in (one, two):
        node.fanout.stop()
        node.engine.dispose()
    drop_postgres_database(postgres_admin_url, name)


class Heard:
    def __init__(self) -> None:
        self.words: list[Any] = []
        self.event = threading.Event()

    def __call__(self, data: Any) -> None:
        self.words.append(data)
        self.event.set()


def test_a_word_is_acted_on_here_once_and_in_the_other_process(pair: tuple[Node, Node]) -> None:
    one, two = pair
    here, there = Heard(), Heard()
    one.fanout.on("probe", here)
    two.fanout.on("probe", there)
    one.fanout.share("probe", {"n": 1})
    assert there.event.wait(WAIT)
    assert there.words == [{"n": 1}]
    # Its own word comes back to the sender too, and is let go: acted on once, at once.
    second = Heard()
    two.fanout.on("probe", second)
    one.fanout.share("probe", {"n": 2})
    assert second.event.wait(WAIT)
    assert here.words == [{"n": 1}, {"n": 2}]


def test_a_recheck_ends_a_stream_open_on_another_process(pair: tuple[Node, Node]) -> None:
    one, two = pair

    async def scenario() -> dict[str, Any]:
        two.alerts.bind(asyncio.get_running_loop())
        async with two.alerts.subscribe("kim") as queue:
            one.alerts.recheck({"kim"})  # kim signed out on the first process
            return await asyncio.wait_for(queue.get(), WAIT)

    assert asyncio.run(scenario()) is RECHECK


def test_outbox_work_wakes_the_other_processes_worker(pair: tuple[Node, Node]) -> None:
    one, two = pair
    woken = Heard()
    two.worker.wake_here = woken  # type: ignore[method-assign,assignment]
    one.worker.wake(0)
    assert woken.event.wait(WAIT)
    assert woken.words == [0]


def test_what_crosses_the_server_is_sealed(pair: tuple[Node, Node]) -> None:
    one, _ = pair
    with psycopg.connect(conninfo(one.engine), autocommit=True) as spy:
        spy.execute(f"LISTEN {CHANNEL}")
        one.fanout.share("probe", {"title": "DPRK launch track"})
        [note] = list(spy.notifies(timeout=WAIT, stop_after=1))
    assert "DPRK" not in note.payload
    assert "probe" not in note.payload


def test_a_word_not_sealed_by_the_node_is_not_acted_on(pair: tuple[Node, Node]) -> None:
    one, two = pair
    forged, real = Heard(), Heard()
    two.fanout.on("probe", forged)
    two.fanout.on("real", real)
    # Anyone who may connect to the database server may NOTIFY; only the node can seal.
    notify(one.engine, CHANNEL, '{"from": "x", "kind": "probe", "data": 1}')
    one.fanout.share("real", 1)  # after the forgery: once heard, the forgery was too
    assert real.event.wait(WAIT)
    assert forged.words == []


def test_on_sqlite_a_word_is_acted_on_here_only(tmp_path: Path) -> None:
    home = init_home(tmp_path / "kor", "KOR", "Republic of Korea MND", "pw-0123456789")
    node = assemble(home)
    node.share_with_other_processes()
    here = Heard()
    node.fanout.on("probe", here)
    node.fanout.share("probe", 1)
    assert not node.fanout.shared
    assert here.words == [1]
    node.engine.dispose()


def test_a_sealed_word_said_again_is_not_acted_on_twice(pair: tuple[Node, Node]) -> None:
    """Anyone with a login to the server may LISTEN and NOTIFY: one who kept a sealed word (an
    officer's alert of a compromise, a FLASH alert) and says it again later must not raise
    it again on the node's screens (found by the attack, ADR 0121)."""
    one, two = pair
    heard, real = Heard(), Heard()
    two.fanout.on("probe", heard)
    two.fanout.on("real", real)
    with psycopg.connect(conninfo(one.engine), autocommit=True) as spy:
        spy.execute(f"LISTEN {CHANNEL}")
        one.fanout.share("probe", {"alert": "compromise reported"}, here=False)
        [note] = list(spy.notifies(timeout=WAIT, stop_after=1))
    assert heard.event.wait(WAIT)
    notify(one.engine, CHANNEL, note.payload)  # the insider says it again
    one.fanout.share("real", 1)  # after the replay: once heard, the replay was too
    assert real.event.wait(WAIT)
    assert heard.words == [{"alert": "compromise reported"}]


def test_a_word_is_fresh_once_and_only_within_its_window() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    seen: dict[str, datetime] = {}
    assert fresh_word("a", now.isoformat(), now, seen) is None
    assert fresh_word("a", now.isoformat(), now, seen) == "heard before"
    old = (now - WORD_WINDOW - timedelta(seconds=1)).isoformat()
    assert fresh_word("b", old, now, seen) == "outside its window"
    ahead = (now + WORD_WINDOW + timedelta(seconds=1)).isoformat()
    assert fresh_word("c", ahead, now, seen) == "outside its window"
    assert fresh_word("d", "not a time", now, seen) == "not dated"
    later = now + 3 * WORD_WINDOW
    assert fresh_word("e", later.isoformat(), later, seen) is None
    assert set(seen) == {"e"}  # what fell out of the window is forgotten
