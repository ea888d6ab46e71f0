"""The receiver's own decision on an incoming item (`may_accept`) and role gates (`may_perform`).

The scenario is that of DESIGN.md: KOR provides a FLASH launch track at 군사II급비밀 to JPN
under KOR-JPN-2016 for missile warning. Every guard of `may_accept` has a denying row naming
its requirement, and the allowing rows name R7 (the receiver's equivalent, Art. 4.2).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from gsomia.errors import InputError
from gsomia.treaty import (
    RELEASE_AUTHORITY,
    SECURITY_OFFICER,
    Agreement,
    Event,
    EventKind,
    Item,
    Person,
    Precedence,
    State,
    load_agreements,
    load_schemes,
)
from gsomia.treaty.agreements import make_version
from gsomia.treaty.receipt import may_accept
from gsomia.treaty.roles import ADMIN, ANALYST, AUDITOR, ROLE_GRANTS, Action, may_perform

S = load_schemes()
A = load_agreements()
KJ = A.get("KOR-JPN-2016")
KU = A.get("KOR-USA-1987")
NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
CHANNEL = "gsomia-node"

# JPN gives notice on 10 Jan 2024: KJ terminates on the 2024 anniversary, 23 Nov (Art. 21.3).
NOTICE = Event(EventKind.TERMINATION_NOTICE, date(2024, 1, 10), "note verbale (test)", "JPN")
NOTIFIED = KJ.record(NOTICE)
AFTER_TERMINATION = datetime(2025, 1, 1, tzinfo=UTC)
# Only initialled and signed: not yet in force (Art. 21.1).
SIGNED_ONLY = replace(
    KJ, history=tuple(e for e in KJ.history if e.kind in (EventKind.INITIALLED, EventKind.SIGNED))
)


def item(**changes: Any) -> Item:
    base = Item(
        id="KOR-track-1",
        originator="KOR",
        level=S.parse("KOR", "군사II급비밀"),
        purpose="missile-warning",
        agreement_id="KOR-JPN-2016",
        agreement_version=1,
        releasable_to=frozenset({"JPN"}),
        precedence=Precedence.FLASH,
        created_at=NOW,
    )
    return replace(base, **changes)


def test_the_fixtures_are_what_the_rows_say() -> None:
    assert NOTIFIED.state_at(NOW.date()) is State.TERMINATION_NOTIFIED
    assert NOTIFIED.state_at(AFTER_TERMINATION.date()) is State.TERMINATED
    assert SIGNED_ONLY.state_at(NOW.date()) is State.SIGNED


# (item, receiver, sender, agreement, now, channel, allowed, requirement, reason contains)
ACCEPT_ROWS: list[tuple[Item, str, str, Agreement, datetime, str, bool, str, str]] = [
    (item(), "JPN", "KOR", KJ, NOW, CHANNEL, True, "R7", "as 極秘"),
    (
        item(level=S.parse("KOR", "군사III급비밀")),
        "JPN",
        "KOR",
        KJ,
        NOW,
        CHANNEL,
        True,
        "R7",
        "as 秘",
    ),
    # Notice given but not yet effective: the agreement still binds (Art. 21.3).
    (item(), "JPN", "KOR", NOTIFIED, NOW, CHANNEL, True, "R7", "under KOR-JPN-2016 v1"),
    (
        item(agreement_id="KOR-USA-1987", releasable_to=frozenset({"USA"})),
        "USA",
        "KOR",
        KU,
        NOW,
        CHANNEL,
        True,
        "R7",
        "as SECRET",
    ),
    (item(agreement_id="KOR-USA-1987"), "JPN", "KOR", KJ, NOW, CHANNEL, False, "R6", "names"),
    (item(), "USA", "KOR", KJ, NOW, CHANNEL, False, "R12", "KOR and JPN"),
    (item(), "JPN", "USA", KJ, NOW, CHANNEL, False, "R12", "USA sent KOR's item"),
    (
        item(originator="JPN", level=S.parse("JPN", "極秘"), releasable_to=frozenset({"KOR"})),
        "KOR",
        "JPN",
        KJ,
        NOW,
        CHANNEL,
        True,
        "R7",
        "as 군사II급비밀",
    ),
    # KOR forwards JPN's item back to JPN: only the originator provides (onward needs R12).
    (
        item(originator="JPN", level=S.parse("JPN", "極秘")),
        "JPN",
        "KOR",
        KJ,
        NOW,
        CHANNEL,
        False,
        "R12",
        "KOR sent JPN's item",
    ),
    (item(), "JPN", "KOR", NOTIFIED, AFTER_TERMINATION, CHANNEL, False, "R44", "terminated"),
    (item(), "JPN", "KOR", SIGNED_ONLY, NOW, CHANNEL, False, "R40", "not in force (signed)"),
    (
        item(releasable_to=frozenset({"USA"})),
        "JPN",
        "KOR",
        KJ,
        NOW,
        CHANNEL,
        False,
        "R21",
        "not releasable to JPN",
    ),
    (item(), "JPN", "KOR", KJ, NOW, "e-mail", False, "R25", "'e-mail' is not approved"),
    (
        item(level=S.parse("KOR", "군사I급비밀")),
        "JPN",
        "KOR",
        KJ,
        NOW,
        CHANNEL,
        False,
        "R2",
        "not covered",
    ),
]


@pytest.mark.parametrize(
    ("it", "receiver", "sender", "agreement", "now", "channel", "allowed", "req", "reason"),
    ACCEPT_ROWS,
    ids=[
        f"{row[7]}-{'allow' if row[6] else 'deny'}-{row[8].split()[0]}-{n}"
        for n, row in enumerate(ACCEPT_ROWS)
    ],
)
def test_may_accept(
    it: Item,
    receiver: str,
    sender: str,
    agreement: Agreement,
    now: datetime,
    channel: str,
    allowed: bool,
    req: str,
    reason: str,
) -> None:
    decision = may_accept(it, receiver, sender, agreement, now, channel=channel)
    assert decision.allowed is allowed
    assert decision.requirement == req
    assert reason in decision.reason
    assert decision.article.startswith("Art.")


@pytest.mark.parametrize(
    ("agreement", "classic", "allowed", "req"),
    [
        (KJ, False, True, "R7"),
        (KJ, True, False, "R26"),
        (replace(KJ, classic_crypto_allowed=True), True, True, "R7"),
        (replace(KJ, classic_crypto_allowed=True), False, True, "R7"),
    ],
    ids=[
        "post-quantum",
        "classic-refused",
        "classic-allowed",
        "post-quantum-where-classic-allowed",
    ],
)
def test_R26_classic_crypto_is_accepted_only_where_the_agreement_allows_it(
    agreement: Agreement, classic: bool, allowed: bool, req: str
) -> None:
    decision = may_accept(
        item(), "JPN", "KOR", agreement, NOW, channel=CHANNEL, classic_crypto=classic
    )
    assert decision.allowed is allowed
    assert decision.requirement == req


def test_may_accept_level_mapped_to_nothing_is_denied_under_article_4() -> None:
    # A version whose row names no JPN level: Art. 4 denial, never a guess at the nearest.
    version = KJ.latest
    rows = tuple(
        replace(row, levels={**row.levels, "JPN": ()}) if row.english == "SECRET" else row
        for row in version.rows
    )
    gapped = replace(KJ, versions=(make_version(1, version.effective, "test", rows),))
    decision = may_accept(item(), "JPN", "KOR", gapped, NOW, channel=CHANNEL)
    assert not decision.allowed
    assert (decision.article, decision.requirement) == ("Art. 4", "R2")
    assert "maps" in decision.reason


def test_may_accept_refuses_a_naive_now() -> None:
    with pytest.raises(InputError, match="time zone"):
        may_accept(item(), "JPN", "KOR", KJ, NOW.replace(tzinfo=None), channel=CHANNEL)


# Role gates: what each role of `gsomia user add --role` may ask of its node (R50, R39, R16).
ROLES = ("analyst", "officer", "auditor", "admin")
MAY: dict[Action, set[str]] = {
    Action.PUBLISH: {"analyst", "officer"},
    Action.RELEASE: {"officer"},  # R50: only a release authority releases
    Action.SET_RELEASE_RULE: {"officer"},
    Action.RECORD_AGREEMENT_EVENT: {"officer"},
    Action.VIEW_TRANSFERS: {"analyst", "officer", "auditor"},
    Action.READ_AUDIT: {"auditor", "officer"},  # R39
    Action.ADMINISTER: {"admin"},
    Action.READ_METRICS: {"officer", "admin"},  # the node's counters: officers and operators
    Action.REQUEST_CONSENT: {"officer"},
    Action.DECIDE_CONSENT: {"officer"},  # R12: the originator's competent authority
    Action.RELEASE_ONWARD: {"officer"},
    Action.CHANGE_CLASSIFICATION: {"officer"},
    Action.ACKNOWLEDGE_NOTICE: {"officer"},
    Action.REPRODUCE: {"analyst", "officer"},
    Action.DISPOSE: {"officer"},
    Action.REPORT_COMPROMISE: {"analyst", "officer", "auditor", "admin"},  # R37: anyone
    Action.INVESTIGATE: {"officer"},
    Action.RECORD_DISPUTE: {"officer"},
    Action.REQUEST_VISIT: {"officer"},
    Action.DECIDE_VISIT: {"officer"},
    Action.CONFIGURE_HUB: {"officer"},
    Action.HAND_OVER: {"officer"},  # R22: the originator's release authority
    Action.VIEW_CONSENTS: {"officer", "auditor"},  # who asks, decides or checks them
    Action.VIEW_HUB_RULES: {"officer", "auditor"},
    Action.VIEW_NOTICES: {"officer", "auditor"},  # who issues, acknowledges or checks them
    Action.COURIER: {"officer"},
    Action.MANAGE_CONTRACTORS: {"officer"},
    Action.SECURITY_VISIT: {"officer"},
}
REQUIREMENT = {
    Action.PUBLISH: "R6",
    Action.RELEASE: "R50",
    Action.SET_RELEASE_RULE: "R50",
    Action.RECORD_AGREEMENT_EVENT: "R41",
    Action.VIEW_TRANSFERS: "R17",
    Action.READ_AUDIT: "R39",
    Action.ADMINISTER: "R16",
    Action.READ_METRICS: "R16",
    Action.REQUEST_CONSENT: "R12",
    Action.DECIDE_CONSENT: "R12",
    Action.RELEASE_ONWARD: "R12",
    Action.CHANGE_CLASSIFICATION: "R14",
    Action.ACKNOWLEDGE_NOTICE: "R14",
    Action.REPRODUCE: "R29",
    Action.DISPOSE: "R31",
    Action.REPORT_COMPROMISE: "R37",
    Action.INVESTIGATE: "R37",
    Action.RECORD_DISPUTE: "R46",
    Action.REQUEST_VISIT: "R23",
    Action.DECIDE_VISIT: "R23",
    Action.CONFIGURE_HUB: "R47",
    Action.HAND_OVER: "R22",
    Action.VIEW_CONSENTS: "R12",
    Action.VIEW_HUB_RULES: "R47",
    Action.VIEW_NOTICES: "R14",
    Action.COURIER: "R27",
    Action.MANAGE_CONTRACTORS: "R33",
    Action.SECURITY_VISIT: "R38",
}


def test_the_role_table_names_every_action() -> None:
    assert set(MAY) == set(Action) == set(REQUIREMENT)
    assert set(ROLE_GRANTS) == set(ROLES)
    assert ROLE_GRANTS["officer"] == {SECURITY_OFFICER, RELEASE_AUTHORITY}
    assert (ANALYST, AUDITOR, ADMIN) == ("analyst", "auditor", "admin")


def person(role: str | None) -> Person:
    grants = ROLE_GRANTS[role] if role else frozenset()
    return Person("someone", "KOR", roles=grants, registered=True)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
@pytest.mark.parametrize("role", [*ROLES, None], ids=lambda r: r or "no-role")
def test_may_perform(role: str | None, action: Action) -> None:
    decision = may_perform(person(role), action)
    assert decision.allowed is (role in MAY[action])
    assert decision.requirement == REQUIREMENT[action]
    act = action.value.replace("_", " ")
    if decision.allowed:
        assert decision.reason == f"someone may {act}"
    else:
        # The roles people are given, as they are named to them; never an internal identifier.
        needed = " or ".join(f"(--role {r})" for r in sorted(MAY[action]))
        assert decision.reason.startswith(f"someone may not {act}: it needs the role ")
        for role_given in MAY[action]:
            assert f"(--role {role_given})" in decision.reason, needed
        assert "release_authority" not in decision.reason
        assert "security_officer" not in decision.reason
