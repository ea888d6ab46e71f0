"""may_originate: an item is marked only at or below its author's clearance in force (R19)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gsomia.treaty import load_schemes
from gsomia.treaty.people import Person
from gsomia.treaty.roles import may_originate

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KOR = load_schemes().scheme("KOR")


def _person(clearance: str | None, expires: datetime | None = NOW + timedelta(days=1)) -> Person:
    level = KOR.parse(clearance) if clearance else None
    return Person("kim", "KOR", level, expires if level else None, registered=True)


@pytest.mark.parametrize(
    ("clearance", "expires", "marking", "allowed"),
    [
        ("군사II급비밀", NOW + timedelta(days=1), "군사II급비밀", True),
        ("군사II급비밀", NOW + timedelta(days=1), "군사III급비밀", True),
        ("군사I급비밀", NOW + timedelta(days=1), "군사I급비밀", True),
        ("군사II급비밀", NOW + timedelta(days=1), "군사I급비밀", False),
        ("군사II급비밀", NOW, "군사III급비밀", False),
        (None, None, "대외비", False),
    ],
    ids=[
        "R19-allow-at",
        "R19-allow-below",
        "R19-allow-top",
        "R19-deny-above",
        "R19-deny-expired",
        "R19-deny-uncleared",
    ],
)
def test_may_originate(
    clearance: str | None, expires: datetime | None, marking: str, allowed: bool
) -> None:
    decision = may_originate(_person(clearance, expires), KOR.parse(marking), NOW)
    assert decision.allowed is allowed
    assert (decision.article, decision.requirement) == ("Art. 7.2", "R19")
