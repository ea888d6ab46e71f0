"""Whether a token stands for its person: lifetime, revocation, scope and carrier, as
properties over every combination."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.credentials import (
    MAX_LIVE_TOKENS,
    REUSE_MARGIN,
    Carrier,
    Scope,
    Terms,
    TokenState,
    may_stand_by_password,
    may_use_token,
    may_write_on,
    reusable,
    standing_until,
    to_retire,
    token_expiry,
)

NOW = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
offsets = st.integers(min_value=-48 * 3600, max_value=48 * 3600).map(
    lambda s: NOW + timedelta(seconds=s)
)


@given(
    scope=st.sampled_from(Scope),
    expires=st.none() | offsets,
    revoked=st.none() | offsets,
    carrier=st.sampled_from(Carrier),
    stream_route=st.booleans(),
)
def test_a_token_stands_only_in_force_and_where_its_scope_allows(
    scope: Scope,
    expires: datetime | None,
    revoked: datetime | None,
    carrier: Carrier,
    stream_route: bool,
) -> None:
    token = TokenState(scope, NOW - timedelta(hours=1), expires, revoked)
    decision = may_use_token(token, NOW, carrier=carrier, stream_route=stream_route)
    in_force = expires is not None and expires > NOW and (revoked is None or revoked > NOW)
    placed = (scope is Scope.STREAM) == stream_route if scope is Scope.STREAM else True
    carried = carrier is Carrier.HEADER or (stream_route and scope is Scope.STREAM)
    assert decision.allowed == (in_force and placed and carried)
    assert decision.article == "Art. 6(e)"


def test_an_unknown_token_is_refused() -> None:
    assert not may_use_token(None, NOW, carrier=Carrier.HEADER, stream_route=False).allowed


def test_token_expiry_is_bounded() -> None:
    assert token_expiry(NOW, 12) == NOW + timedelta(hours=12)
    for hours in (0, -1, 24 * 31):
        with pytest.raises(ValueError, match="at most"):
            token_expiry(NOW, hours)


def test_a_console_token_is_reused_only_with_time_to_spare() -> None:
    def console(expires: datetime | None, scope: Scope = Scope.CONSOLE) -> TokenState:
        return TokenState(scope, NOW, expires, None)

    assert reusable(console(NOW + REUSE_MARGIN + timedelta(seconds=1)), NOW)
    assert not reusable(console(NOW + REUSE_MARGIN), NOW)
    assert not reusable(console(None), NOW)
    assert not reusable(console(NOW + timedelta(hours=1), Scope.API), NOW)
    assert not reusable(None, NOW)


@given(
    own_expires=offsets,
    parent_expires=st.none() | offsets,
    parent_revoked=st.none() | offsets,
)
def test_a_stream_token_stands_only_while_the_token_that_issued_it_does(
    own_expires: datetime, parent_expires: datetime | None, parent_revoked: datetime | None
) -> None:
    parent = TokenState(Scope.API, NOW - timedelta(hours=2), parent_expires, parent_revoked)
    token = TokenState(Scope.STREAM, NOW - timedelta(hours=1), own_expires, None, parent=parent)
    decision = may_use_token(token, NOW, carrier=Carrier.QUERY, stream_route=True)
    parent_stands = (
        parent_expires is not None
        and parent_expires > NOW
        and (parent_revoked is None or parent_revoked > NOW)
    )
    assert decision.allowed == (own_expires > NOW and parent_stands)
    until = standing_until(token, NOW)
    assert (until is not None) == decision.allowed
    if until is not None:
        assert parent_expires is not None
        assert until == min(own_expires, parent_expires)


def test_a_token_whose_issuer_is_unknown_does_not_stand() -> None:
    token = TokenState(Scope.STREAM, NOW, NOW + timedelta(hours=1), None, orphan=True)
    decision = may_use_token(token, NOW, carrier=Carrier.QUERY, stream_route=True)
    assert not decision.allowed
    assert "unknown" in decision.reason


@pytest.mark.parametrize(
    ("live", "keep", "retired"),
    [
        (0, None, []),
        (MAX_LIVE_TOKENS - 1, None, []),
        (MAX_LIVE_TOKENS, None, ["t00"]),
        (MAX_LIVE_TOKENS, "t00", ["t01"]),
        (MAX_LIVE_TOKENS + 2, None, ["t00", "t01", "t02"]),
    ],
)
def test_one_more_token_retires_the_oldest_beyond_the_cap(
    live: int, keep: str | None, retired: list[str]
) -> None:
    tokens = [(f"t{i:02d}", NOW + timedelta(minutes=i)) for i in range(live)]
    assert to_retire(list(reversed(tokens)), keep=keep) == retired


SATO = Terms(
    name="sato",
    nationality="JPN",
    clearance="極秘",
    clearance_expires=date(2099, 12, 31),
    communities=frozenset({"missile-warning"}),
    roles=frozenset({"analyst"}),
    registered=True,
    categories=frozenset(),
    disabled=False,
)
#: Each term changed one way (ADR 0154: a write decided on the terms before is refused).
CHANGED: dict[str, Any] = {
    "clearance": "秘",
    "clearance_expires": date(2026, 12, 1),
    "communities": frozenset(),
    "roles": frozenset({"auditor"}),
    "nationality": "USA",
    "registered": False,
    "categories": frozenset({"Releasable To=KOR"}),
    "disabled": True,
    "name": "suzuki",
}


@pytest.mark.parametrize("term", sorted(CHANGED))
def test_a_write_decided_on_terms_that_changed_is_refused(term: str) -> None:
    decision = may_write_on(SATO, replace(SATO, **{term: CHANGED[term]}))
    assert not decision.allowed
    assert "send it again" in decision.reason
    assert (decision.article, decision.requirement) == ("Art. 6(e)", "R16")


def test_a_write_on_the_same_terms_goes_ahead() -> None:
    assert may_write_on(SATO, replace(SATO)).allowed


def test_a_password_stands_only_for_a_person_still_there_and_enabled() -> None:
    assert may_stand_by_password(SATO).allowed
    assert not may_stand_by_password(replace(SATO, disabled=True)).allowed
    assert not may_stand_by_password(None).allowed
