"""Whether a token stands for its person: lifetime, revocation, scope and carrier, as
properties over every combination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.credentials import (
    REUSE_MARGIN,
    Carrier,
    Scope,
    TokenState,
    may_use_token,
    reusable,
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
