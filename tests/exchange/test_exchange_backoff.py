"""Back-off with full jitter: bounded, growing with the attempts, the caller's draw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.exchange.backoff import BASE_SECONDS, CAP_SECONDS, next_attempt

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FLOOR = timedelta(seconds=0.05)
CAP = timedelta(seconds=CAP_SECONDS)

attempts = st.integers(min_value=0, max_value=10_000)
draws = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


@given(attempts, draws)
def test_within_floor_and_cap(tries: int, draw: float) -> None:
    when = next_attempt(tries, NOW, draw)
    assert NOW + FLOOR <= when <= NOW + CAP


@given(attempts, attempts, draws)
def test_never_shrinks_as_attempts_grow(first: int, second: int, draw: float) -> None:
    low, high = sorted((first, second))
    assert next_attempt(low, NOW, draw) <= next_attempt(high, NOW, draw)


@pytest.mark.parametrize(
    ("tries", "seconds"),
    [(0, BASE_SECONDS / 2), (1, BASE_SECONDS), (2, 2 * BASE_SECONDS), (5, 3.2), (6, 5.0)],
)
def test_ceiling_doubles_until_the_cap(tries: int, seconds: float) -> None:
    # With the draw at one half the wait is half the ceiling: 0.2 s · 2^attempts, capped at 10 s.
    assert next_attempt(tries, NOW, 0.5) == NOW + timedelta(seconds=seconds)


def test_capped_and_floored() -> None:
    assert next_attempt(50, NOW, 0.999) == NOW + timedelta(seconds=CAP_SECONDS * 0.999)
    assert next_attempt(0, NOW, 0.0) == NOW + FLOOR


@pytest.mark.parametrize("draw", [-0.1, 1.0, 1.5, float("nan")])
def test_rejects_a_draw_outside_the_unit_interval(draw: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        next_attempt(1, NOW, draw)
