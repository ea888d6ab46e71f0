"""Compromise cases, disputes and visits through the user API (R37, R46, R23, R24)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.api.api_fixtures import Site

from gsomia.store.users import issue_token

CASE_FIELDS = {
    "id",
    "status",
    "item_id",
    "originator",
    "reported_by",
    "reported_at",
    "notified_at",
    "notification_seconds",
    "sla_seconds",
    "findings",
    "measures",
    "closed_at",
}


@pytest.fixture(scope="module")
def officers(site: Site) -> Site:
    """The site with a token for JPN's officer as well."""
    node = site.cast["JPN"]
    with node.engine.begin() as conn:
        site.tokens["tanaka"] = issue_token(conn, "tanaka", node.clock(), node.vault)
    return site


def _held(site: Site) -> str:
    item_id = site.cast.publish("KOR", "kim", title="api lost track")
    site.cast.release("KOR", "park", item_id)
    site.cast.deliver("KOR", "JPN")
    return item_id


def test_a_compromise_case_through_the_api(officers: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    site = officers
    jpn, kor = site.clients["JPN"], site.clients["KOR"]
    item_id = _held(site)
    answer = jpn.post(
        "/api/v1/compromises",
        json={"holding_id": item_id, "description": "lost in transit", "actual": True},
        headers=site.auth("sato"),
    )
    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert set(case) >= CASE_FIELDS
    assert (case["status"], case["originator"], case["reported_by"]) == ("reported", "KOR", "sato")

    refused = jpn.post(f"/api/v1/compromises/{case['id']}/close", headers=site.auth("tanaka"))
    assert refused.status_code == 403
    assert refused.json()["article"] == "Art. 17"
    assert "must first be sent to the originator" in refused.json()["message"]

    # KOR's node receives it 3 s after the report, by its own (pinned) clock.
    reported = datetime.fromisoformat(case["reported_at"])
    monkeypatch.setattr(site.cast["KOR"], "clock", lambda: reported + timedelta(seconds=3))
    site.cast.deliver("JPN", "KOR")
    shown = jpn.get(f"/api/v1/compromises/{case['id']}", headers=site.auth("sato")).json()
    assert shown["notified_at"] is not None
    assert shown["notification_seconds"] == 3
    assert shown["within_sla"] is True
    assert [s["step"] for s in shown["steps"]] == ["reported", "originator_notified"]
    on_kor = kor.get("/api/v1/compromises", headers=site.auth("park")).json()
    assert case["id"] in {c["id"] for c in on_kor}

    # An analyst may report, not investigate.
    findings = {"result": "recovered unopened", "measures": "courier rules revised"}
    denied = jpn.post(
        f"/api/v1/compromises/{case['id']}/findings", json=findings, headers=site.auth("sato")
    )
    assert denied.status_code == 403
    sent = jpn.post(
        f"/api/v1/compromises/{case['id']}/findings", json=findings, headers=site.auth("tanaka")
    )
    assert sent.status_code == 200, sent.text
    site.cast.deliver("JPN", "KOR")
    closed = jpn.post(f"/api/v1/compromises/{case['id']}/close", headers=site.auth("tanaka"))
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["status"], body["findings"], body["measures"]) == (
        "closed",
        "recovered unopened",
        "courier rules revised",
    )
    assert body["closed_at"]


def test_a_compromise_report_names_one_thing(officers: Site) -> None:
    site = officers
    both = {"holding_id": "a", "item_id": "b", "description": "x"}
    answer = site.clients["JPN"].post("/api/v1/compromises", json=both, headers=site.auth("sato"))
    assert answer.status_code == 400
    missing = site.clients["JPN"].post(
        "/api/v1/compromises",
        json={"holding_id": "nothing-held", "description": "x"},
        headers=site.auth("sato"),
    )
    assert missing.status_code == 404


def test_disputes_through_the_api(officers: Site) -> None:
    site = officers
    kor, jpn = site.clients["KOR"], site.clients["JPN"]
    opened = kor.post(
        "/api/v1/disputes",
        json={"agreement_id": "KOR-JPN-2016", "subject": "copy limits"},
        headers=site.auth("park"),
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    early = kor.post(
        f"/api/v1/disputes/{case_id}/settle", json={"note": "done"}, headers=site.auth("park")
    )
    assert early.status_code == 409
    refer = kor.post(
        f"/api/v1/disputes/{case_id}/refer", json={"to": "ICJ"}, headers=site.auth("park")
    )
    assert refer.status_code == 403
    assert refer.json()["article"] == "Art. 20"
    consult = kor.post(
        f"/api/v1/disputes/{case_id}/consultations",
        json={"note": "first round"},
        headers=site.auth("park"),
    )
    assert consult.status_code == 201
    settled = kor.post(
        f"/api/v1/disputes/{case_id}/settle", json={"note": "agreed"}, headers=site.auth("park")
    )
    assert settled.json()["state"] == "settled"
    site.cast.deliver("KOR", "JPN")
    theirs = jpn.get("/api/v1/disputes", headers=site.auth("tanaka")).json()
    assert {c["id"]: c["state"] for c in theirs}[case_id] == "settled"
    assert kor.get("/api/v1/disputes", headers=site.auth("kim")).status_code == 403


def test_visits_through_the_api(officers: Site) -> None:
    site = officers
    kor, jpn = site.clients["KOR"], site.clients["JPN"]
    now = site.cast["JPN"].clock()
    body = {
        "host": "KOR",
        "visitor": "sato",
        "facility": "JCS operations centre",
        "subject": "missile-warning",
        "scope": "procedures",
        "start": (now + timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(days=1)).isoformat(),
        "max_level": "군사II급비밀",
        "kind": "one-time",
    }
    asked = jpn.post("/api/v1/visits", json=body, headers=site.auth("tanaka"))
    assert asked.status_code == 201, asked.text
    visit_id = asked.json()["id"]
    assert jpn.post("/api/v1/visits", json=body, headers=site.auth("sato")).status_code == 403
    too_high = jpn.post(
        "/api/v1/visits", json={**body, "max_level": "군사I급비밀"}, headers=site.auth("tanaka")
    )
    assert too_high.status_code == 403
    assert too_high.json()["article"] == "Art. 8"
    # The visiting side cannot approve its own request.
    own = jpn.post(f"/api/v1/visits/{visit_id}/approve", json={}, headers=site.auth("tanaka"))
    assert own.status_code == 403
    site.cast.deliver("JPN", "KOR")
    approved = kor.post(
        f"/api/v1/visits/{visit_id}/approve",
        json={"max_level": "군사III급비밀"},
        headers=site.auth("park"),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["max_level"] == "군사III급비밀"
    site.cast.deliver("KOR", "JPN")
    listed = jpn.get("/api/v1/visits", headers=site.auth("tanaka")).json()
    assert {v["id"]: v["status"] for v in listed}[visit_id] == "approved"
    # Before the visit starts, nothing may be shown (403 with the reason).
    item_id = site.cast.publish("KOR", "kim", title="conf", level="군사III급비밀")
    shown = kor.post(
        f"/api/v1/visits/{visit_id}/disclosures",
        json={"visitor": "sato", "item_id": item_id},
        headers=site.auth("park"),
    )
    assert shown.status_code == 403
    assert "not under way" in shown.json()["message"]

    second = jpn.post("/api/v1/visits", json=body, headers=site.auth("tanaka")).json()
    site.cast.deliver("JPN", "KOR")
    refused = kor.post(
        f"/api/v1/visits/{second['id']}/refuse",
        json={"reason": "closed that week"},
        headers=site.auth("park"),
    )
    assert refused.json()["status"] == "refused"
