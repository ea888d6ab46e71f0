"""Copies, translations, IP caveats, derivatives and the inventory (R8, R15, R17, R29, R30)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import (
    DAY,
    HOLDING,
    HOUR,
    ITEM,
    JPN_LOW,
    JPN_READER,
    JPN_READER_2,
    JU,
    KJ,
    KU,
    LOW_HOLDING,
    NOW,
    USA_READER,
    lv,
)

from gsomia.errors import InputError, NotFound, PolicyDenied
from gsomia.treaty import (
    NO_REPRODUCTION,
    AccessRecord,
    Copy,
    CustodyEvent,
    CustodyKind,
    DerivativeKind,
    IpUse,
    ItemTranslation,
    chain_of_custody,
    current_custody,
    derivative_marking,
    make_copy,
    make_derivative,
    make_translation,
    may_access,
    may_assign_translation,
    may_copy,
    may_derive,
    may_use_ip,
    reader_list,
    receive,
)

NO_COPIES = receive(replace(ITEM, caveats=frozenset({NO_REPRODUCTION})), "JPN", KJ)
TWO_COPIES = receive(replace(ITEM, copy_limit=2), "JPN", KJ)
TRADE_SECRET = receive(replace(ITEM, caveats=frozenset({"TRADE SECRET"})), "JPN", KJ)
PATENTED = receive(replace(ITEM, caveats=frozenset({"PATENT"})), "JPN", KJ)

COPY_ROWS: list[tuple[str, Any, Any, int, bool, str]] = [
    ("R29-allow-reader-copies", JPN_READER, HOLDING, 0, True, "R29"),
    ("R29-allow-within-limit", JPN_READER, TWO_COPIES, 1, True, "R29"),
    ("R29-deny-limit-reached", JPN_READER, TWO_COPIES, 2, False, "R29"),
    ("R29-deny-no-reproduction", JPN_READER, NO_COPIES, 0, False, "R29"),
    ("R19-deny-access-first", JPN_LOW, HOLDING, 0, False, "R19"),
    ("R31-deny-destroyed", JPN_READER, replace(HOLDING, destroyed=True), 0, False, "R31"),
]


@pytest.mark.parametrize(
    ("person", "holding", "made", "allowed", "requirement"),
    [row[1:] for row in COPY_ROWS],
    ids=[row[0] for row in COPY_ROWS],
)
def test_may_copy(person: Any, holding: Any, made: int, allowed: bool, requirement: str) -> None:
    decision = may_copy(person, holding, made, NOW)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R29_copies_carry_every_marking_and_a_number() -> None:
    copy = make_copy(JPN_READER, HOLDING, 3, NOW)
    assert copy.number == 4
    assert copy.id == f"{HOLDING.id}/copy-4"
    assert copy.markings.originator == "KOR"
    assert copy.markings.original_level.native == "군사II급비밀"
    assert copy.markings.level.native == "極秘"
    with pytest.raises(PolicyDenied):
        make_copy(JPN_READER, NO_COPIES, 0, NOW)
    with pytest.raises(InputError):
        replace(copy, number=0)


def test_R29_copy_limit_cannot_be_negative() -> None:
    with pytest.raises(InputError):
        replace(ITEM, copy_limit=-1)


@given(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=8))
def test_R29_never_more_copies_than_the_limit(limit: int, attempts: int) -> None:
    holding = receive(replace(ITEM, copy_limit=limit), "JPN", KJ)
    made = 0
    for _ in range(attempts):
        if may_copy(JPN_READER, holding, made, NOW).allowed:
            made = make_copy(JPN_READER, holding, made, NOW).number
    assert made == min(limit, attempts)


TRANSLATE_ROWS: list[tuple[str, Any, Any, int, bool, str]] = [
    ("R30-allow-cleared-translator", JPN_READER_2, HOLDING, 0, True, "R30"),
    ("R30-deny-uncleared-translator", JPN_LOW, HOLDING, 0, False, "R30"),
    ("R30-deny-foreign-translator", USA_READER, HOLDING, 0, False, "R30"),
    ("R29-deny-translation-beyond-limit", JPN_READER_2, TWO_COPIES, 2, False, "R29"),
]


@pytest.mark.parametrize(
    ("translator", "holding", "made", "allowed", "requirement"),
    [row[1:] for row in TRANSLATE_ROWS],
    ids=[row[0] for row in TRANSLATE_ROWS],
)
def test_may_assign_translation(
    translator: Any, holding: Any, made: int, allowed: bool, requirement: str
) -> None:
    decision = may_assign_translation(translator, holding, made, NOW)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R30_R15_translation_names_its_source_and_keeps_markings_and_ip_caveats() -> None:
    translation = make_translation(
        JPN_READER_2, PATENTED, 0, NOW, source_language="ko", language="ja"
    )
    assert isinstance(translation, ItemTranslation)
    assert (translation.source_language, translation.language) == ("ko", "ja")
    assert translation.markings.originator == "KOR"
    assert translation.markings.level.native == "極秘"
    assert translation.markings.ip_restrictions == {"PATENT"}
    assert translation.number == 1
    copy = make_copy(JPN_READER, PATENTED, 1, NOW)
    assert isinstance(copy, Copy)
    assert copy.markings.ip_restrictions == {"PATENT"}
    with pytest.raises(InputError):
        replace(translation, language="ko")
    with pytest.raises(PolicyDenied):
        make_translation(JPN_LOW, HOLDING, 0, NOW, source_language="ko", language="ja")


@pytest.mark.parametrize(
    ("holding", "use", "allowed"),
    [
        (PATENTED, IpUse.OFFICIAL, True),
        (PATENTED, IpUse.MANUFACTURE, False),
        (
            receive(replace(ITEM, caveats=frozenset({"TRADE SECRET"})), "JPN", KJ),
            IpUse.COMMERCIAL,
            False,
        ),
        (HOLDING, IpUse.PUBLICATION, True),
    ],
    ids=["R15-allow-official", "R15-deny-manufacture", "R15-deny-commercial", "R15-allow-no-ip"],
)
def test_may_use_ip(holding: Any, use: IpUse, allowed: bool) -> None:
    decision = may_use_ip(holding, use)
    assert decision.allowed is allowed
    assert decision.requirement == "R15"


# --- derivatives (R8) -------------------------------------------------------------------------

JPN_C = lv("JPN", "秘")
EXTRACT = DerivativeKind.EXTRACT
USA_ITEM = replace(
    ITEM,
    id="usa-track",
    originator="USA",
    level=lv("USA", "SECRET"),
    agreement_id="JPN-USA-2007",
    caveats=frozenset({"COPYRIGHT"}),
)


def test_R8_derivative_is_marked_at_the_highest_source_and_lists_every_originator() -> None:
    usa_holding = receive(USA_ITEM, "JPN", JU)
    marking = derivative_marking([LOW_HOLDING, usa_holding])
    assert marking.level.native == "極秘"
    assert marking.originators == {"KOR", "USA"}
    assert marking.caveats == {"COPYRIGHT"}
    derivative = make_derivative(
        JPN_READER, [LOW_HOLDING, usa_holding], DerivativeKind.COMPILATION, NOW, derivative_id="c"
    )
    assert derivative.item_ids == ("kor-track-2", "usa-track")
    assert derivative.holder == "JPN"
    higher = make_derivative(
        JPN_READER,
        [LOW_HOLDING],
        DerivativeKind.SUMMARY,
        NOW,
        derivative_id="s",
        level=lv("JPN", "極秘"),
    )
    assert higher.marking.level.native == "極秘"


DERIVE_ROWS: list[tuple[str, Any, list[Any], bool, str]] = [
    ("R8-allow-reader-of-every-source", JPN_READER, [HOLDING, LOW_HOLDING], True, "R8"),
    ("R8-deny-no-source", JPN_READER, [], False, "R8"),
    ("R8-deny-a-source-not-accessible", JPN_LOW, [HOLDING, LOW_HOLDING], False, "R8"),
    ("R31-deny-destroyed-source", JPN_READER, [replace(HOLDING, destroyed=True)], False, "R31"),
]


@pytest.mark.parametrize(
    ("person", "sources", "allowed", "requirement"),
    [row[1:] for row in DERIVE_ROWS],
    ids=[row[0] for row in DERIVE_ROWS],
)
def test_may_derive(person: Any, sources: list[Any], allowed: bool, requirement: str) -> None:
    decision = may_derive(person, sources, NOW)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R8_derivative_refusals() -> None:
    with pytest.raises(PolicyDenied):  # below the sources' highest level
        make_derivative(
            JPN_READER,
            [HOLDING],
            DerivativeKind.EXTRACT,
            NOW,
            derivative_id="e",
            level=lv("JPN", "秘"),
        )
    with pytest.raises(InputError):  # an extract has one source
        make_derivative(
            JPN_READER, [HOLDING, LOW_HOLDING], DerivativeKind.EXTRACT, NOW, derivative_id="e"
        )
    with pytest.raises(InputError):
        derivative_marking([])
    usa_item = replace(ITEM, releasable_to=frozenset({"JPN", "USA"}), agreement_id=KU.id)
    with pytest.raises(InputError):
        derivative_marking([HOLDING, receive(usa_item, "USA", KU)])


@given(st.lists(st.sampled_from([HOLDING, LOW_HOLDING]), min_size=1, max_size=5))
def test_R8_derivative_never_below_any_source(sources: list[Any]) -> None:
    marking = derivative_marking(sources)
    assert all(marking.level.dominates(source.level) for source in sources)
    assert marking.originators == {"KOR"}


# --- inventory (R17) --------------------------------------------------------------------------

EVENTS = [
    CustodyEvent(ITEM.id, HOLDING.id, CustodyKind.RECEIVED, NOW, "jpn-registry", "Ichigaya"),
    CustodyEvent(
        ITEM.id, f"{HOLDING.id}/copy-1", CustodyKind.COPIED, NOW + HOUR, "jpn-analyst", "J2"
    ),
    CustodyEvent(ITEM.id, HOLDING.id, CustodyKind.MOVED, NOW + DAY, "jpn-vault", "Vault B"),
    CustodyEvent("other", "JPN:other", CustodyKind.RECEIVED, NOW, "jpn-registry", "Ichigaya"),
]


def test_R17_chain_of_custody_and_current_custodian() -> None:
    chain = chain_of_custody(reversed(EVENTS), ITEM.id)
    assert [e.kind for e in chain] == [CustodyKind.RECEIVED, CustodyKind.COPIED, CustodyKind.MOVED]
    assert current_custody(EVENTS, HOLDING.id).location == "Vault B"
    with pytest.raises(NotFound):
        current_custody(EVENTS, "nowhere")


def test_R17_reader_list_names_those_given_access_once_in_order() -> None:
    records = [
        AccessRecord(ITEM.id, HOLDING.id, "b", NOW + HOUR, allowed=True),
        AccessRecord(ITEM.id, HOLDING.id, "a", NOW, allowed=True),
        AccessRecord(ITEM.id, HOLDING.id, "c", NOW, allowed=False),
        AccessRecord(ITEM.id, HOLDING.id, "a", NOW + DAY, allowed=True),
        AccessRecord("other", "x", "d", NOW, allowed=True),
    ]
    assert reader_list(records, ITEM.id) == ("a", "b")
    assert may_access(JPN_READER, HOLDING, NOW).allowed
