"""Properties that must hold for every input (DESIGN.md "What must always hold"; R19–R21, R44).

- No allowed access ever goes to a person below the receiver's equivalent level, cleared under
  another law, or of a nationality the label does not allow.
- After termination every protection rule still applies to what was already exchanged.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.treaty import (
    Agreement,
    EventKind,
    Holding,
    Item,
    Person,
    State,
    load_agreements,
    load_schemes,
    may_access,
    may_provide,
    may_release_onward,
    receive,
    state_at,
    translate,
)

#: A partner node registered here, with post-quantum keys: what a provision seals for.
PQ_NODE: dict[str, Any] = {"recipient_known": True, "classic_crypto": False}


S = load_schemes()
AGREEMENTS = load_agreements()
KJ = AGREEMENTS.get("KOR-JPN-2016")
LAPSED = replace(
    KJ,
    history=tuple(
        e
        for e in KJ.history
        if e.kind not in (EventKind.NOTICE_SUSPENDED, EventKind.NOTICE_WITHDRAWN)
    ),
)
NATIONS = ["KOR", "JPN", "USA", "GBR", "NATO"]
PURPOSES = ["missile warning", "logistics", "exercise"]
BASE = datetime(2024, 6, 1, tzinfo=UTC)

all_levels = st.sampled_from([level for nation in NATIONS for level in S.scheme(nation).levels])


@st.composite
def holdings(draw: st.DrawFn, agreement: Agreement = KJ) -> Holding:
    originator = draw(st.sampled_from(agreement.parties))
    holder = agreement.other_party(originator)
    level = draw(st.sampled_from(agreement.version(1).covered(originator)))
    extra = draw(st.sets(st.sampled_from(NATIONS)))
    item = Item(
        draw(st.text(min_size=1, max_size=5)),
        originator,
        level,
        draw(st.sampled_from(PURPOSES)),
        agreement.id,
        1,
        frozenset({holder, *extra}),
    )
    holding = receive(item, holder, agreement)
    approved = draw(st.sets(st.sampled_from(PURPOSES)))
    return replace(holding, approved_purposes=frozenset(approved), destroyed=draw(st.booleans()))


@st.composite
def people(draw: st.DrawFn) -> Person:
    cleared = draw(st.booleans())
    return Person(
        "p",
        draw(st.sampled_from(NATIONS)),
        draw(all_levels) if cleared else None,
        BASE + timedelta(days=draw(st.integers(-400, 400))) if cleared else None,
        frozenset(draw(st.sets(st.sampled_from(PURPOSES)))),
        frozenset(draw(st.sets(st.sampled_from(["commander", "analyst"])))),
        draw(st.booleans()),
    )


def assert_protected(person: Person, holding: Holding, now: datetime, purpose: str | None) -> None:
    decision = may_access(person, holding, now, purpose)
    if not decision.allowed:
        return
    item = holding.item
    equivalent = translate(KJ, item.level, holding.holder, version=item.agreement_version).primary
    assert person.clearance is not None
    assert person.clearance_expires is not None
    assert person.clearance.nation == holding.holder == equivalent.nation
    assert person.clearance.rank >= equivalent.rank
    assert person.nationality == holding.holder
    assert person.nationality in item.releasable_to
    assert person.clearance_expires > now
    assert item.community in person.communities
    assert person.registered
    assert not holding.destroyed
    assert purpose in (None, item.purpose, *holding.approved_purposes)


@settings(max_examples=300)
@given(people(), holdings(), st.sampled_from([None, *PURPOSES]))
def test_no_access_below_equivalent_level_or_to_a_disallowed_nationality(
    person: Person, holding: Holding, purpose: str | None
) -> None:
    assert_protected(person, holding, BASE, purpose)


@settings(max_examples=200)
@given(
    people(),
    holdings(LAPSED),
    st.sampled_from([None, *PURPOSES]),
    st.integers(min_value=0, max_value=3650),
)
def test_R44_protection_survives_termination(
    person: Person, holding: Holding, purpose: str | None, days_after: int
) -> None:
    now = datetime(2019, 11, 23, tzinfo=UTC) + timedelta(days=days_after)
    assert state_at(LAPSED, now) is State.TERMINATED
    # Access control: the same rules, and the same answers as under a live agreement.
    assert_protected(person, holding, now, purpose)
    live = Holding(
        holding.id,
        holding.item,
        holding.holder,
        holding.level,
        holding.approved_purposes,
        holding.destroyed,
    )
    assert may_access(person, holding, now, purpose) == may_access(person, live, now, purpose)
    # Third-party rule: nothing moves on without consent.
    third = may_release_onward(holding, "USA", None, AGREEMENTS.get("JPN-USA-2007"), now)
    assert not third.allowed
    # No new provision under the terminated agreement.
    assert not may_provide(
        holding.item, holding.holder, LAPSED, None, now, channel="gsomia-node", **PQ_NODE
    ).allowed
