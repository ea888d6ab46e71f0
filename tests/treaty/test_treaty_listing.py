"""`may_list` as a property: in full exactly what the access decision would let one read;
a redacted row only for the holder's officers and auditors; nothing for anyone else."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_properties import BASE, NATIONS, PURPOSES, all_levels, holdings

from gsomia.treaty.access import may_access
from gsomia.treaty.items import Holding
from gsomia.treaty.listing import KNOW_IT_EXISTS, Shown, may_list
from gsomia.treaty.people import RELEASE_AUTHORITY, SECURITY_OFFICER, Person
from gsomia.treaty.roles import ADMIN, ANALYST, AUDITOR


@st.composite
def people(draw: st.DrawFn) -> Person:
    cleared = draw(st.booleans())
    roles = [ANALYST, AUDITOR, ADMIN, SECURITY_OFFICER, RELEASE_AUTHORITY]
    return Person(
        "p",
        draw(st.sampled_from(NATIONS)),
        draw(all_levels) if cleared else None,
        BASE + timedelta(days=draw(st.integers(-400, 400))) if cleared else None,
        frozenset(draw(st.sets(st.sampled_from(PURPOSES)))),
        frozenset(draw(st.sets(st.sampled_from(roles)))),
        draw(st.booleans()),
    )


@given(people(), holdings())
def test_a_list_shows_in_full_exactly_what_may_be_read(person: Person, holding: Holding) -> None:
    listing = may_list(person, holding, BASE, holder=holding.holder)
    readable = may_access(person, replace(holding, destroyed=False), BASE).allowed
    assert (listing.shown is Shown.FULL) is readable
    if listing.shown is not Shown.FULL:
        assert not listing.decision.allowed
        assert listing.decision.article
    if listing.shown is Shown.REDACTED:
        assert person.roles & KNOW_IT_EXISTS
        assert person.registered
        assert person.nationality == holding.holder
    elif not readable:
        assert not (
            person.roles & KNOW_IT_EXISTS
            and person.registered
            and person.nationality == holding.holder
        )
