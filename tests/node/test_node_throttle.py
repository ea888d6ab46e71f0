"""A partner's allowance as a property: over any stretch of time, no sender gets more than its
burst plus the rate times that stretch, and one that waits as told is let in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import RateLimited, UsageError
from gsomia.node.throttle import Allowance, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@given(
    rate=st.floats(0.5, 100),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_no_sender_gets_more_than_burst_plus_rate_times_time(
    rate: float, burst: int, gaps: list[float]
) -> None:
    clock = Clock()
    throttle = Throttle(Allowance(rate, burst), clock=clock)
    admitted = 0
    for gap in gaps:
        clock.now += gap
        admitted += throttle.wait("JPN") == 0.0
    assert admitted <= burst + rate * clock.now + 1e-6


@given(rate=st.floats(0.5, 100), burst=st.integers(1, 20))
def test_waiting_as_told_lets_the_sender_in(rate: float, burst: int) -> None:
    clock = Clock()
    throttle = Throttle(Allowance(rate, burst), clock=clock)
    for _ in range(burst):
        throttle.take("JPN")
    with pytest.raises(RateLimited) as refused:
        throttle.take("JPN")
    clock.now += refused.value.retry_after + 1e-9
    throttle.take("JPN")
    throttle.take("USA")  # each sender has its own bucket


def test_senders_beyond_the_limit_forget_the_idlest() -> None:
    throttle = Throttle(Allowance(1, 1), clock=Clock(), max_senders=2)
    for sender in ("A", "B", "C"):
        throttle.take(sender)
    throttle.take("A")  # forgotten, so a fresh bucket: generous, never stricter


@pytest.mark.parametrize(("rate", "burst"), [(0, 10), (-1, 10), (1, 0.5)])
def test_an_allowance_that_admits_no_one_is_a_usage_error(rate: float, burst: float) -> None:
    with pytest.raises(UsageError, match="admits no one"):
        Allowance(rate, burst)


@given(
    processes=st.integers(1, 8),
    rate=st.floats(0.5, 100),
    burst=st.integers(8, 50),
    sends=st.lists(st.tuples(st.floats(0, 2), st.integers(0, 7)), min_size=1, max_size=200),
)
def test_the_node_s_processes_together_admit_no_more_than_its_allowance(
    processes: int, rate: float, burst: int, sends: list[tuple[float, int]]
) -> None:
    """`serve --workers N`: a partner spreading its requests over the N API processes in any
    way gets the node's allowance at most, not N times it (ADR 0130)."""
    clock = Clock()
    share = Allowance(rate, burst).shared_by(processes)
    throttles = [Throttle(share, clock=clock) for _ in range(processes)]
    admitted = 0
    for gap, process in sends:
        clock.now += gap
        admitted += throttles[process % processes].wait("JPN") == 0.0
    assert admitted <= burst + rate * clock.now + 1e-6


def test_a_share_admits_one_request_at_least() -> None:
    assert Allowance(50, 3).shared_by(4) == Allowance(12.5, 1.0)
    assert Allowance(50, 500).shared_by(1) == Allowance(50, 500)
