"""Who counts as an "authorised official" of the originator when releasing (R16, R50), and how
a refusal is recorded before it is raised."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from tests.node.node_fixtures import LAUNCH, VALID, Cast

from gsomia.errors import Error, InputError, PolicyDenied
from gsomia.node import agreements, audit, audit_trail, overview, release
from gsomia.node.authority import refusals_logged, refuse, refuse_all
from gsomia.node.control import consent_cases, hub, purpose_cases
from gsomia.node.release import RuleDraft
from gsomia.node.runtime import Node
from gsomia.store.merkle_log import MerkleLog
from gsomia.store.users import UserRecord, add_user
from gsomia.treaty import sources
from gsomia.treaty.decision import Decision
from gsomia.treaty.lifecycle import Event, EventKind
from gsomia.treaty.roles import Action

WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

# KOR officers who hold the officer role but are not, today, authorised officials.
OFFICERS = [
    UserRecord("off-register", "KOR", "군사I급비밀", VALID, (LAUNCH,), ("officer",), False),
    UserRecord(
        "lapsed-officer", "KOR", "군사I급비밀", date(2020, 1, 1), (LAUNCH,), ("officer",), True
    ),
]


@pytest.fixture(scope="module")
def officers(cast: Cast) -> Cast:
    node = cast["KOR"]
    with node.engine.begin() as conn:
        for record in OFFICERS:
            add_user(conn, record, node.clock(), node.vault)
    return cast


@pytest.mark.parametrize("officer", [o.name for o in OFFICERS])
def test_only_a_registered_cleared_officer_releases(officers: Cast, officer: str) -> None:
    item_id = officers.publish("KOR", "kim")
    try:
        outcomes = officers.release("KOR", officer, item_id)
    except PolicyDenied:
        return
    assert not any(o.decision.allowed for o in outcomes)


def test_an_officer_whose_clearance_expired_performs_no_officer_act(officers: Cast) -> None:
    """Before: only release asked for a clearance; an officer whose clearance lapsed still
    recorded agreement events, read the audit log and set release rules."""
    node = officers["KOR"]
    lapsed = officers.user("KOR", "lapsed-officer")
    notice = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 20), "note verbale", "KOR")
    rule = RuleDraft(
        feed="radar",
        to_nations=("JPN",),
        ceiling="군사II급비밀",
        purpose=LAUNCH,
        valid_until=datetime(2027, 1, 1, tzinfo=UTC),
    )
    acts = (
        lambda: agreements.record_event(node, lapsed, "KOR-JPN-2016", notice),
        lambda: audit_trail.decisions(node, lapsed),
        lambda: release.set_release_rule(node, lapsed, rule),
    )
    for act in acts:
        with pytest.raises(PolicyDenied, match="clearance expired") as caught:
            act()
        assert caught.value.article == "Art. 7.2"
    assert not overview.permissions(node, lapsed)["read_audit"]
    # Anyone may still report a loss (R37).
    assert overview.role_decision(node, lapsed, Action.REPORT_COMPROMISE).allowed


def test_a_registered_cleared_officer_releases(officers: Cast) -> None:
    item_id = officers.publish("KOR", "kim")
    assert all(o.decision.allowed for o in officers.release("KOR", "park", item_id))


def _merkle_size(node: Node) -> int:
    with node.engine.connect() as conn:
        return MerkleLog(conn).size()


def test_a_refusal_is_logged_in_both_logs_then_raised(cast: Cast) -> None:
    node = cast["KOR"]
    subject = f"item-{uuid.uuid4().hex}"
    denial = Decision.deny("not cleared", "Art. 7", "R20")
    before = _merkle_size(node)
    with pytest.raises(PolicyDenied, match="not cleared") as caught:
        refuse(node, actor="kim", action="read", subject=subject, decision=denial, now=WHEN)
    assert caught.value.article == "Art. 7"
    [row] = cast.log("KOR", subject)
    assert (row["action"], row["allowed"], row["at"]) == ("read", False, WHEN)
    assert _merkle_size(node) == before + 1


def test_a_refusal_beside_what_led_to_it_raises_the_denial(cast: Cast) -> None:
    node = cast["KOR"]
    subject = f"holding-{uuid.uuid4().hex}"
    role = audit.Entry(
        "park", "release_onward", subject, Decision.allow("officer", "Art. 5", "R12")
    )
    refusal = audit.Entry(
        "park", "release_onward:USA", subject, Decision.deny("no", "Art. 5", "R12")
    )
    with pytest.raises(PolicyDenied, match="no"):
        refuse_all(node, [role, refusal])
    logged = [(r["action"], r["allowed"]) for r in cast.log("KOR", subject)]
    assert logged == [("release_onward", True), ("release_onward:USA", False)]


def test_refusing_without_a_denial_logs_nothing_and_lets_nothing_through(cast: Cast) -> None:
    node = cast["KOR"]
    subject = f"item-{uuid.uuid4().hex}"
    allowed = audit.Entry("kim", "read", subject, Decision.allow("cleared", "Art. 7", "R20"))
    with pytest.raises(AssertionError):
        refuse_all(node, [allowed])
    assert cast.log("KOR", subject) == []


@pytest.mark.parametrize(
    ("error", "article"),
    [
        (InputError("the consent names no purpose"), "Art. 5"),  # the article given
        (PolicyDenied("a ceiling above the item", article="Art. 4"), "Art. 4"),  # its own
    ],
)
def test_an_error_inside_refusals_logged_is_logged_and_raised_as_it_was(
    cast: Cast, error: Error, article: str
) -> None:
    node = cast["KOR"]
    subject = f"holding-{uuid.uuid4().hex}"
    with (
        pytest.raises(type(error)) as caught,
        refusals_logged(
            node,
            actor="park",
            action="consent_request",
            subject=subject,
            article="Art. 5",
            requirement="R12",
        ),
    ):
        raise error
    assert caught.value is error
    [row] = cast.log("KOR", subject)
    assert (row["allowed"], row["reason"], row["article"]) == (
        False,
        error.message,
        f"{article} R12",
    )


def test_a_step_that_succeeds_inside_refusals_logged_logs_nothing(cast: Cast) -> None:
    subject = f"holding-{uuid.uuid4().hex}"
    with refusals_logged(
        cast["KOR"],
        actor="park",
        action="consent_request",
        subject=subject,
        article="",
        requirement="",
    ):
        pass
    assert cast.log("KOR", subject) == []


@pytest.mark.parametrize(
    ("name", "may_see"),
    [("kim", False), ("lapsed-officer", False), ("park", True), ("yoon", True)],
    ids=["analyst", "officer-clearance-expired", "officer", "auditor"],
)
def test_consents_purposes_and_hub_rules_list_only_to_roles_with_a_clearance_in_force(
    officers: Cast, name: str, may_see: bool
) -> None:
    """Before: any signed-in person listed every consent case, new-purpose case and hub rule
    (`del user` in the API), an expired clearance included."""
    node = officers["KOR"]
    person = officers.user("KOR", name)
    lists: tuple[Callable[[], list[Any]], ...] = (
        lambda: consent_cases.list_consents(node, person),
        lambda: purpose_cases.list_purposes(node, person),
        lambda: hub.list_hub_rules(node, person),
    )
    for listing in lists:
        if may_see:
            assert isinstance(listing(), list)
        else:
            with pytest.raises(PolicyDenied) as caught:
                listing()
            assert caught.value.article in (
                sources.THIRD_PARTY,
                sources.HUB_ARRANGEMENT,
                "Art. 7.2",
            )
