"""A partner's FLASH budget is one across the node's processes (ADR 0127): two budget keepers
on one database (as two API processes hold them) give a partner what one would, and the run
of demoted messages is logged once by whichever process sees it begin. The two real API
processes: `tests/integration/test_integration_shared_limits.py`."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import Engine, update

from gsomia.node.flash_budget import FlashBudgets
from gsomia.store.db import make_engine
from gsomia.store.tables import shared_buckets
from gsomia.treaty.flash import FlashBudget
from gsomia.treaty.items import Precedence

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
BUDGET = FlashBudget(per_hour=60, burst=10)


class _Labelled:
    def __init__(self) -> None:
        self.counter = Counter("demoted", "d", ["peer"], registry=CollectorRegistry())

    def labels(self, peer: str) -> object:
        return self.counter.labels(peer)

    def count(self, peer: str) -> float:
        return float(self.counter.labels(peer)._value.get())


def test_two_processes_share_one_budget_and_log_the_run_once(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    counts = [_Labelled(), _Labelled()]
    keepers = [FlashBudgets(c, shared=engine) for c in counts]
    with caplog.at_level(logging.WARNING, "gsomia.precedence"):
        got = [keepers[n % 2].precedence("KOR", BUDGET, NOW) for n in range(20)]
    assert got.count(Precedence.FLASH) == BUDGET.burst  # not 2 x burst
    assert got[BUDGET.burst :] == [Precedence.IMMEDIATE] * 10
    assert sum(c.count("KOR") for c in counts) == 10
    assert len([r for r in caplog.records if r.name == "gsomia.precedence"]) == 1
    # another partner's bucket is its own; a minute later one more FLASH for KOR
    assert keepers[1].precedence("USA", BUDGET, NOW) is Precedence.FLASH
    later = NOW + timedelta(minutes=1)
    assert keepers[1].precedence("KOR", BUDGET, later) is Precedence.FLASH
    assert keepers[0].precedence("KOR", BUDGET, later) is Precedence.IMMEDIATE


def test_keepers_racing_on_the_first_take_still_share_one_budget(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several processes share a database on PostgreSQL only")
    others = [make_engine(str(engine.url.render_as_string(hide_password=False))) for _ in range(3)]
    keepers = [FlashBudgets(_Labelled(), shared=e) for e in (engine, *others)]
    try:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda n: keepers[n % 4].precedence("JPN", BUDGET, NOW), range(40)))
    finally:
        for other in others:
            other.dispose()
    assert got.count(Precedence.FLASH) == BUDGET.burst


def test_sqlite_keeps_the_budget_in_the_one_process() -> None:
    """On SQLite the node is one process: no shared row, and no queueing for the write lock."""
    keeper = FlashBudgets(_Labelled())
    got = [keeper.precedence("KOR", BUDGET, NOW) for _ in range(12)]
    assert got.count(Precedence.FLASH) == BUDGET.burst


def test_a_connection_the_server_dropped_costs_no_flash_message(engine: Engine) -> None:
    """No ping before each take (it doubled the cost): a dropped connection is tried anew."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the shared buckets' own connections are PostgreSQL's")
    keeper = FlashBudgets(_Labelled(), shared=engine)
    try:
        assert keeper.precedence("KOR", BUDGET, NOW) is Precedence.FLASH
        with engine.connect() as conn:  # the server ends every other session of the database
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        assert keeper.precedence("KOR", BUDGET, NOW) is Precedence.FLASH
    finally:
        keeper.close()


def test_a_budget_row_dated_ahead_or_overdrawn_refills_as_an_empty_one_would(
    engine: Engine,
) -> None:
    """Found by the attack (ADR 0129): the shared row is plain state that any login to the
    database may write, and that a process whose clock stepped a day forward writes too. Dated
    ten years ahead, or overdrawn far below empty, no token came back until that date: every
    FLASH message of the partner demoted, on every process, for years. A row is believed no
    further than empty, now: the partner's budget refills from there at its rate."""
    keeper = FlashBudgets(_Labelled(), shared=engine)
    try:
        assert keeper.precedence("KOR", BUDGET, NOW) is Precedence.FLASH
        rows: list[dict[str, object]] = [
            {"at": NOW + timedelta(days=3650), "tokens": 0.0},  # dated ten years ahead
            {"tokens": -1e300},  # overdrawn far below empty
        ]
        if engine.dialect.name == "postgresql":  # SQLite keeps NaN as NULL, which is refused
            rows.append({"tokens": float("nan")})
        for hour, tampered in enumerate(rows, start=1):
            start = NOW + timedelta(hours=hour)
            with engine.begin() as conn:
                values = {"at": start, **tampered, "turn": shared_buckets.c.turn + 1}
                conn.execute(update(shared_buckets).values(**values))
            assert keeper.precedence("KOR", BUDGET, start) is Precedence.IMMEDIATE
            # 60 an hour: one a minute from the moment the row is no longer believed
            minute = start + timedelta(minutes=1)
            assert keeper.precedence("KOR", BUDGET, minute) is Precedence.FLASH
    finally:
        keeper.close()
