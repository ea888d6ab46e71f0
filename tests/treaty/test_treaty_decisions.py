"""Decisions drawn from the treaty (R2, R6, R12–R14, R16, R19–R22, R25, R40, R44–R46, R50).

Every row names the requirement it tests; each requirement has allowing and denying rows.
The scenario is the one in DESIGN.md: KOR provides a FLASH "DPRK launch track" at 군사II급비밀
to JPN for missile warning; JPN holds it at 極秘 and may pass it to USA only with consent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from gsomia.errors import InputError, PolicyDenied
from gsomia.treaty import (
    RELEASE_AUTHORITY,
    Agreement,
    Assurance,
    Consent,
    Decision,
    EquivalenceRow,
    Event,
    EventKind,
    Holding,
    Item,
    MissingField,
    OfficerRelease,
    Person,
    Precedence,
    StandingRelease,
    load_agreements,
    load_schemes,
    may_access,
    may_change_classification,
    may_hand_over,
    may_provide,
    may_release_onward,
    may_use_classic_crypto,
    receive,
)
from gsomia.treaty.roles import ANALYST, Action, clearance_in_force, may_act

S = load_schemes()
AGREEMENTS = load_agreements()
KJ = AGREEMENTS.get("KOR-JPN-2016")
JU = AGREEMENTS.get("JPN-USA-2007")
NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
WARNING = "missile warning"

# KJ as it would stand had Korea's 2019 notice not been suspended: terminated on 23 Nov 2019.
LAPSED = replace(
    KJ,
    history=tuple(
        e
        for e in KJ.history
        if e.kind not in (EventKind.NOTICE_SUSPENDED, EventKind.NOTICE_WITHDRAWN)
    ),
)


def lv(nation: str, text: str):  # type: ignore[no-untyped-def]
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
    created_at=NOW - timedelta(hours=1),
)
HOLDING = receive(ITEM, "JPN", KJ)
OFFICER = Person(
    "kor-officer",
    "KOR",
    lv("KOR", "군사I급비밀"),
    NOW + YEAR,
    roles=frozenset({RELEASE_AUTHORITY}),
    registered=True,
)
RELEASE = OfficerRelease(ITEM.id, "JPN", OFFICER, NOW - timedelta(minutes=5))
READER = Person(
    "jpn-analyst", "JPN", lv("JPN", "極秘"), NOW + YEAR, frozenset({WARNING}), registered=True
)
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


def test_holding_is_marked_in_the_receivers_scheme() -> None:
    assert HOLDING.level.native == "極秘"
    assert HOLDING.holder == "JPN"
    assert HOLDING.item.level.native == "군사II급비밀"  # the originator's marking is kept (R7)


# --- may_provide ------------------------------------------------------------------------------

STANDING = StandingRelease(
    "feed-dprk", "KOR", "JPN", WARNING, lv("KOR", "군사II급비밀"), NOW - YEAR, NOW + YEAR, OFFICER
)

#: A partner node registered here, with post-quantum keys: what a provision seals for.
PQ_NODE: dict[str, Any] = {"recipient_known": True, "classic_crypto": False}
CLASSIC_ALLOWED = replace(KJ, classic_crypto_allowed=True)

PROVIDE: list[tuple[str, dict[str, Any], bool, str]] = [
    ("R50-allow-officer-release", {}, True, "R50"),
    ("R50-allow-standing-rule", {"release": STANDING}, True, "R50"),
    ("R50-deny-no-release", {"release": None}, False, "R50"),
    ("R50-deny-release-for-another-item", {"release": replace(RELEASE, item_id="x")}, False, "R50"),
    (
        "R50-deny-release-in-the-future",
        {"release": replace(RELEASE, decided_at=NOW + YEAR)},
        False,
        "R50",
    ),
    (
        "R50-deny-unauthorised-officer",
        {"release": replace(RELEASE, officer=replace(OFFICER, roles=frozenset()))},
        False,
        "R50",
    ),
    (
        "R16-deny-officer-off-the-register",
        {"release": replace(RELEASE, officer=replace(OFFICER, registered=False))},
        False,
        "R16",
    ),
    (
        "R50-deny-officer-whose-clearance-lapsed",
        {"release": replace(RELEASE, officer=replace(OFFICER, clearance_expires=NOW))},
        False,
        "R50",
    ),
    (
        "R50-deny-officer-of-other-party",
        {"release": replace(RELEASE, officer=replace(OFFICER, nationality="JPN"))},
        False,
        "R50",
    ),
    (
        "R50-deny-rule-ceiling-below-level",
        {"release": replace(STANDING, ceiling=lv("KOR", "군사III급비밀"))},
        False,
        "R50",
    ),
    ("R50-deny-rule-expired", {"release": replace(STANDING, valid_until=NOW)}, False, "R50"),
    (
        "R50-deny-rule-other-purpose",
        {"release": replace(STANDING, purpose="logistics")},
        False,
        "R50",
    ),
    (
        "R2-allow-covered-level",
        {"item": replace(ITEM, level=lv("KOR", "군사III급비밀"))},
        True,
        "R50",
    ),
    (
        "R2-deny-top-secret-not-covered",
        {"item": replace(ITEM, level=lv("KOR", "군사I급비밀"))},
        False,
        "R2",
    ),
    ("R40-deny-before-entry-into-force", {"now": datetime(2016, 11, 22, tzinfo=UTC)}, False, "R40"),
    (
        "R40-allow-on-entry-into-force",
        {
            "now": datetime(2016, 11, 23, 12, tzinfo=UTC),
            "release": replace(RELEASE, decided_at=datetime(2016, 11, 23, tzinfo=UTC)),
        },
        True,
        "R50",
    ),
    (
        "R43-allow-while-notice-suspended",
        {
            "now": datetime(2020, 1, 1, tzinfo=UTC),
            "release": replace(RELEASE, decided_at=datetime(2020, 1, 1, tzinfo=UTC)),
        },
        True,
        "R50",
    ),
    ("R44-deny-after-termination", {"agreement": LAPSED}, False, "R44"),
    (
        "R44-allow-before-termination-effective",
        {
            "agreement": LAPSED,
            "now": datetime(2019, 11, 22, tzinfo=UTC),
            "release": replace(RELEASE, decided_at=datetime(2019, 11, 1, tzinfo=UTC)),
        },
        True,
        "R50",
    ),
    ("R25-deny-unapproved-channel", {"channel": "email"}, False, "R25"),
    (
        "R21-deny-not-releasable",
        {"item": replace(ITEM, releasable_to=frozenset({"USA"}))},
        False,
        "R21",
    ),
    ("R12-deny-third-nation", {"to_nation": "USA"}, False, "R12"),
    ("R1-deny-to-the-originator", {"to_nation": "KOR"}, False, "R1"),
    (
        "R6-deny-item-of-another-agreement",
        {"item": replace(ITEM, agreement_id="KOR-USA-1987")},
        False,
        "R6",
    ),
    ("R1-deny-no-agreement-with-the-nation", {"agreement": None}, False, "R1"),
    ("R25-deny-no-node-of-the-nation-registered", {"recipient_known": False}, False, "R25"),
    (
        "R50-no-release-is-named-before-the-missing-node",
        {"recipient_known": False, "release": None},
        False,
        "R50",
    ),
    ("R26-deny-classic-crypto-the-agreement-refuses", {"classic_crypto": True}, False, "R26"),
    (
        "R26-allow-classic-crypto-the-agreement-allows",
        {"classic_crypto": True, "agreement": CLASSIC_ALLOWED},
        True,
        "R50",
    ),
    (
        "R26-classic-crypto-is-refused-before-the-release-is-looked-at",
        {"classic_crypto": True, "release": None},
        False,
        "R26",
    ),
]


@pytest.mark.parametrize(
    ("changes", "allowed", "requirement"), [p[1:] for p in PROVIDE], ids=[p[0] for p in PROVIDE]
)
def test_may_provide(changes: dict[str, Any], allowed: bool, requirement: str) -> None:
    args: dict[str, Any] = {
        "item": ITEM,
        "to_nation": "JPN",
        "agreement": KJ,
        "release": RELEASE,
        "now": NOW,
        "channel": "gsomia-node",
        **PQ_NODE,
    } | changes
    decision = may_provide(**args)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R2_reason_says_level_not_covered() -> None:
    decision = may_provide(
        replace(ITEM, level=lv("KOR", "군사I급비밀")),
        "JPN",
        KJ,
        RELEASE,
        NOW,
        channel="gsomia-node",
        **PQ_NODE,
    )
    assert "level not covered by agreement" in decision.reason
    assert decision.article == "Art. 4"
    with pytest.raises(PolicyDenied, match="not covered") as caught:
        decision.enforce()
    assert caught.value.article == "Art. 4"


SECRET_ONLY = (
    EquivalenceRow("SECRET", {"KOR": (lv("KOR", "군사II급비밀"),), "JPN": (lv("JPN", "極秘"),)}),
)


def amended() -> Agreement:
    consent = Event(EventKind.AMENDMENT_CONSENT, date(2024, 1, 10), "exchange of notes")
    return KJ.amend(
        SECRET_ONLY, effective=date(2024, 2, 1), consents={"KOR": consent, "JPN": consent}
    )


def test_R45_items_are_provided_under_the_version_in_effect() -> None:
    agreement = amended()
    old = may_provide(ITEM, "JPN", agreement, RELEASE, NOW, channel="gsomia-node", **PQ_NODE)
    assert not old.allowed
    assert old.requirement == "R45"
    item_v2 = replace(ITEM, agreement_version=2)
    release = replace(RELEASE, item_id=item_v2.id)
    assert may_provide(
        item_v2, "JPN", agreement, release, NOW, channel="gsomia-node", **PQ_NODE
    ).allowed
    confidential = replace(item_v2, level=lv("KOR", "군사III급비밀"))
    assert (
        may_provide(
            confidential, "JPN", agreement, release, NOW, channel="gsomia-node", **PQ_NODE
        ).requirement
        == "R2"
    )


def test_R45_holdings_keep_their_version_table() -> None:
    holding = receive(replace(ITEM, level=lv("KOR", "군사III급비밀")), "JPN", amended())
    assert holding.level.native == "秘"  # version 1's table, though version 2 drops the row


def test_R46_open_consultation_suspends_nothing() -> None:
    disputed = KJ.record(Event(EventKind.CONSULTATION_OPENED, date(2024, 1, 1), "note", "JPN"))
    assert may_provide(
        ITEM, "JPN", disputed, RELEASE, NOW, channel="gsomia-node", **PQ_NODE
    ).allowed
    assert may_access(READER, receive(ITEM, "JPN", disputed), NOW).allowed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"purpose": ""}, "without its purpose"),
        ({"originator": ""}, "without its originator"),
        ({"agreement_id": ""}, "without its agreement id"),
        ({"level": lv("JPN", "極秘")}, "not one of the originator KOR's scheme"),
        ({"agreement_version": 0}, "names no agreement version"),
        ({"created_at": datetime(2024, 1, 1)}, "time zone"),
    ],
)
def test_R6_item_needs_originator_classification_purpose_agreement(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(MissingField if "zone" not in message else InputError, match=message):
        replace(ITEM, **changes)


def test_R6_item_with_everything_is_created() -> None:
    assert ITEM.community == WARNING
    assert replace(ITEM, community="dprk").community == "dprk"


# --- may_access -------------------------------------------------------------------------------

GENERAL = Person(
    "jpn-general",
    "JPN",
    lv("JPN", "機密"),
    NOW + YEAR,
    roles=frozenset({"commander"}),
    registered=True,
    rank="general",
)

ACCESS: list[tuple[str, Person, dict[str, Any], bool, str]] = [
    ("R19-allow-cleared-ntk-registered", READER, {}, True, "R19"),
    (
        "R19-allow-higher-clearance",
        replace(READER, clearance=lv("JPN", "特定秘密")),
        {},
        True,
        "R19",
    ),
    ("R19-deny-clearance-below", replace(READER, clearance=lv("JPN", "秘")), {}, False, "R19"),
    ("R19-deny-clearance-expired", replace(READER, clearance_expires=NOW), {}, False, "R19"),
    (
        "R19-deny-clearance-of-another-law",
        replace(READER, clearance=lv("KOR", "군사I급비밀")),
        {},
        False,
        "R19",
    ),
    (
        "R19-deny-originator-national-at-receiver",
        replace(READER, nationality="KOR"),
        {},
        False,
        "R19",
    ),
    ("R20-deny-general-without-need-to-know", GENERAL, {}, False, "R20"),
    (
        "R20-deny-need-to-know-without-clearance",
        replace(READER, clearance=None, clearance_expires=None),
        {},
        False,
        "R19/R20",
    ),
    (
        "R20-allow-general-with-need-to-know",
        replace(GENERAL, communities=frozenset({WARNING})),
        {},
        True,
        "R19",
    ),
    ("R21-deny-third-country-national", replace(READER, nationality="USA"), {}, False, "R21/R12"),
    ("R16-deny-not-on-register", replace(READER, registered=False), {}, False, "R16"),
    ("R13-deny-other-purpose", READER, {"purpose": "export control"}, False, "R13"),
    ("R13-allow-same-purpose", READER, {"purpose": WARNING}, True, "R19"),
    (
        "R13-allow-approved-purpose",
        READER,
        {
            "purpose": "exercise",
            "holding": replace(HOLDING, approved_purposes=frozenset({"exercise"})),
        },
        True,
        "R19",
    ),
    ("R31-deny-destroyed", READER, {"holding": replace(HOLDING, destroyed=True)}, False, "R31"),
    ("R44-allow-after-termination", READER, {"holding": receive(ITEM, "JPN", LAPSED)}, True, "R19"),
    (
        "R44-deny-after-termination",
        replace(READER, clearance=lv("JPN", "秘")),
        {"holding": receive(ITEM, "JPN", LAPSED)},
        False,
        "R19",
    ),
]


@pytest.mark.parametrize(
    ("person", "changes", "allowed", "requirement"),
    [a[1:] for a in ACCESS],
    ids=[a[0] for a in ACCESS],
)
def test_may_access(
    person: Person, changes: dict[str, Any], allowed: bool, requirement: str
) -> None:
    args: dict[str, Any] = {"person": person, "holding": HOLDING, "now": NOW} | changes
    decision = may_access(**args)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement
    assert decision.article.startswith("Art.")


def test_R20_reason_names_the_rule() -> None:
    decision = may_access(GENERAL, HOLDING, NOW)
    assert "rank or clearance alone never grants access" in decision.reason
    with pytest.raises(PolicyDenied):
        decision.enforce()
    assert may_access(READER, HOLDING, NOW).enforce().allowed


def test_naive_now_is_refused() -> None:
    with pytest.raises(InputError, match="time zone"):
        may_access(READER, HOLDING, datetime(2024, 1, 1))


# --- may_release_onward -----------------------------------------------------------------------

ONWARD: list[tuple[str, dict[str, Any], bool, str]] = [
    ("R12-allow-with-consent-and-agreement", {}, True, "R12"),
    (
        "R12-allow-consent-for-the-class",
        {"consent": replace(CONSENT, item_ids=frozenset(), item_class=WARNING)},
        True,
        "R12",
    ),
    ("R12-deny-without-consent", {"consent": None}, False, "R12"),
    ("R12-deny-unverified-consent", {"consent": replace(CONSENT, verified=False)}, False, "R12"),
    (
        "R12-deny-consent-of-another-originator",
        {"consent": replace(CONSENT, originator="USA")},
        False,
        "R12",
    ),
    (
        "R12-deny-consent-given-to-another-holder",
        {"consent": replace(CONSENT, holder="GBR")},
        False,
        "R12",
    ),
    (
        "R12-deny-consent-for-another-nation",
        {"consent": replace(CONSENT, recipient="GBR")},
        False,
        "R12",
    ),
    (
        "R12-deny-consent-for-another-item",
        {"consent": replace(CONSENT, item_ids=frozenset({"other"}))},
        False,
        "R12",
    ),
    ("R12-deny-consent-for-another-purpose", {"purpose": "logistics"}, False, "R12"),
    ("R12-deny-expired-consent", {"consent": replace(CONSENT, expires_at=NOW)}, False, "R12"),
    (
        "R12-deny-revoked-consent",
        {"consent": replace(CONSENT, revoked_at=NOW - YEAR)},
        False,
        "R12",
    ),
    (
        "R12-allow-revocation-in-the-future",
        {"consent": replace(CONSENT, revoked_at=NOW + YEAR)},
        True,
        "R12",
    ),
    ("R12-deny-no-agreement-with-third", {"agreement_with_third": None}, False, "R12"),
    ("R12-deny-wrong-agreement", {"agreement_with_third": KJ}, False, "R12"),
    ("R12-deny-to-the-holder-itself", {"third_nation": "JPN"}, False, "R12"),
    (
        "R40-deny-third-agreement-not-in-force",
        {"now": datetime(2007, 8, 1, tzinfo=UTC), "consent": replace(CONSENT, expires_at=NOW)},
        False,
        "R40",
    ),
    (
        "R2-deny-level-not-covered-with-third",
        {"holding": Holding("h", ITEM, "JPN", lv("JPN", "特定秘密"))},
        False,
        "R2",
    ),
    ("R31-deny-destroyed", {"holding": replace(HOLDING, destroyed=True)}, False, "R31"),
    (
        "R44-deny-after-termination-without-consent",
        {"holding": receive(ITEM, "JPN", LAPSED), "consent": None},
        False,
        "R12",
    ),
    (
        "R44-allow-after-termination-with-consent",
        {"holding": receive(ITEM, "JPN", LAPSED)},
        True,
        "R12",
    ),
]


@pytest.mark.parametrize(
    ("changes", "allowed", "requirement"), [o[1:] for o in ONWARD], ids=[o[0] for o in ONWARD]
)
def test_may_release_onward(changes: dict[str, Any], allowed: bool, requirement: str) -> None:
    args: dict[str, Any] = {
        "holding": HOLDING,
        "third_nation": "USA",
        "consent": CONSENT,
        "agreement_with_third": JU,
        "now": NOW,
    } | changes
    decision = may_release_onward(**args)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R12_onward_release_is_remarked_secret() -> None:
    assert "as SECRET" in may_release_onward(HOLDING, "USA", CONSENT, JU, NOW).reason


def test_consent_must_name_items() -> None:
    with pytest.raises(InputError, match="names neither items"):
        replace(CONSENT, item_ids=frozenset())


# --- classification changes, assurances, crypto profile ---------------------------------------


@pytest.mark.parametrize(
    ("nation", "allowed"),
    [("KOR", True), ("JPN", False), ("USA", False)],
    ids=["R14-allow-originator", "R14-deny-receiver", "R14-deny-third"],
)
def test_may_change_classification(nation: str, allowed: bool) -> None:
    decision = may_change_classification(nation, ITEM)
    assert decision.allowed is allowed
    assert decision.article == "Art. 6(g)"


REP = Person(
    "jpn-liaison", "JPN", lv("JPN", "極秘"), NOW + YEAR, frozenset({WARNING}), registered=True
)
ASSURANCE = Assurance("JPN", REP.id, lv("JPN", "極秘"), WARNING, True, NOW - timedelta(days=1))

HAND_OVER: list[tuple[str, dict[str, Any], bool]] = [
    ("R22-allow-with-assurance", {}, True),
    ("R22-deny-without-assurance", {"assurance": None}, False),
    (
        "R22-deny-assurance-given-later",
        {"assurance": replace(ASSURANCE, given_at=NOW + YEAR)},
        False,
    ),
    (
        "R22-deny-assurance-of-another-party",
        {"assurance": replace(ASSURANCE, receiving_party="USA")},
        False,
    ),
    (
        "R22-deny-representative-of-another-party",
        {"representative": replace(REP, nationality="USA")},
        False,
    ),
    (
        "R22-deny-assurance-for-someone-else",
        {"assurance": replace(ASSURANCE, representative_id="x")},
        False,
    ),
    ("R22-deny-other-purpose", {"assurance": replace(ASSURANCE, purpose="logistics")}, False),
    (
        "R22-deny-no-equivalent-protection",
        {"assurance": replace(ASSURANCE, equivalent_protection=False)},
        False,
    ),
    (
        "R22-deny-clearance-below",
        {"assurance": replace(ASSURANCE, clearance=lv("JPN", "秘"))},
        False,
    ),
    ("R22-deny-level-not-covered", {"item": replace(ITEM, level=lv("KOR", "군사I급비밀"))}, False),
]


@pytest.mark.parametrize(
    ("changes", "allowed"), [h[1:] for h in HAND_OVER], ids=[h[0] for h in HAND_OVER]
)
def test_may_hand_over(changes: dict[str, Any], allowed: bool) -> None:
    args: dict[str, Any] = {
        "item": ITEM,
        "representative": REP,
        "assurance": ASSURANCE,
        "agreement": KJ,
        "now": NOW,
    } | changes
    decision = may_hand_over(**args)
    assert decision.allowed is allowed, decision.reason


def test_classic_crypto_profile_is_refused_unless_the_agreement_allows_it() -> None:
    assert not may_use_classic_crypto(KJ).allowed
    assert may_use_classic_crypto(replace(KJ, classic_crypto_allowed=True)).allowed


def test_R1_no_agreement_names_both_nations() -> None:
    decision = may_provide(ITEM, "JPN", None, RELEASE, NOW, channel="gsomia-node", **PQ_NODE)
    assert (decision.reason, decision.article) == (
        "KOR has no agreement with JPN",
        "policy: exchange only under a security agreement",
    )


def test_R26_names_the_agreement_and_the_profile() -> None:
    decision = may_provide(
        ITEM,
        "JPN",
        KJ,
        RELEASE,
        NOW,
        channel="gsomia-node",
        recipient_known=True,
        classic_crypto=True,
    )
    assert decision.reason == "KOR-JPN-2016 refuses the classic (non-post-quantum) envelope profile"
    assert decision.article == "Art. 9, UNCONFIRMED"


def test_decision_constructors() -> None:
    assert Decision.allow("r", "Art. 1", "R1") == Decision(True, "r", "Art. 1", "R1")
    assert not Decision.deny("r", "Art. 1", "R1").allowed


def test_holding_validation() -> None:
    with pytest.raises(InputError, match="not a JPN level"):
        Holding("h", ITEM, "JPN", lv("KOR", "군사II급비밀"))
    with pytest.raises(InputError, match="not releasable to USA"):
        Holding("h", ITEM, "USA", lv("USA", "SECRET"))
    with pytest.raises(InputError, match="provided under KOR-JPN-2016"):
        receive(ITEM, "USA", AGREEMENTS.get("KOR-USA-1987"))


def test_person_validation() -> None:
    with pytest.raises(InputError, match="go together"):
        Person("p", "JPN", lv("JPN", "秘"))
    with pytest.raises(InputError, match="id and a nationality"):
        Person("", "JPN")


@pytest.mark.parametrize(
    ("person", "allowed", "words"),
    [
        (READER, True, "in force"),
        (replace(READER, clearance_expires=NOW), False, "clearance expired"),
        (replace(READER, clearance_expires=NOW - YEAR), False, "clearance expired"),
        (replace(READER, clearance=None, clearance_expires=None), False, "no clearance in force"),
    ],
)
def test_a_clearance_in_force_is_what_every_act_and_an_alerts_stream_need(
    person: Person, allowed: bool, words: str
) -> None:
    """One rule for every act (`may_act`) and for opening or keeping an alerts stream."""
    decision = clearance_in_force(person, NOW)
    assert (decision.allowed, decision.article, decision.requirement) == (
        allowed,
        "Art. 7.2",
        "R19",
    )
    assert words in decision.reason
    acted = may_act(replace(person, roles=frozenset({ANALYST})), Action.PUBLISH, NOW)
    assert acted.allowed is allowed
    if not allowed:
        assert acted.reason == decision.reason
