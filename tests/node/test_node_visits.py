"""Visits between real nodes: the visiting party asks, only the host decides, and a visitor is
shown nothing above the approved level or outside its subject and dates (R23, R24)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.node.node_fixtures import LAUNCH, Cast, give_community

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.exchange import outbox as outbox_queue
from gsomia.exchange.kinds import Kind
from gsomia.node.control import messages, visit_host, visits
from gsomia.treaty.agreements import Agreement


def _ask(cast: Cast, *, by: str = "tanaka", **fields: Any) -> dict[str, Any]:
    now = cast["JPN"].clock()
    values: dict[str, Any] = {
        "host": "KOR",
        "visitors": ["sato"],
        "facility": "JCS operations centre, Seoul",
        "subject": LAUNCH,
        "scope": "launch-warning procedures",
        "start": now + timedelta(hours=1),
        "end": now + timedelta(days=2),
        "max_level": "군사II급비밀",
        "kind": "one-time",
        **fields,
    }
    return visits.request_visit(cast["JPN"], cast.user("JPN", by), **values)


def _approved(cast: Cast, max_level: str | None = None) -> dict[str, Any]:
    visit = _ask(cast)
    cast.deliver("JPN", "KOR")
    visit_host.approve(cast["KOR"], cast.user("KOR", "park"), visit["id"], max_level)
    cast.deliver("KOR", "JPN")
    return visit


def _case(cast: Cast, nation: str, visit_id: str, user: str) -> dict[str, Any]:
    [found] = [
        v for v in visits.list_visits(cast[nation], cast.user(nation, user)) if v["id"] == visit_id
    ]
    return found


def test_the_visiting_authority_asks_and_only_the_host_approves(cast: Cast) -> None:
    visit = _ask(cast)
    assert (visit["status"], visit["side"], visit["host"]) == ("requested", "visitor", "KOR")
    cast.deliver("JPN", "KOR")
    hosted = _case(cast, "KOR", visit["id"], "park")
    assert (hosted["side"], hosted["status"], hosted["visiting_party"]) == (
        "host",
        "requested",
        "JPN",
    )
    # The visiting side cannot approve its own request (R23): the core refuses, and it is logged.
    with pytest.raises(PolicyDenied, match="only KOR's competent authority") as refused:
        visit_host.approve(cast["JPN"], cast.user("JPN", "tanaka"), visit["id"])
    assert refused.value.article == "Art. 8"
    with pytest.raises(PolicyDenied, match="only KOR's competent authority"):
        visit_host.refuse(cast["JPN"], cast.user("JPN", "tanaka"), visit["id"], "no")
    # Nor can a host analyst.
    with pytest.raises(PolicyDenied, match="decide visit: it needs the role security officer"):
        visit_host.approve(cast["KOR"], cast.user("KOR", "kim"), visit["id"])
    # The host may lower the level asked, never raise it.
    with pytest.raises(InputError, match="lower, not raise"):
        visit_host.approve(cast["KOR"], cast.user("KOR", "park"), visit["id"], "군사I급비밀")

    approved = visit_host.approve(
        cast["KOR"], cast.user("KOR", "park"), visit["id"], "군사III급비밀"
    )
    assert (approved["status"], approved["max_level"]) == ("approved", "군사III급비밀")
    with pytest.raises(Conflict, match="already approved"):
        visit_host.approve(cast["KOR"], cast.user("KOR", "park"), visit["id"])
    cast.deliver("KOR", "JPN")
    ours = _case(cast, "JPN", visit["id"], "tanaka")
    assert (ours["status"], ours["max_level"], ours["approved_by"]) == (
        "approved",
        "군사III급비밀",
        "park",
    )
    assert (ours["facility"], ours["subject"], ours["scope"]) == (
        "JCS operations centre, Seoul",
        LAUNCH,
        "launch-warning procedures",
    )
    assert ours["start"] == visit["start"]
    assert ours["end"] == visit["end"]


def test_the_host_refuses_with_its_reason(cast: Cast) -> None:
    visit = _ask(cast)
    cast.deliver("JPN", "KOR")
    refused = visit_host.refuse(
        cast["KOR"], cast.user("KOR", "park"), visit["id"], "facility closed"
    )
    assert refused["status"] == "refused"
    cast.deliver("KOR", "JPN")
    ours = _case(cast, "JPN", visit["id"], "tanaka")
    assert (ours["status"], ours["refusal"]) == ("refused", "facility closed")


def test_only_the_visiting_partys_competent_authority_requests(cast: Cast) -> None:
    with pytest.raises(PolicyDenied, match="request visit: it needs the role security officer"):
        _ask(cast, by="sato")  # an analyst
    _ask(cast)  # the officer: allowed


def test_a_request_is_refused_outside_the_agreement_or_its_dates(cast: Cast) -> None:
    with pytest.raises(PolicyDenied, match="not covered"):
        _ask(cast, max_level="군사I급비밀")  # top secret is outside KOR-JPN (Art. 4)
    now = cast["JPN"].clock()
    past: dict[str, Any] = {"start": now - timedelta(hours=1), "end": now + timedelta(days=1)}
    with pytest.raises(PolicyDenied, match="lead time of 0 days") as refused:
        _ask(cast, **past)
    assert refused.value.article == "Art. 8"
    with pytest.raises(PolicyDenied, match="in the past"):
        _ask(cast, kind="emergency", **past)
    with pytest.raises(InputError, match="within a year"):
        _ask(cast, end=now + timedelta(days=400))
    with pytest.raises(InputError, match="unknown visit kind"):
        _ask(cast, kind="weekly")
    _ask(cast, end=now + timedelta(days=360), kind="recurring")  # within a year: allowed


def test_the_agreements_lead_time_applies_except_to_emergencies(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    jpn = cast["JPN"]
    original = jpn.agreement_with

    def with_lead_time(nation: str, now: datetime) -> Agreement | None:
        found = original(nation, now)
        return replace(found, visit_lead_time_days=30) if found else None

    monkeypatch.setattr(jpn, "agreement_with", with_lead_time)
    with pytest.raises(PolicyDenied, match="lead time of 30 days"):
        _ask(cast)
    now = jpn.clock()
    assert _ask(cast, kind="emergency")["status"] == "requested"
    later = _ask(cast, start=now + timedelta(days=31), end=now + timedelta(days=32))
    assert later["status"] == "requested"


def test_a_visitor_is_shown_nothing_above_the_level_or_outside_subject_and_dates(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    kor, park = cast["KOR"], cast.user("KOR", "park")
    secret = cast.publish("KOR", "kim", title="secret track", level="군사II급비밀")
    confidential = cast.publish("KOR", "kim", title="conf track", level="군사III급비밀")
    give_community(kor, "logistics")
    other = cast.publish("KOR", "kim", title="depots", level="군사III급비밀", purpose="logistics")
    visit = _approved(cast, "군사III급비밀")

    def show(target: str, visitor: str = "sato") -> bool:
        return visit_host.may_show(kor, park, visit["id"], visitor=visitor, target=target).allowed

    # Before the visit starts, nothing.
    assert not show(confidential)
    during = kor.clock() + timedelta(hours=3)
    monkeypatch.setattr(kor, "clock", lambda: during)
    assert show(confidential)  # at the cap, within the subject
    assert not show(secret)  # above the approved level
    assert not show(other)  # outside the subject
    assert not show(confidential, visitor="suzuki")  # not a named visitor
    decision = visit_host.may_show(kor, park, visit["id"], visitor="sato", target=secret)
    assert "above 군사III급비밀" in decision.reason
    assert (decision.article, decision.requirement) == ("Art. 8", "R23")
    logged = [r for r in cast.log("KOR", secret) if r["action"] == "disclose_to_visitor"]
    assert logged
    assert not logged[-1]["allowed"]
    # After the visit, nothing again.
    after = during + timedelta(days=3)
    monkeypatch.setattr(kor, "clock", lambda: after)
    assert not show(confidential)


def test_a_visit_at_its_requested_level_shows_up_to_it(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    kor = cast["KOR"]
    secret = cast.publish("KOR", "kim", title="secret track 2", level="군사II급비밀")
    visit = _approved(cast)
    during = kor.clock() + timedelta(hours=3)
    monkeypatch.setattr(kor, "clock", lambda: during)
    decision = visit_host.may_show(
        kor, cast.user("KOR", "park"), visit["id"], visitor="sato", target=secret
    )
    assert decision.allowed


def test_only_the_host_node_may_send_the_decision(cast: Cast) -> None:
    visit = _ask(cast)
    usa = cast["USA"]
    now = usa.clock()
    with usa.engine.begin() as conn:
        message_id = messages.send(
            conn,
            usa,
            kind=Kind.VISIT_DECISION,
            peer="JPN",
            document={
                "request_id": visit["id"],
                "decision": "approved",
                "highest_level": "군사II급비밀",
                "approved_by": "jones",
                "approved_at": now.isoformat(),
            },
            now=now,
        )
    cast.deliver("USA", "JPN")
    with usa.engine.connect() as conn:
        settled = outbox_queue.settled(conn, usa.keys, message_id)
    assert settled is not None
    state, answer = settled.state, settled.answer or {}
    assert state == "rejected"
    # A peer speaking for another party: one fault, one error (exchange.incoming.require_party).
    assert "USA cannot speak for KOR, the host that decides visit" in answer["answer"]["reason"]
    assert answer["answer"]["article"] == "Art. 9"
    assert _case(cast, "JPN", visit["id"], "tanaka")["status"] == "requested"
