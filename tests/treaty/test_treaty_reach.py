"""`within_originator_reach`: every path is bounded by the originator's own agreement with the
recipient, or, without one, by what its consent names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gsomia.treaty import Item, load_agreements, load_schemes
from gsomia.treaty.consent import Consent
from gsomia.treaty.reach import within_originator_reach

S = load_schemes()
A = load_agreements()
NOW = datetime(2026, 12, 3, tzinfo=UTC)
ITEMS = frozenset({"i-1"})


def _item(level: str, originator: str = "KOR") -> Item:
    parsed = S.parse(originator, level, at=NOW.date())
    return Item("i-1", originator, parsed, "missile-warning", "KOR-USA-1987", 1, frozenset())


@pytest.mark.parametrize(
    ("level", "allowed"), [("군사I급비밀", False), ("군사II급비밀", True), ("군사III급비밀", True)]
)
def test_the_originators_agreement_with_the_recipient_bounds_the_level(
    level: str, allowed: bool
) -> None:
    decision = within_originator_reach(_item(level), "JPN", A.get("KOR-JPN-2016"), NOW)
    assert decision.allowed is allowed
    assert decision.article == "Art. 4"


def test_without_an_agreement_only_the_consent_reaches() -> None:
    item = _item("군사II급비밀")
    assert not within_originator_reach(item, "GBR", None, NOW).allowed
    named = Consent("c-1", "KOR", "USA", "GBR", "p", datetime(2099, 1, 1, tzinfo=UTC), ITEMS)
    assert within_originator_reach(item, "GBR", None, NOW, consent=named).allowed
    other = Consent("c-2", "KOR", "USA", "FRA", "p", datetime(2099, 1, 1, tzinfo=UTC), ITEMS)
    assert not within_originator_reach(item, "GBR", None, NOW, consent=other).allowed
    elsewhere = Consent("c-4", "KOR", "USA", "GBR", "p", named.expires_at, frozenset({"i-2"}))
    assert not within_originator_reach(item, "GBR", None, NOW, consent=elsewhere).allowed
    low = S.parse("KOR", "군사III급비밀", at=NOW.date())
    capped = Consent(
        "c-3", "KOR", "USA", "GBR", "p", datetime(2099, 1, 1, tzinfo=UTC), ITEMS, ceiling=low
    )
    assert not within_originator_reach(item, "GBR", None, NOW, consent=capped).allowed
