"""Tokens over the API: a lifetime, a scope, only the stream takes one in the query string,
and a person lists and revokes their own (ADR 0081)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from tests.api.api_fixtures import Site

from gsomia.node import live
from gsomia.store import users as store_users
from gsomia.store.users import issue_token, token_id
from gsomia.treaty.credentials import MAX_LIVE_TOKENS


def test_a_token_in_the_query_string_is_refused_except_a_stream_token_on_the_stream(
    site: Site,
) -> None:
    """Before: every route took `?token=` (written into every proxy's access log)."""
    jpn = site.clients["JPN"]
    refused = jpn.get("/api/v1/holdings", params={"token": site.tokens["sato"]})
    assert refused.status_code == 401
    assert "query string" in refused.json()["message"]
    stream = site.stream_token("JPN", "sato")
    # A stream token opens nothing but the stream, in the header or the query alike.
    assert jpn.get("/api/v1/holdings", params={"token": stream}).status_code == 401
    headed = jpn.get("/api/v1/holdings", headers={"Authorization": f"Bearer {stream}"})
    assert headed.status_code == 401
    assert "alerts stream only" in headed.json()["message"]
    # An ordinary token stays out of the query even on the stream.
    ordinary = jpn.get("/api/v1/alerts", params={"token": site.tokens["sato"]})
    assert ordinary.status_code == 401


def test_an_expired_token_is_refused(site: Site) -> None:
    """Before: tokens never expired."""
    node = site.cast["JPN"]
    now = node.clock()
    with node.engine.begin() as conn:
        old = issue_token(conn, "sato", now - timedelta(hours=13), node.vault, expires_at=now)
    response = site.clients["JPN"].get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_a_person_lists_and_revokes_their_own_tokens(site: Site) -> None:
    jpn = site.clients["JPN"]
    node = site.cast["JPN"]
    with node.engine.begin() as conn:
        mine = issue_token(conn, "suzuki", node.clock(), node.vault)
    auth = {"Authorization": f"Bearer {mine}"}
    listed = jpn.get("/api/v1/tokens", headers=auth).json()
    assert {t["scope"] for t in listed} >= {"api"}
    assert all(t["expires_at"] for t in listed)
    [ident] = [t["id"] for t in listed if t["revoked_at"] is None][:1]
    # Nobody revokes another's token: it is "not found" to them.
    assert jpn.delete(f"/api/v1/tokens/{ident}", headers=site.auth("sato")).status_code == 404
    assert jpn.delete(f"/api/v1/tokens/{ident}", headers=auth).status_code == 204
    assert jpn.get("/api/v1/me", headers=auth).status_code == 401


def test_only_stream_tokens_are_issued_over_the_api(site: Site) -> None:
    jpn = site.clients["JPN"]
    longer = jpn.post("/api/v1/tokens", json={"scope": "api"}, headers=site.auth("sato"))
    assert longer.status_code in (400, 422)
    too_long = jpn.post("/api/v1/tokens", json={"hours": 12}, headers=site.auth("sato"))
    assert too_long.status_code in (400, 422)


def test_revoking_a_token_ends_the_stream_tokens_it_issued(site: Site) -> None:
    """Before: a stream token minted by a token outlived that token's revocation."""
    jpn, node = site.clients["JPN"], site.cast["JPN"]
    with node.engine.begin() as conn:
        parent = issue_token(conn, "sato", node.clock(), node.vault)
    auth = {"Authorization": f"Bearer {parent}"}
    stream = jpn.post("/api/v1/tokens", json={}, headers=auth).json()["token"]
    parent_id = token_id(parent)
    assert jpn.delete(f"/api/v1/tokens/{parent_id}", headers=auth).status_code == 204
    with jpn.stream("GET", "/api/v1/alerts", params={"token": stream}) as refused:
        assert refused.status_code == 401  # before: 200, and the stream stayed open
    listed = jpn.get("/api/v1/tokens", headers=site.auth("sato")).json()
    assert next(t for t in listed if t["id"] == token_id(stream))["revoked_at"] is not None


def _read_stream(site: Site, token: str, lines: list[str]) -> threading.Thread:
    """Read `/api/v1/alerts` with `token` into `lines` in a thread, until the stream ends."""

    def read() -> None:
        with site.clients["JPN"].stream("GET", "/api/v1/alerts", params={"token": token}) as s:
            lines.extend(s.iter_lines())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def _until(lines: list[str], line: str) -> None:
    for _ in range(2000):
        if line in lines:
            return
        time.sleep(0.01)


def test_an_open_stream_ends_when_its_token_or_its_issuer_is_revoked(site: Site) -> None:
    """Before: an open SSE stream went on after its token was revoked."""
    jpn, node = site.clients["JPN"], site.cast["JPN"]
    with node.engine.begin() as conn:
        parent = issue_token(conn, "sato", node.clock(), node.vault)
    auth = {"Authorization": f"Bearer {parent}"}
    for revoked in ("stream", "issuer"):
        stream = jpn.post("/api/v1/tokens", json={}, headers=auth).json()["token"]
        lines: list[str] = []
        reader = _read_stream(site, stream, lines)
        _until(lines, "event: ready")
        ident = token_id(stream if revoked == "stream" else parent)
        assert jpn.delete(f"/api/v1/tokens/{ident}", headers=auth).status_code == 204
        reader.join(timeout=30)
        assert not reader.is_alive(), revoked
        assert "event: end" in lines, revoked


def test_an_open_stream_ends_when_its_token_expires(site: Site) -> None:
    node = site.cast["JPN"]
    now = node.clock()
    with node.engine.begin() as conn:
        parent = issue_token(conn, "sato", now, node.vault)
        brief = issue_token(
            conn,
            "sato",
            now,
            node.vault,
            scope="stream",
            expires_at=now + timedelta(seconds=1),
            parent=parent,
        )
    lines: list[str] = []
    reader = _read_stream(site, brief, lines)
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert lines[:2] == ["event: ready", "data: {}"]
    assert "event: end" in lines


def test_a_person_holds_at_most_the_cap_of_tokens_in_force_the_oldest_retired(
    site: Site,
) -> None:
    """Before: every request for a stream token left one more in force."""
    jpn, node = site.clients["JPN"], site.cast["JPN"]
    with node.engine.begin() as conn:
        store_users.revoke_tokens(conn, "suzuki", node.clock(), node.vault)
        mine = issue_token(conn, "suzuki", node.clock(), node.vault)
    auth = {"Authorization": f"Bearer {mine}"}
    issued = [jpn.post("/api/v1/tokens", json={}, headers=auth).json() for _ in range(17)]
    retired = [ident for answer in issued for ident in answer["retired"]]
    # Past the cap each new one retires the oldest in force, never the token asking.
    assert retired == [token_id(answer["token"]) for answer in issued[:2]]
    live = [t for t in jpn.get("/api/v1/tokens", headers=auth).json() if t["revoked_at"] is None]
    assert len(live) == MAX_LIVE_TOKENS
    assert token_id(mine) in {t["id"] for t in live}


def _person_of_jpn(site: Site, name: str) -> str:
    """A JPN person like sato, of this test alone, and an API token of theirs."""
    node = site.cast["JPN"]
    with node.engine.begin() as conn:
        sato = store_users.get_user(conn, "sato", node.vault)
        store_users.add_user(conn, replace(sato, name=name), node.clock(), node.vault)
        return issue_token(conn, name, node.clock(), node.vault)


def _expire_clearance(site: Site, name: str) -> None:
    node = site.cast["JPN"]
    yesterday = node.clock().date() - timedelta(days=1)
    with node.engine.begin() as conn:
        store_users.update_user(conn, name, {"clearance_expires": yesterday}, node.vault)


def test_a_person_whose_clearance_expired_opens_no_alerts_stream(site: Site) -> None:
    """Before: `/api/v1/alerts` opened (200) for them, and their tokens got stream tokens."""
    jpn = site.clients["JPN"]
    token = _person_of_jpn(site, "lapsed-open")
    auth = {"Authorization": f"Bearer {token}"}
    _expire_clearance(site, "lapsed-open")
    with jpn.stream("GET", "/api/v1/alerts", headers=auth) as refused:
        refused.read()
        assert refused.status_code == 403, refused.text
        assert "clearance expired" in refused.json()["message"], refused.json()
    issued = jpn.post("/api/v1/tokens", json={}, headers=auth)
    assert issued.status_code == 403
    assert "clearance expired" in issued.json()["message"]
    # Reporting a loss needs no clearance in force (R37): the token itself still stands.
    assert jpn.get("/api/v1/me", headers=auth).status_code == 200


def test_an_open_stream_ends_when_its_persons_clearance_expires(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)  # a change by another process, seen soon
    token = _person_of_jpn(site, "lapsed-open-stream")
    stream = site.clients["JPN"].post(
        "/api/v1/tokens", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    lines: list[str] = []
    reader = _read_stream(site, stream.json()["token"], lines)
    _until(lines, "event: ready")
    assert "event: ready" in lines
    _expire_clearance(site, "lapsed-open-stream")
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert "event: end" in lines
    assert any("clearance expired" in line for line in lines), lines
