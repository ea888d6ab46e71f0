"""Onward release re-marked in the third nation's scheme, the chain of holders, and hub mode
(R12, R21, R47)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import (
    CONSENT,
    HOLDING,
    HOUR,
    ITEM,
    JPN_READER,
    JU,
    KJ,
    KU,
    NOW,
    USA_READER,
    WARNING,
    lv,
    reader,
)

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.treaty import (
    NON_BINDING,
    CustodyChain,
    Event,
    EventKind,
    Holding,
    HubRule,
    Transfer,
    chain_of,
    forward_via_hub,
    may_access,
    may_forward_via_hub,
    receive,
    release_onward,
)
from gsomia.treaty.agreements import make_version

TISA_TOPIC = "DPRK nuclear and missile threats"
TISA = HubRule("USA", frozenset({"KOR", "JPN"}), frozenset({TISA_TOPIC}))
TISA_ITEM = replace(
    ITEM,
    id="kor-tisa-1",
    agreement_id=KU.id,
    releasable_to=frozenset({"USA", "JPN"}),
    community=TISA_TOPIC,
)
HUB_HOLDING = receive(TISA_ITEM, "USA", KU)


def test_R12_onward_release_re_marks_in_the_third_nations_scheme() -> None:
    moved = release_onward(HOLDING, "USA", CONSENT, JU, NOW)
    assert moved.holding.holder == "USA"
    assert moved.holding.level == lv("USA", "SECRET")
    assert moved.holding.item.level.native == "군사II급비밀"  # the originator's marking stays
    assert moved.holding.consent_id == CONSENT.id
    transfer = moved.transfer
    assert (transfer.from_nation, transfer.to_nation, transfer.basis) == ("JPN", "USA", JU.id)
    assert transfer.consent_id == CONSENT.id
    # A cleared US reader with need-to-know may now read it; its nationality came by consent.
    assert may_access(USA_READER, moved.holding, NOW + HOUR).allowed


def test_R12_onward_release_without_or_with_a_revoked_consent_is_refused() -> None:
    with pytest.raises(PolicyDenied, match="no consent"):
        release_onward(HOLDING, "USA", None, JU, NOW)
    with pytest.raises(PolicyDenied, match="revoked"):
        release_onward(HOLDING, "USA", replace(CONSENT, revoked_at=NOW - HOUR), JU, NOW)
    with pytest.raises(PolicyDenied, match="expired"):
        release_onward(HOLDING, "USA", replace(CONSENT, expires_at=NOW), JU, NOW)


def test_R12_a_consent_for_another_purpose_lets_the_third_nation_use_it_for_that_purpose() -> None:
    consent = replace(CONSENT, purpose="ballistic missile defence")
    moved = release_onward(HOLDING, "USA", consent, JU, NOW)
    assert may_access(USA_READER, moved.holding, NOW, "ballistic missile defence").allowed
    assert not may_access(USA_READER, moved.holding, NOW, "targeting").allowed


def test_R21_no_nationality_gains_access_through_an_onward_holding_but_the_consented_one() -> None:
    moved = release_onward(HOLDING, "USA", CONSENT, JU, NOW)
    british = reader("gbr-analyst", "GBR", "SECRET")
    assert not may_access(british, moved.holding, NOW).allowed
    assert not may_access(JPN_READER, moved.holding, NOW).allowed  # not the USA's official


# --- the chain of holders (R12, R17) ----------------------------------------------------------


def provision() -> Transfer:
    return Transfer(ITEM.id, "KOR", "JPN", NOW - HOUR, "極秘", KJ.id)


def test_R17_chain_shows_every_holder_and_the_path() -> None:
    onward = release_onward(HOLDING, "USA", CONSENT, JU, NOW).transfer
    chain = chain_of(ITEM, [onward, provision()])
    assert chain.holders() == {"KOR", "JPN", "USA"}
    assert chain.path_to("USA") == ("KOR", "JPN", "USA")
    assert chain.path_to("KOR") == ("KOR",)
    assert chain.basis_to("USA") == (KJ.id, JU.id)
    with pytest.raises(InputError):
        chain.path_to("GBR")


@pytest.mark.parametrize(
    "transfer",
    [
        Transfer(ITEM.id, "USA", "GBR", NOW, "SECRET", "X"),  # USA never held it
        Transfer(ITEM.id, "KOR", "JPN", NOW, "極秘", KJ.id),  # JPN already holds it
        Transfer("other", "JPN", "USA", NOW, "SECRET", JU.id),
    ],
    ids=["R17-deny-from-non-holder", "R17-deny-twice", "R17-deny-other-item"],
)
def test_R17_chain_refuses_transfers_that_do_not_continue_it(transfer: Transfer) -> None:
    chain = CustodyChain(ITEM.id, "KOR").record(provision())
    with pytest.raises(Conflict):
        chain.record(transfer)


def test_transfer_needs_two_nations() -> None:
    with pytest.raises(InputError):
        Transfer(ITEM.id, "KOR", "KOR", NOW, "x", KJ.id)


@given(st.permutations(["JPN", "USA", "GBR", "AUS"]))
def test_R17_every_holder_has_a_path_from_the_originator(order: list[str]) -> None:
    chain = CustodyChain(ITEM.id, "KOR")
    previous = "KOR"
    for nation in order:
        chain = chain.record(Transfer(ITEM.id, previous, nation, NOW, "x", "A"))
        previous = nation
    for nation in chain.holders():
        path = chain.path_to(nation)
        assert path[0] == "KOR"
        assert path[-1] == nation
        assert len(chain.basis_to(nation)) == len(path) - 1


# --- hub mode (R47) ---------------------------------------------------------------------------

V1 = JU.versions[0]
JU_WITHOUT_TOP = replace(JU, versions=(make_version(1, V1.effective, V1.basis, V1.rows[1:]),))
TOP_HUB_HOLDING = receive(replace(TISA_ITEM, level=lv("KOR", "군사I급비밀")), "USA", KU)
JU_LAPSED = JU.record(Event(EventKind.TERMINATION_NOTICE, date(2023, 1, 2), "note", "USA"))


def hub_holding_of(**change: Any) -> Holding:
    return receive(replace(TISA_ITEM, **change), "USA", KU)


HUB_ROWS: list[tuple[str, dict[str, Any], bool]] = [
    ("R47-allow-configured-topic-to-intended-participant", {}, True),
    ("R47-allow-top-secret-under-hub-agreement", {"holding": TOP_HUB_HOLDING}, True),
    ("R47-deny-topic-not-configured", {"holding": hub_holding_of(community=WARNING)}, False),
    (
        "R47-deny-recipient-not-intended",
        {"holding": hub_holding_of(releasable_to=frozenset({"USA"}))},
        False,
    ),
    ("R47-deny-recipient-not-participant", {"recipient": "GBR"}, False),
    ("R47-deny-back-to-originator", {"recipient": "KOR", "agreement": KU}, False),
    ("R47-deny-not-the-hubs-holding", {"holding": HOLDING}, False),
    ("R47-deny-destroyed", {"holding": replace(HUB_HOLDING, destroyed=True)}, False),
    ("R47-deny-no-hub-agreement", {"agreement": None}, False),
    ("R47-deny-wrong-hub-agreement", {"agreement": KJ}, False),
    ("R47-deny-hub-agreement-not-in-force", {"agreement": JU_LAPSED}, False),
    (
        "R47-deny-level-not-covered-by-hub-agreement",
        {"holding": TOP_HUB_HOLDING, "agreement": JU_WITHOUT_TOP},
        False,
    ),
]


@pytest.mark.parametrize(
    ("change", "allowed"), [row[1:] for row in HUB_ROWS], ids=[row[0] for row in HUB_ROWS]
)
def test_may_forward_via_hub(change: dict[str, Any], allowed: bool) -> None:
    decision = may_forward_via_hub(
        TISA,
        change.get("holding", HUB_HOLDING),
        change.get("recipient", "JPN"),
        change.get("agreement", JU),
        NOW,
    )
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == "R47"
    if allowed:
        assert NON_BINDING in decision.reason


def test_R47_hub_re_marks_under_its_own_agreement_and_records_the_path() -> None:
    assert HUB_HOLDING.level == lv("USA", "SECRET")
    moved = forward_via_hub(TISA, HUB_HOLDING, "JPN", JU, NOW)
    assert moved.holding.holder == "JPN"
    assert moved.holding.level == lv("JPN", "極秘")
    assert moved.transfer.hub == "USA"
    provided = Transfer(TISA_ITEM.id, "KOR", "USA", NOW - HOUR, "SECRET", KU.id)
    chain = chain_of(TISA_ITEM, [provided, moved.transfer])
    assert chain.path_to("JPN") == ("KOR", "USA", "JPN")
    assert chain.basis_to("JPN") == (KU.id, JU.id)
    with pytest.raises(PolicyDenied):
        forward_via_hub(TISA, HUB_HOLDING, "GBR", JU, NOW)


@pytest.mark.parametrize(
    "args",
    [
        ("USA", frozenset({"USA", "JPN"}), frozenset({TISA_TOPIC})),
        ("USA", frozenset({"JPN"}), frozenset({TISA_TOPIC})),
        ("USA", frozenset({"KOR", "JPN"}), frozenset()),
    ],
    ids=["R47-hub-is-participant", "R47-one-participant", "R47-no-topic"],
)
def test_R47_malformed_hub_rules(args: tuple[str, frozenset[str], frozenset[str]]) -> None:
    with pytest.raises(InputError):
        HubRule(*args)
