"""Consent requests between the holder's and the originator's nodes (R12), and new purposes (R13).

JPN holds a KOR item. JPN's officer asks; KOR's officer grants, refuses or revokes; each act
travels as a signed message and both nodes hold the same case.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.node.consent_fixtures import PURPOSE, UNTIL, asked, deliver, granted, provided
from tests.node.node_fixtures import Cast

from gsomia.errors import Conflict, PolicyDenied
from gsomia.exchange.kinds import Kind
from gsomia.node.control import consent, consent_cases, consent_decisions, purposes
from gsomia.store.tables import case_steps, cases


def test_a_grant_reaches_the_holder_signed_by_the_originator(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = asked(cast, holding_id)
    at_kor = consent_cases.get_consent(cast["KOR"], case_id)
    assert at_kor["status"] == "requested"
    assert (at_kor["holder"], at_kor["recipient"], at_kor["item_ids"]) == ("JPN", "USA", [item_id])
    consent_decisions.grant(cast["KOR"], cast.user("KOR", "park"), case_id)
    assert [a["status"] for a in deliver(cast, "KOR", "JPN")] == ["received"]
    at_jpn = consent_cases.get_consent(cast["JPN"], case_id)
    assert at_jpn["status"] == "granted"
    assert at_jpn["signed"]
    assert at_jpn["purpose"] == PURPOSE
    held, _ = consent_cases.held_consent(cast["JPN"], case_id)
    assert held is not None
    assert held.verified
    assert held.recipient == "USA"
    with cast["KOR"].engine.connect() as conn:
        steps = (
            conn.execute(
                select(case_steps.c.step)
                .where(case_steps.c.case_id == case_id)
                .order_by(case_steps.c.id)
            )
            .scalars()
            .all()
        )
    assert steps == ["requested", "granted"]


def test_only_an_officer_asks_and_only_the_originators_officer_decides(cast: Cast) -> None:
    _, holding_id = provided(cast)
    with pytest.raises(PolicyDenied, match="needs the role"):
        consent.request_consent(
            cast["JPN"], cast.user("JPN", "sato"), holding_id, "USA", PURPOSE, UNTIL
        )
    case_id = asked(cast, holding_id)
    with pytest.raises(PolicyDenied, match="needs the role"):
        consent_decisions.grant(cast["KOR"], cast.user("KOR", "kim"), case_id)
    # The holder's officer cannot decide on the originator's behalf.
    with pytest.raises(PolicyDenied, match="only the originator"):
        consent_decisions.grant(cast["JPN"], cast.user("JPN", "tanaka"), case_id)
    refusals = [e for e in cast.log("KOR", case_id) if not e["allowed"]]
    assert refusals, "the refused grant is logged"


def test_a_refusal_reaches_the_holder_with_its_reason(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case_id = asked(cast, holding_id)
    consent_decisions.refuse(cast["KOR"], cast.user("KOR", "park"), case_id, "not for this purpose")
    deliver(cast, "KOR", "JPN")
    at_jpn = consent_cases.get_consent(cast["JPN"], case_id)
    assert (at_jpn["status"], at_jpn["reason"]) == ("refused", "not for this purpose")
    with pytest.raises(Conflict, match="refused"):
        consent_decisions.grant(cast["KOR"], cast.user("KOR", "park"), case_id)


def test_no_consent_for_a_nation_the_holder_has_no_agreement_with(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case_id = asked(cast, holding_id, recipient="GBR")
    with pytest.raises(PolicyDenied, match="no agreement with GBR"):
        consent_decisions.grant(cast["KOR"], cast.user("KOR", "park"), case_id)
    assert consent_cases.get_consent(cast["KOR"], case_id)["status"] == "requested"
    [entry] = [e for e in cast.log("KOR", case_id) if not e["allowed"]]
    assert entry["article"].startswith("policy: exchange only under a security agreement")


def test_a_revocation_reaches_the_holder(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    consent_decisions.revoke(cast["KOR"], cast.user("KOR", "park"), case_id, "situation changed")
    deliver(cast, "KOR", "JPN")
    assert consent_cases.get_consent(cast["JPN"], case_id)["status"] == "revoked"
    held, _ = consent_cases.held_consent(cast["JPN"], case_id)
    assert held is not None
    assert held.revoked_at is not None


def test_a_repeated_request_is_applied_once(cast: Cast) -> None:
    _, holding_id = provided(cast)
    consent.request_consent(
        cast["JPN"], cast.user("JPN", "tanaka"), holding_id, "USA", PURPOSE, UNTIL
    )
    first = deliver(cast, "JPN", "KOR", settle=False)
    again = deliver(cast, "JPN", "KOR")
    assert [a["status"] for a in first] == [a["status"] for a in again] == ["received"]
    assert first[0]["case"] == again[0]["case"]
    with cast["KOR"].engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(cases).where(cases.c.id == first[0]["case"])
        ).scalar_one()
    assert count == 1


def test_a_grant_only_from_the_originator_is_believed(cast: Cast) -> None:
    """USA's node sends JPN a "grant" for KOR's consent request: refused, nothing changes."""
    from gsomia.node.control import messages  # noqa: PLC0415

    _, holding_id = provided(cast)
    case_id = asked(cast, holding_id)
    usa = cast["USA"]
    with usa.engine.begin() as conn:
        messages.send(
            conn,
            usa,
            kind=Kind.CONSENT_DECISION,
            peer="JPN",
            document={
                "id": case_id,
                "status": "granted",
                "reason": "",
                "decided_by": "jones",
                "decided_at": usa.clock().isoformat(),
            },
            now=usa.clock(),
        )
    [answer] = deliver(cast, "USA", "JPN")
    assert answer["status"] == "rejected"
    # A peer speaking for another party: one fault, one error (exchange.incoming.require_party).
    assert "USA cannot speak for KOR, the originator asked" in answer["reason"]
    assert answer["article"] == "Art. 9"
    assert consent_cases.get_consent(cast["JPN"], case_id)["status"] == "requested"


# New purposes (R13) ---------------------------------------------------------------------------


def test_a_new_purpose_passes_only_once_the_originator_approved_it(cast: Cast) -> None:
    _, holding_id = provided(cast)
    sato = cast.user("JPN", "sato")
    assert purposes.may_use_for(cast["JPN"], sato, holding_id, "missile-warning").allowed
    before = purposes.may_use_for(cast["JPN"], sato, holding_id, "targeting")
    assert not before.allowed
    assert before.requirement == "R13"
    case = purposes.request_purpose(
        cast["JPN"], cast.user("JPN", "tanaka"), holding_id, "targeting"
    )
    deliver(cast, "JPN", "KOR")
    assert purposes.get_purpose(cast["KOR"], case["id"])["status"] == "requested"
    with pytest.raises(PolicyDenied, match="needs the role"):
        purposes.approve_purpose(cast["KOR"], cast.user("KOR", "kim"), case["id"])
    purposes.approve_purpose(cast["KOR"], cast.user("KOR", "park"), case["id"])
    assert [a["status"] for a in deliver(cast, "KOR", "JPN")] == ["received"]
    assert purposes.get_purpose(cast["JPN"], case["id"])["status"] == "approved"
    assert purposes.may_use_for(cast["JPN"], sato, holding_id, "targeting").allowed
    # Approval of one purpose opens no other.
    assert not purposes.may_use_for(cast["JPN"], sato, holding_id, "training").allowed


def test_a_refused_purpose_stays_refused(cast: Cast) -> None:
    _, holding_id = provided(cast)
    case = purposes.request_purpose(cast["JPN"], cast.user("JPN", "tanaka"), holding_id, "training")
    deliver(cast, "JPN", "KOR")
    purposes.refuse_purpose(cast["KOR"], cast.user("KOR", "park"), case["id"], "no")
    deliver(cast, "KOR", "JPN")
    assert purposes.get_purpose(cast["JPN"], case["id"])["status"] == "refused"
    assert not purposes.may_use_for(
        cast["JPN"], cast.user("JPN", "sato"), holding_id, "training"
    ).allowed
