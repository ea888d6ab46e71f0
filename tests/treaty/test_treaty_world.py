"""The world the custody, consent and compromise tests share: DESIGN.md's "one item's way".

KOR provides the FLASH "DPRK launch track" at 군사II급비밀 to JPN for missile warning; JPN holds it
at 極秘. USA is the third nation (JPN–USA 2007) and the TISA hub (KOR–USA 1987). Imported by the
other `test_treaty_*` files; the tests here check the world itself is what they assume.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gsomia.treaty import (
    SECURITY_OFFICER,
    Consent,
    EventKind,
    Item,
    Level,
    Person,
    Precedence,
    State,
    load_agreements,
    load_schemes,
    receive,
    state_at,
)

S = load_schemes()
AGREEMENTS = load_agreements()
KJ = AGREEMENTS.get("KOR-JPN-2016")
JU = AGREEMENTS.get("JPN-USA-2007")
KU = AGREEMENTS.get("KOR-USA-1987")
NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
YEAR = timedelta(days=365)
WARNING = "missile warning"

#: KJ as it would stand had Korea's 2019 notice not been suspended: terminated on 23 Nov 2019.
LAPSED = replace(
    KJ,
    history=tuple(
        e
        for e in KJ.history
        if e.kind not in (EventKind.NOTICE_SUSPENDED, EventKind.NOTICE_WITHDRAWN)
    ),
)
AFTER_TERMINATION = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)


def lv(nation: str, text: str) -> Level:
    return S.parse(nation, text)


ITEM = Item(
    "kor-track-1",
    "KOR",
    lv("KOR", "군사II급비밀"),
    WARNING,
    "KOR-JPN-2016",
    1,
    frozenset({"JPN"}),
    Precedence.FLASH,
    created_at=NOW - HOUR,
)
LOW_ITEM = replace(ITEM, id="kor-track-2", level=lv("KOR", "군사III급비밀"))
HOLDING = receive(ITEM, "JPN", KJ)
LOW_HOLDING = receive(LOW_ITEM, "JPN", KJ)


def officer(person_id: str, nation: str, clearance: str) -> Person:
    return Person(
        person_id,
        nation,
        lv(nation, clearance),
        NOW + YEAR,
        roles=frozenset({SECURITY_OFFICER}),
        registered=True,
    )


def reader(person_id: str, nation: str, clearance: str, *communities: str) -> Person:
    return Person(
        person_id,
        nation,
        lv(nation, clearance),
        NOW + YEAR,
        frozenset(communities or (WARNING,)),
        registered=True,
    )


KOR_OFFICER = officer("kor-officer", "KOR", "군사I급비밀")
JPN_OFFICER = officer("jpn-officer", "JPN", "機密")
USA_OFFICER = officer("usa-officer", "USA", "TOP SECRET")
JPN_READER = reader("jpn-analyst", "JPN", "極秘")
JPN_READER_2 = reader("jpn-analyst-2", "JPN", "極秘")
JPN_LOW = reader("jpn-junior", "JPN", "秘")
USA_READER = reader("usa-analyst", "USA", "SECRET")

CONSENT = Consent(
    "consent-1",
    "KOR",
    "JPN",
    "USA",
    WARNING,
    NOW + YEAR,
    item_ids=frozenset({ITEM.id}),
    verified=True,
)


def test_world_is_as_the_tests_assume() -> None:
    assert HOLDING.level.native == "極秘"
    assert LOW_HOLDING.level.native == "秘"
    for agreement in (KJ, JU, KU):
        assert state_at(agreement, NOW).in_force
    assert state_at(LAPSED, AFTER_TERMINATION) is State.TERMINATED
