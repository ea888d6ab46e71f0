"""A partner's FLASH budget (`gsomia.treaty.flash`): FLASH while it lasts, IMMEDIATE past it,
never dropped; what any sequence of arrivals gets as FLASH is bounded by the budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.treaty.agreements import load_agreements
from gsomia.treaty.flash import (
    DEFAULT_BURST,
    DEFAULT_PER_HOUR,
    DEMOTED_TO,
    FlashBudget,
    FlashState,
    rule_flash,
)
from gsomia.treaty.items import Precedence

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
FLASH, IMMEDIATE = Precedence.FLASH, Precedence.IMMEDIATE


def _run(budget: FlashBudget, offsets: list[float]) -> list[Precedence]:
    state: FlashState | None = None
    handled = []
    for seconds in offsets:
        ruling = rule_flash(budget, state, T0 + timedelta(seconds=seconds))
        state = ruling.state
        handled.append(ruling.precedence)
    return handled


@pytest.mark.parametrize(
    ("budget", "offsets", "expected"),
    [
        # a burst of 3 at once: the fourth at the same instant is IMMEDIATE
        (FlashBudget(60, 3), [0, 0, 0, 0], [FLASH, FLASH, FLASH, IMMEDIATE]),
        # 60 an hour is one a minute: after the burst, one more a minute later, not before
        (FlashBudget(60, 1), [0, 30, 59, 60, 61], [FLASH, IMMEDIATE, IMMEDIATE, FLASH, IMMEDIATE]),
        # a quiet hour refills the burst, never beyond it
        (FlashBudget(60, 2), [0, 0, 0, 3600, 3600, 3600], [FLASH, FLASH, IMMEDIATE] * 2),
        # a clock that steps back gives nothing
        (FlashBudget(3600, 1), [100, 0, 50, 100], [FLASH, IMMEDIATE, IMMEDIATE, IMMEDIATE]),
    ],
)  # fmt: skip
def test_flash_while_the_budget_lasts_immediate_past_it(
    budget: FlashBudget, offsets: list[float], expected: list[Precedence]
) -> None:
    assert _run(budget, offsets) == expected


@pytest.mark.parametrize(
    "state",
    [
        FlashState(0.0, T0 + timedelta(days=3650)),  # dated ten years ahead
        FlashState(-1e300, T0 + timedelta(minutes=1)),  # overdrawn far below empty
        FlashState(float("nan"), T0 + timedelta(minutes=1)),
        FlashState(float("-inf"), T0 + timedelta(minutes=1)),
    ],
)
def test_a_bucket_is_believed_no_further_than_empty_now(state: FlashState) -> None:
    """Found by the attack (ADR 0129): a bucket dated far ahead, or overdrawn, gave no token
    back until that date, or ever; the rows the node's processes share are written by clocks
    that step and by anyone who may write the database."""
    budget = FlashBudget(60, 1)
    later = T0 + timedelta(minutes=1)
    assert rule_flash(budget, state, later).precedence is IMMEDIATE
    after = rule_flash(budget, state, later).state
    assert rule_flash(budget, after, later + timedelta(minutes=1)).precedence is FLASH


def test_a_bucket_a_little_ahead_gives_nothing_until_its_time() -> None:
    ahead = FlashState(0.0, T0 + timedelta(minutes=2))  # another process's clock, a bit ahead
    budget = FlashBudget(60, 1)
    assert rule_flash(budget, ahead, T0 + timedelta(minutes=2, seconds=59)).precedence is IMMEDIATE
    assert rule_flash(budget, ahead, T0 + timedelta(minutes=3)).precedence is FLASH


def test_past_the_budget_the_decision_names_the_budget_and_the_policy() -> None:
    ruling = rule_flash(FlashBudget(60, 1), FlashState(0.0, T0), T0)
    assert ruling.precedence is DEMOTED_TO is IMMEDIATE
    assert not ruling.decision.allowed
    assert "1 at once, 60 an hour" in ruling.decision.reason
    assert "IMMEDIATE" in ruling.decision.reason
    assert "FLASH budget" in ruling.decision.article


@given(
    per_hour=st.integers(1, 10_000),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 600, allow_nan=False), min_size=1, max_size=200),
)
def test_flash_granted_is_bounded_by_burst_plus_refill_and_nothing_is_dropped(
    per_hour: int, burst: int, gaps: list[float]
) -> None:
    offsets, t = [], 0.0
    for gap in gaps:
        t += gap
        offsets.append(t)
    handled = _run(FlashBudget(per_hour, burst), offsets)
    assert len(handled) == len(offsets)  # every message is handled, one way or the other
    assert set(handled) <= {FLASH, IMMEDIATE}
    assert handled.count(FLASH) <= burst + per_hour * (offsets[-1] - offsets[0]) / 3600 + 1e-6


@pytest.mark.parametrize(("per_hour", "burst"), [(0, 1), (1, 0), (100_001, 1), (-5, 3)])
def test_a_budget_that_admits_no_one_or_anything_is_refused(per_hour: int, burst: int) -> None:
    with pytest.raises(InputError, match="FLASH budget"):
        FlashBudget(per_hour, burst)


def test_the_shipped_agreements_carry_the_documented_budget() -> None:
    for agreement in load_agreements().by_id.values():
        assert (agreement.flash_per_hour, agreement.flash_burst) == (
            DEFAULT_PER_HOUR,
            DEFAULT_BURST,
        )
