"""The log's one order across processes, and FLASH ahead of the queue for it (ADR 0130).

On PostgreSQL every append locks the log's state row until commit, and waiters take it first
come, first served. The 24-partner load test found fifteen bulk transactions queued there and
a FLASH publish behind them. Other work now waits for its turn among its own kind first, so
a FLASH item's append competes for the row with one of each kind at most. These tests hold
transactions open on real PostgreSQL connections and assert which waits where (`pg_locks`)
and where each append went: states and orderings, not times.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from gsomia.exchange.precedence import PrecedenceGate
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.store.merkle_log import (
    FLASH_ANSWERS_TURN,
    MerkleLog,
    flash_work,
    in_flash_work,
    log_turn,
)

WHEN = datetime(2026, 12, 3, tzinfo=UTC)
SETTLE = 30.0  # generous: a bound on a stuck test, never a figure asserted


def _event(actor: str) -> LogEvent:
    return LogEvent(EventKind.DECISION, WHEN, actor, (f"item-{actor}",))


class Appender(threading.Thread):
    """Appends one event as `actor` in a transaction of its own, FLASH work or not, and
    commits once `release` is set (at once if it is None); `index` is where it went."""

    def __init__(
        self,
        postgres_engine: Engine,
        actor: str,
        *,
        flash: bool,
        release: bool = True,
        turn: str | None = None,
    ):
        super().__init__(daemon=True)
        self.engine, self.actor, self.flash, self.turn = (
            postgres_engine,
            actor,
            flash,
            turn,
        )
        self.release = threading.Event()
        if release:
            self.release.set()
        self.appended = threading.Event()
        self.index: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.engine.begin() as conn:
                named = text("SELECT set_config('application_name', :name, true)")
                conn.execute(named, {"name": self.actor})
                with (
                    flash_work()
                    if self.flash
                    else log_turn(self.turn)
                    if self.turn
                    else contextlib.nullcontext()
                ):
                    self.index = MerkleLog(conn).append([_event(self.actor)])[0]
                self.appended.set()
                assert self.release.wait(SETTLE)
        except BaseException as error:  # reported by the test
            self.error = error
            self.appended.set()


def _waiting_on(postgres_engine: Engine, actor: str) -> str | None:
    """What `actor`'s connection waits for now ("advisory", "tuple", "transactionid"...)."""
    with postgres_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.locktype FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE NOT l.granted AND a.application_name = :name"
            ),
            {"name": actor},
        ).scalars()
        return next(iter(rows), None)


def _until_waiting(postgres_engine: Engine, actor: str) -> str:
    """What `actor` waits for, once it waits (a bound on a stuck test, not a timing)."""
    for _ in range(int(SETTLE / 0.01)):
        if (what := _waiting_on(postgres_engine, actor)) is not None:
            return what
        time.sleep(0.01)
    raise AssertionError(f"{actor} never waited")


ROW = {"transactionid", "tuple"}  # waiting on the log's state row itself


def _released(*appenders: Appender) -> list[int | None]:
    for appender in appenders:
        appender.release.set()
    for appender in appenders:
        appender.join(SETTLE)
        assert appender.error is None
    return sorted(appender.index for appender in appenders)  # type: ignore[type-var]


def test_of_each_kind_of_work_one_queues_for_the_row_and_flash_skips_the_queue(
    postgres_engine: Engine,
) -> None:
    """PostgreSQL hands the row to its waiters roughly in arrival order (not strictly: a
    waiter re-reads a row its holder updated, and a newcomer can get there first), so what is
    asserted is who waits where: with the row held, one bulk append and one FLASH answer wait
    for it, the others of their kinds wait for their turn, and a FLASH item waits for the row
    alone. Before ADR 0130 all of them waited for the row, the FLASH item behind them."""
    holder = Appender(postgres_engine, "holder", flash=True, release=False)
    holder.start()
    assert holder.appended.wait(SETTLE)
    assert holder.error is None
    kinds = {"bulk": None, "answer": FLASH_ANSWERS_TURN}
    others = [
        Appender(postgres_engine, f"{kind}-{n}", flash=False, release=False, turn=turn)
        for kind, turn in kinds.items()
        for n in range(3)
    ]
    for appender in others:
        appender.start()
    waits = {appender.actor: _until_waiting(postgres_engine, appender.actor) for appender in others}
    for kind in kinds:
        mine = [what for actor, what in waits.items() if actor.startswith(kind)]
        assert mine.count("advisory") == 2
        assert len([what for what in mine if what in ROW]) == 1
    flash = Appender(postgres_engine, "flash", flash=True, release=False)
    flash.start()
    assert _until_waiting(postgres_engine, "flash") in ROW
    assert _released(holder, flash, *others) == list(range(8))


def test_a_flash_append_waits_for_no_turn(postgres_engine: Engine) -> None:
    """A bulk transaction holding the turn but not yet the row does not hold FLASH up."""
    with postgres_engine.begin() as conn:
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": "gsomia.log:bulk-turn"},
        )
        flash = Appender(postgres_engine, "flash-alone", flash=True)
        flash.start()
        flash.join(SETTLE)
        assert flash.error is None
        assert flash.index == 0
        bulk = Appender(postgres_engine, "bulk-behind-turn", flash=False)
        bulk.start()
        assert _until_waiting(postgres_engine, "bulk-behind-turn") == "advisory"
    bulk.join(SETTLE)
    assert bulk.error is None
    assert bulk.index == 1


def test_a_transaction_appending_twice_takes_its_turn_once(postgres_engine: Engine) -> None:
    """FLASH then bulk in one transaction: no wait for the turn while holding the row (that
    would deadlock with a turn holder waiting for the row)."""
    with postgres_engine.begin() as conn:
        with flash_work():
            first = MerkleLog(conn).append([_event("a")])
        other = Appender(postgres_engine, "bulk-other", flash=False)
        other.start()
        assert _until_waiting(postgres_engine, "bulk-other") in {"transactionid", "tuple"}
        second = MerkleLog(conn).append([_event("b")])  # returns: no turn taken here
    other.join(SETTLE)
    assert other.error is None
    assert (first, second, other.index) == ([0], [1], 2)


def test_the_gate_marks_flash_work_on_its_threads_and_inside_flash() -> None:
    gate = PrecedenceGate()
    assert not in_flash_work()
    with gate.flash():
        assert in_flash_work()
    assert not in_flash_work()
    assert gate.threads.submit(in_flash_work).result(SETTLE)


def test_two_first_appends_queue_on_the_row_one_makes(postgres_engine: Engine) -> None:
    """The state row is made only by an append that finds none (ADR 0137: asked on every
    append it was a third of an append's own time): the second of two first appends waits
    for the first's row, then appends after it, never a second entry 0."""
    with postgres_engine.begin() as conn:
        conn.execute(text("DELETE FROM log_state"))  # a log no append has touched
        assert MerkleLog(conn).size() == 0
    first = Appender(postgres_engine, "first", flash=True, release=False)
    first.start()
    assert first.appended.wait(SETTLE)
    assert first.error is None
    second = Appender(postgres_engine, "second", flash=True)
    second.start()
    assert _until_waiting(postgres_engine, "second") in ROW
    assert _released(first, second) == [0, 1]
    with postgres_engine.connect() as conn:
        assert MerkleLog(conn).size() == 2
