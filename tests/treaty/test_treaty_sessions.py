"""Sessions and sign-in back-off as properties of `gsomia.treaty.sessions`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.sessions import (
    FREE_FAILURES,
    IDLE_LIMIT,
    MAX_BACKOFF,
    NAME_MAX_BACKOFF,
    SESSION_LIMIT,
    SessionState,
    login_wait,
    may_continue_session,
    may_try_login,
)

NOW = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=24 * 60).map(lambda m: timedelta(minutes=m))


@given(
    age=minutes,
    idle=minutes,
    ended=st.booleans(),
    disabled=st.booleans(),
    clearance_days=st.integers(min_value=-3, max_value=3),
)
def test_a_session_stands_only_while_nothing_ended_it(
    age: timedelta, idle: timedelta, ended: bool, disabled: bool, clearance_days: int
) -> None:
    idle = min(idle, age)
    state = SessionState(
        "kim",
        NOW - age,
        NOW - idle,
        NOW if ended else None,
        NOW if disabled else None,
        NOW.date() + timedelta(days=clearance_days),
    )
    stands = (
        not ended
        and not disabled
        and idle < IDLE_LIMIT
        and age < SESSION_LIMIT
        and clearance_days > 0
    )
    assert may_continue_session(state, NOW).allowed is stands


def test_no_session_row_is_no_session() -> None:
    assert not may_continue_session(None, NOW).allowed


@given(st.integers(min_value=0, max_value=10_000))
def test_the_back_off_grows_and_is_bounded(failures: int) -> None:
    wait = login_wait(failures)
    assert timedelta(0) <= wait <= MAX_BACKOFF
    assert login_wait(failures + 1) >= wait
    assert (wait == timedelta(0)) is (failures < FREE_FAILURES)


def test_a_sign_in_waits_after_failures() -> None:
    assert may_try_login(0, None, NOW).allowed
    assert may_try_login(FREE_FAILURES - 1, NOW, NOW).allowed
    assert not may_try_login(FREE_FAILURES, NOW, NOW + timedelta(seconds=29)).allowed
    assert may_try_login(FREE_FAILURES, NOW, NOW + timedelta(seconds=30)).allowed


def test_clearance_expiring_today_ends_the_session() -> None:
    state = SessionState("kim", NOW, NOW, None, None, date(2026, 12, 3))
    assert not may_continue_session(state, NOW).allowed


@given(
    pair=st.integers(min_value=0, max_value=FREE_FAILURES - 1),
    everywhere=st.integers(min_value=0, max_value=10_000),
    seconds=st.integers(min_value=0, max_value=3600),
)
def test_failures_elsewhere_never_hold_a_name_back_longer_than_the_name_cap(
    pair: int, everywhere: int, seconds: int
) -> None:
    """Whatever others failed from other addresses, a person whose own source has not failed
    too often waits at most `NAME_MAX_BACKOFF`: a brake, never a lock."""
    now = NOW + timedelta(seconds=seconds)
    decision = may_try_login(
        pair, NOW, now, name_failures=max(everywhere, pair), name_last_failure_at=NOW
    )
    assert decision.allowed or seconds < NAME_MAX_BACKOFF.total_seconds()
    assert may_try_login(
        pair, NOW, NOW + NAME_MAX_BACKOFF, name_failures=everywhere, name_last_failure_at=NOW
    ).allowed
