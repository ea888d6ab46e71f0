"""Rules that node/ used to decide by itself, now pure functions of the core (issue 11): each
a table of the treaty's cases and a property, so the node only gathers facts and asks.

- who may take an item back (R18), `destruction.may_take_back`
- which path a classification notice may name (R14), `classification.may_follow_path`
- which hub rule a forwarding goes under (R47), `onward.hub_rule_for`
- the agreements on the path a notice names to a holder (R14), `onward.bases_to`
- deriving refused while a source is past its purpose (R8, R18), `derivatives.may_derive_now`
- whose acknowledgement of a notice the originator takes (R14), `may_take_acknowledgement`
- who investigates a compromise and when its case closes (R37), `compromise.may_investigate`
- only an approved visit to this nation shows a visitor anything (R23), `visits.approved_here`
- who decides a holder's request for consent or a new purpose (R12, R13),
  `decisions.may_decide_request`
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_compromise import REPORT, findings
from tests.treaty.test_treaty_onward import HUB_HOLDING, TISA, TISA_TOPIC
from tests.treaty.test_treaty_world import DAY, HOLDING, JPN_READER, JU, KJ, NOW, WARNING

from gsomia.errors import PolicyDenied
from gsomia.treaty.classification import may_follow_path, may_take_acknowledgement
from gsomia.treaty.compromise import (
    may_close_case,
    may_investigate,
    notify_originator,
    open_compromise_case,
    open_investigation,
)
from gsomia.treaty.decisions import may_decide_request
from gsomia.treaty.derivatives import may_derive, may_derive_now
from gsomia.treaty.destruction import may_take_back
from gsomia.treaty.items import Holding
from gsomia.treaty.onward import (
    HUB_ARTICLE,
    CustodyChain,
    HubRule,
    Transfer,
    bases_to,
    hub_rule_for,
    may_forward_via_hub,
)
from gsomia.treaty.visits import approved_here

NATIONS = st.sampled_from(["KOR", "JPN", "USA", "GBR", "AUS"])
AGREEMENT_IDS = st.sampled_from([KJ.id, JU.id, "KOR-USA-1987", "JPN-GBR-2013"])

# --- R18: the originator takes back only what a recorded holder returns ----------------------


@pytest.mark.parametrize(
    ("recorded", "allowed"),
    [(True, True), (False, False)],
    ids=["R18-allow-return-from-recorded-holder", "R18-deny-return-from-unrecorded-nation"],
)
def test_may_take_back(recorded: bool, allowed: bool) -> None:
    decision = may_take_back("kor-track-1", "JPN", recorded_holder=recorded)
    assert decision.allowed is allowed
    assert (decision.article, decision.requirement) == ("Art. 6(h)", "R18")
    if not allowed:
        assert "nothing to take back" in decision.reason


# --- R14: a notice's path ends with the agreement the holder received the item under ---------

ITEM_AGREEMENT = HOLDING.item.agreement_id
ONWARD = JU.id  # the item came to the holder onward, under another agreement

PATH_ROWS: list[tuple[str, tuple[str, ...], str | None, bool]] = [
    ("R14-allow-no-recorded-receipt", (), None, True),
    ("R14-allow-received-under-the-items-own-agreement", (), ITEM_AGREEMENT, True),
    ("R14-allow-path-ends-with-the-onward-agreement", (ITEM_AGREEMENT, ONWARD), ONWARD, True),
    ("R14-deny-empty-path-for-an-onward-holder", (), ONWARD, False),
    ("R14-deny-path-ending-elsewhere", (ONWARD, ITEM_AGREEMENT), ONWARD, False),
]


@pytest.mark.parametrize(
    ("via", "received_under", "allowed"),
    [row[1:] for row in PATH_ROWS],
    ids=[row[0] for row in PATH_ROWS],
)
def test_may_follow_path(via: tuple[str, ...], received_under: str | None, allowed: bool) -> None:
    decision = may_follow_path(HOLDING, "USA", via, received_under)
    assert decision.allowed is allowed, decision.reason
    assert (decision.article, decision.requirement) == ("Art. 6(g)", "R14")
    if not allowed:
        with pytest.raises(PolicyDenied, match="does not end with"):
            decision.enforce()


@given(via=st.lists(AGREEMENT_IDS, max_size=3), received_under=st.none() | AGREEMENT_IDS)
def test_a_path_is_refused_only_when_it_misses_the_onward_agreement(
    via: list[str], received_under: str | None
) -> None:
    decision = may_follow_path(HOLDING, "USA", via, received_under)
    came_onward = received_under is not None and received_under != ITEM_AGREEMENT
    misses = not via or via[-1] != received_under
    assert decision.allowed is not (came_onward and misses)


# --- R47: the first configured rule that allows the forwarding is the one used ---------------

OTHER_TOPIC = HubRule("USA", frozenset({"KOR", "JPN"}), frozenset({WARNING}), "another")
NOT_PARTICIPANTS = HubRule("USA", frozenset({"GBR", "AUS"}), frozenset({TISA_TOPIC}), "FVEY")


def test_R47_no_rule_configured_is_refused_naming_the_hub() -> None:
    rule, decision = hub_rule_for([], HUB_HOLDING, "JPN", JU, NOW)
    assert rule is None
    assert not decision.allowed
    assert decision.reason == "no hub rule is configured on USA"
    assert (decision.article, decision.requirement) == (HUB_ARTICLE, "R47")


@pytest.mark.parametrize(
    ("rules", "chosen"),
    [
        ([TISA], TISA),
        ([OTHER_TOPIC, TISA], TISA),
        ([TISA, OTHER_TOPIC], TISA),
        ([OTHER_TOPIC, NOT_PARTICIPANTS], None),
    ],
    ids=[
        "R47-allow-the-one-rule",
        "R47-allow-a-later-rule-that-fits",
        "R47-allow-the-first-rule-that-fits",
        "R47-deny-when-no-rule-fits",
    ],
)
def test_hub_rule_for(rules: list[HubRule], chosen: HubRule | None) -> None:
    rule, decision = hub_rule_for(rules, HUB_HOLDING, "JPN", JU, NOW)
    assert rule == chosen
    assert decision.allowed is (chosen is not None)
    if chosen is None:  # the refusal is the last rule's own, with its reason
        assert decision == may_forward_via_hub(rules[-1], HUB_HOLDING, "JPN", JU, NOW)


@given(st.lists(st.sampled_from([TISA, OTHER_TOPIC, NOT_PARTICIPANTS]), max_size=4))
def test_the_rule_chosen_is_the_first_that_allows(rules: list[HubRule]) -> None:
    rule, decision = hub_rule_for(rules, HUB_HOLDING, "JPN", JU, NOW)
    allowing = [r for r in rules if may_forward_via_hub(r, HUB_HOLDING, "JPN", JU, NOW).allowed]
    assert rule == (allowing[0] if allowing else None)
    assert decision.allowed is bool(allowing)


# --- R12, R13: only the originator decides a holder's request ---------------------------------


@pytest.mark.parametrize(
    ("nation", "requirement", "allowed"),
    [("KOR", "R12", True), ("JPN", "R12", False), ("KOR", "R13", True), ("USA", "R13", False)],
    ids=[
        "R12-allow-originator-decides-consent",
        "R12-deny-holder-decides-consent",
        "R13-allow-originator-decides-purpose",
        "R13-deny-third-nation-decides-purpose",
    ],
)
def test_may_decide_request(nation: str, requirement: str, allowed: bool) -> None:
    decision = may_decide_request(nation, "KOR", "consent c-1", requirement)
    assert decision.allowed is allowed
    assert (decision.article, decision.requirement) == (
        "Art. 5 or 6(a)-(c), UNCONFIRMED",
        requirement,
    )
    if not allowed:
        with pytest.raises(
            PolicyDenied, match=rf"only the originator KOR decides consent c-1 \({requirement}\)"
        ):
            decision.enforce()


@given(nation=NATIONS, originator=NATIONS)
def test_a_request_is_decided_by_its_originator_alone(nation: str, originator: str) -> None:
    assert may_decide_request(nation, originator, "p-1", "R13").allowed is (nation == originator)


# --- R14: the path a notice names to each holder, from the links the originator knows --------


def _link(giver: str, receiver: str, basis: str) -> Transfer:
    return Transfer("kor-track-1", giver, receiver, NOW, "SECRET", basis)


@pytest.mark.parametrize(
    ("links", "holder", "bases"),
    [
        ([_link("KOR", "JPN", KJ.id)], "JPN", (KJ.id,)),
        ([_link("KOR", "JPN", KJ.id), _link("JPN", "USA", JU.id)], "USA", (KJ.id, JU.id)),
        ([_link("JPN", "USA", JU.id)], "USA", None),  # the first link is not known here
        ([_link("USA", "JPN", KJ.id), _link("JPN", "USA", JU.id)], "USA", None),  # a loop
        ([], "KOR", ()),
    ],
    ids=["direct", "onward", "missing-link", "loop", "the-originator"],
)
def test_bases_to(links: list[Transfer], holder: str, bases: tuple[str, ...] | None) -> None:
    chain = CustodyChain("kor-track-1", "KOR", tuple(links))
    assert bases_to(chain, holder) == bases


# --- R8 with R18: nothing is derived from a holding whose purpose ended ----------------------


def _ended(holding: Holding, item_id: str) -> Holding:
    item = replace(holding.item, id=item_id, purpose_ends=NOW - DAY)
    return replace(holding, id=f"h-{item_id}", item=item)


ENDED_A, ENDED_B = _ended(HOLDING, "kor-ended-a"), _ended(HOLDING, "kor-ended-b")


@pytest.mark.parametrize(
    ("sources", "requirement", "names"),
    [
        ([HOLDING], "R8", None),
        ([HOLDING, ENDED_A], "R18", "kor-ended-a"),
        ([ENDED_A, HOLDING, ENDED_B], "R18", "kor-ended-b"),
    ],
    ids=["R8-allow-sources-in-purpose", "R18-deny-a-source-past-its-purpose", "R18-names-the-last"],
)
def test_may_derive_now(sources: list[Holding], requirement: str, names: str | None) -> None:
    decision = may_derive_now(JPN_READER, sources, NOW)
    assert decision.requirement == requirement
    if names is None:
        assert decision == may_derive(JPN_READER, sources, NOW)
        assert decision.allowed
    else:
        assert not decision.allowed
        assert names in decision.reason


# --- R14: the originator takes an acknowledgement only from a holder it sent the notice to ---


@pytest.mark.parametrize(
    ("sender", "allowed"),
    [("JPN", True), ("USA", True), ("GBR", False)],
    ids=["R14-allow-a-holder", "R14-allow-an-onward-holder", "R14-deny-a-nation-not-sent-it"],
)
def test_may_take_acknowledgement(sender: str, allowed: bool) -> None:
    decision = may_take_acknowledgement(sender, "n-1", "kor-track-1", ["JPN", "USA"])
    assert decision.allowed is allowed
    assert (decision.article, decision.requirement) == ("Art. 6(g)", "R14")
    if not allowed:
        assert decision.reason == "GBR was not sent notice n-1: it holds no kor-track-1 known here"


# --- R37: the reporting node investigates and closes; closing waits for the acknowledgement --


@pytest.mark.parametrize(
    ("reported_here", "closing", "allowed", "says"),
    [
        (True, False, True, "this node investigates"),
        (True, True, True, "this node investigates"),
        (False, False, False, "the holder investigates and sends its findings"),
        (False, True, False, "is closed by JPN, which investigates it"),
    ],
    ids=[
        "R37-allow-the-reporter-records-findings",
        "R37-allow-the-reporter-closes",
        "R37-deny-the-originator-records-findings",
        "R37-deny-the-originator-closes",
    ],
)
def test_may_investigate(reported_here: bool, closing: bool, allowed: bool, says: str) -> None:
    decision = may_investigate("c-1", "JPN", reported_here=reported_here, closing=closing)
    assert decision.allowed is allowed
    assert (decision.article, decision.requirement) == ("Art. 17", "R37")
    assert says in decision.reason


def test_R37_a_case_closes_only_once_its_findings_are_acknowledged() -> None:
    sent = findings(open_investigation(notify_originator(open_compromise_case(REPORT), NOW), NOW))
    assert may_close_case(sent).allowed
    pending = may_close_case(sent, acknowledged=False)
    assert not pending.allowed
    assert "not yet acknowledged" in pending.reason
    # Unsent findings are refused as before, acknowledged or not.
    assert not may_close_case(open_compromise_case(REPORT), acknowledged=True).allowed


# --- R23: nothing is shown to a visitor but under an approved visit to this nation -----------


@pytest.mark.parametrize(
    ("hosted_here", "approved", "allowed"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
    ids=[
        "R23-allow-an-approved-visit-here",
        "R23-deny-a-visit-not-approved",
        "R23-deny-a-visit-this-nation-makes-elsewhere",
        "R23-deny-neither",
    ],
)
def test_approved_here(hosted_here: bool, approved: bool, allowed: bool) -> None:
    decision = approved_here("v-1", "KOR", hosted_here=hosted_here, approved=approved)
    assert decision.allowed is allowed
    assert (decision.article, decision.requirement) == ("Art. 8", "R23")
    if not allowed:
        assert decision.reason == "visit v-1 is not an approved visit to KOR"
