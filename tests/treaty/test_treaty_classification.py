"""Classification changes by the originator only, applied along every holder's path (R14)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import (
    AGREEMENTS,
    CONSENT,
    DAY,
    HOLDING,
    HOUR,
    ITEM,
    JPN_LOW,
    JPN_OFFICER,
    JPN_READER,
    JU,
    KJ,
    KOR_OFFICER,
    KU,
    LOW_HOLDING,
    NOW,
    USA_READER,
    lv,
    reader,
)

from gsomia.errors import InputError, PolicyDenied
from gsomia.treaty import (
    Acknowledgement,
    ChangeKind,
    ClassificationNotice,
    DerivativeKind,
    Transfer,
    acknowledge,
    apply_notice,
    chain_of,
    make_copy,
    make_derivative,
    may_access,
    may_apply_notice,
    may_issue_notice,
    outstanding_acknowledgements,
    release_onward,
    remark,
    remark_derivative,
    translate,
)
from gsomia.treaty.classification import may_read_declassified
from gsomia.treaty.people import Person

SECRET, CONFIDENTIAL, TOP = (lv("KOR", m) for m in ("군사II급비밀", "군사III급비밀", "군사I급비밀"))
DOWNGRADE = ClassificationNotice(
    "notice-1", ITEM.id, "KOR", SECRET, CONFIDENTIAL, NOW, NOW, KOR_OFFICER.id, verified=True
)
UPGRADE_TOP = replace(DOWNGRADE, id="notice-2", new_level=TOP)
DECLASSIFY = replace(DOWNGRADE, id="notice-3", new_level=None)
USA_HOLDING = release_onward(HOLDING, "USA", CONSENT, JU, NOW - HOUR).holding


def test_notice_kinds() -> None:
    assert DOWNGRADE.kind is ChangeKind.DOWNGRADE
    assert UPGRADE_TOP.kind is ChangeKind.UPGRADE
    assert DECLASSIFY.kind is ChangeKind.DECLASSIFY
    with pytest.raises(InputError):
        replace(DOWNGRADE, new_level=SECRET)
    with pytest.raises(InputError):
        replace(DOWNGRADE, new_level=lv("JPN", "秘"))


ISSUE_ROWS: list[tuple[str, Any, ClassificationNotice, bool]] = [
    ("R14-allow-originator-officer", KOR_OFFICER, DOWNGRADE, True),
    ("R14-allow-originator-declassifies", KOR_OFFICER, DECLASSIFY, True),
    ("R14-deny-holder-own-attempt", JPN_OFFICER, DOWNGRADE, False),
    ("R14-deny-originator-analyst", replace(KOR_OFFICER, roles=frozenset()), DOWNGRADE, False),
    ("R14-deny-other-item", KOR_OFFICER, replace(DOWNGRADE, item_id="x"), False),
    ("R14-deny-stale-previous-level", KOR_OFFICER, replace(DOWNGRADE, previous=TOP), False),
]


@pytest.mark.parametrize(
    ("officer", "notice", "allowed"),
    [row[1:] for row in ISSUE_ROWS],
    ids=[row[0] for row in ISSUE_ROWS],
)
def test_may_issue_notice(officer: Any, notice: ClassificationNotice, allowed: bool) -> None:
    decision = may_issue_notice(officer, ITEM, notice, NOW)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == "R14"


APPLY_ROWS: list[tuple[str, Any, ClassificationNotice, dict[str, Any], str | None]] = [
    ("R14-allow-downgrade-holder", HOLDING, DOWNGRADE, {}, "秘"),
    (
        "R14-allow-upgrade-holder",
        LOW_HOLDING,
        replace(DOWNGRADE, item_id=LOW_HOLDING.item.id, previous=CONFIDENTIAL, new_level=SECRET),
        {},
        "極秘",
    ),
    ("R14-allow-declassify", HOLDING, DECLASSIFY, {}, ""),
    ("R14-allow-downgrade-third-nation", USA_HOLDING, DOWNGRADE, {"via": (JU,)}, "CONFIDENTIAL"),
    ("R14-deny-upgrade-beyond-coverage", HOLDING, UPGRADE_TOP, {}, None),
    ("R14-deny-upgrade-beyond-coverage-third", USA_HOLDING, UPGRADE_TOP, {"via": (JU,)}, None),
    ("R14-deny-unverified", HOLDING, replace(DOWNGRADE, verified=False), {}, None),
    (
        "R14-deny-not-from-originator",
        HOLDING,
        replace(DOWNGRADE, originator="KOR", issued_by="x", item_id="y"),
        {},
        None,
    ),
    ("R14-deny-not-yet-effective", HOLDING, replace(DOWNGRADE, effective=NOW + DAY), {}, None),
    ("R14-deny-stale", HOLDING, replace(DOWNGRADE, previous=TOP), {}, None),
    ("R14-deny-wrong-agreement", HOLDING, DOWNGRADE, {"agreement": KU}, None),
    ("R14-deny-path-leads-elsewhere", HOLDING, DOWNGRADE, {"via": (JU,)}, None),
]


@pytest.mark.parametrize(
    ("holding", "notice", "kw", "level"),
    [row[1:] for row in APPLY_ROWS],
    ids=[row[0] for row in APPLY_ROWS],
)
def test_apply_notice(
    holding: Any, notice: ClassificationNotice, kw: dict[str, Any], level: str | None
) -> None:
    agreement = kw.pop("agreement", KJ)
    decision = may_apply_notice(holding, notice, agreement, NOW, **kw)
    assert decision.allowed is (level is not None), decision.reason
    assert decision.requirement == "R14"
    if level is None:
        with pytest.raises(PolicyDenied):
            apply_notice(holding, notice, agreement, NOW, **kw)
        return
    remarking = apply_notice(holding, notice, agreement, NOW, **kw)
    assert remarking.previous == holding.level
    if level == "":
        assert remarking.holding is None
        assert remarking.level is None
        return
    assert remarking.holding is not None
    assert remarking.holding.level.native == level
    assert remarking.holding.item.level == notice.new_level
    assert remarking.holding.consent_id == holding.consent_id


def test_R14_a_downgrade_opens_the_holding_to_lower_clearances() -> None:
    assert not may_access(JPN_LOW, HOLDING, NOW).allowed
    remarking = apply_notice(HOLDING, DOWNGRADE, KJ, NOW)
    assert remarking.holding is not None
    assert may_access(JPN_LOW, remarking.holding, NOW).allowed


def test_R14_copies_translations_and_derivatives_follow_the_notice() -> None:
    copy = make_copy(JPN_READER, HOLDING, 0, NOW)
    derivative = make_derivative(
        JPN_READER, [HOLDING, LOW_HOLDING], DerivativeKind.COMPILATION, NOW, derivative_id="d1"
    )
    assert derivative.marking.level.native == "極秘"
    remarking = apply_notice(HOLDING, DOWNGRADE, KJ, NOW)
    assert remarking.holding is not None
    assert remark(copy, remarking.holding).markings.level.native == "秘"
    assert remark(copy, remarking.holding).markings.original_level == CONFIDENTIAL
    after = remark_derivative(derivative, [remarking.holding, LOW_HOLDING])
    assert after.marking.level.native == "秘"
    with pytest.raises(InputError):
        remark(copy, LOW_HOLDING)
    with pytest.raises(InputError):
        remark_derivative(derivative, [LOW_HOLDING])


def test_R14_outstanding_acknowledgements_cover_third_nation_holders() -> None:
    provided = chain_of(ITEM, [])
    usa = release_onward(HOLDING, "USA", CONSENT, JU, NOW - HOUR)
    chain = chain_of(
        ITEM, [Transfer(ITEM.id, "KOR", "JPN", NOW - DAY, "極秘", KJ.id), usa.transfer]
    )
    assert provided.holders() == {"KOR"}
    holders = {ITEM.id: chain.holders()}
    assert outstanding_acknowledgements([DOWNGRADE], [], holders) == (
        ("notice-1", "JPN"),
        ("notice-1", "USA"),
    )
    remarking = apply_notice(HOLDING, DOWNGRADE, KJ, NOW)
    ack = acknowledge(remarking, "JPN", NOW + HOUR)
    assert ack.level == "秘"
    assert outstanding_acknowledgements([DOWNGRADE], [ack], holders) == (("notice-1", "USA"),)
    usa_remark = apply_notice(
        usa.holding,
        DOWNGRADE,
        KJ,
        NOW,
        via=tuple(AGREEMENTS.get(a) for a in chain.basis_to("USA")[1:]),
    )
    usa_ack = acknowledge(usa_remark, "USA", NOW + HOUR)
    assert usa_ack.level == "CONFIDENTIAL"
    assert outstanding_acknowledgements([DOWNGRADE], [ack, usa_ack], holders) == ()
    declassified = acknowledge(apply_notice(HOLDING, DECLASSIFY, KJ, NOW), "JPN", NOW)
    assert declassified.level == ""
    assert isinstance(declassified, Acknowledgement)


def test_R14_the_third_nation_reader_still_needs_clearance_after_an_upgrade() -> None:
    low_usa = release_onward(
        LOW_HOLDING, "USA", replace(CONSENT, item_ids=frozenset({LOW_HOLDING.item.id})), JU, NOW
    ).holding
    confidential_reader = reader("usa-c", "USA", "CONFIDENTIAL")
    assert may_access(confidential_reader, low_usa, NOW).allowed
    up = replace(DOWNGRADE, item_id=LOW_HOLDING.item.id, previous=CONFIDENTIAL, new_level=SECRET)
    remarking = apply_notice(low_usa, up, KJ, NOW, via=(JU,))
    assert remarking.holding is not None
    assert remarking.holding.level == lv("USA", "SECRET")
    assert not may_access(confidential_reader, remarking.holding, NOW).allowed
    assert may_access(USA_READER, remarking.holding, NOW).allowed


@given(st.sampled_from([SECRET, CONFIDENTIAL]), st.sampled_from([SECRET, CONFIDENTIAL, None]))
def test_R14_holder_level_is_always_the_tables_equivalent_of_the_new_level(
    start: Any, new: Any
) -> None:
    holding = HOLDING if start == SECRET else LOW_HOLDING
    if new == start:
        return
    notice = replace(DOWNGRADE, item_id=holding.item.id, previous=start, new_level=new)
    remarking = apply_notice(holding, notice, KJ, NOW)
    if new is None:
        assert remarking.holding is None
    else:
        assert remarking.level == translate(KJ, new, "JPN", version=1).primary


# Reading what the originator declassified (R14, R16, R31) -----------------------------------
UNCLEARED = Person("visitor-clerk", "JPN", registered=True)


@pytest.mark.parametrize(
    ("person", "disposed", "allowed", "requirement"),
    [
        (UNCLEARED, False, True, "R14"),  # no clearance or need-to-know asked any more
        (JPN_LOW, False, True, "R14"),
        (replace(UNCLEARED, registered=False), False, False, "R16"),
        (JPN_READER, True, False, "R31"),  # destroyed or returned stays gone
    ],
    ids=["uncleared", "low", "not-on-register", "disposed"],
)
def test_may_read_declassified(
    person: Person, disposed: bool, allowed: bool, requirement: str
) -> None:
    decision = may_read_declassified(person, ITEM.id, disposed=disposed)
    assert decision.allowed is allowed
    assert decision.requirement == requirement
