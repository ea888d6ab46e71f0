"""Tokens over the API: a lifetime, a scope, only the stream takes one in the query string,
and a person lists and revokes their own (ADR 0081)."""

from __future__ import annotations

from datetime import timedelta

from tests.api.api_fixtures import Site

from gsomia.store.users import issue_token


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
        old = issue_token(conn, "sato", now - timedelta(hours=13), expires_at=now)
    response = site.clients["JPN"].get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_a_person_lists_and_revokes_their_own_tokens(site: Site) -> None:
    jpn = site.clients["JPN"]
    node = site.cast["JPN"]
    with node.engine.begin() as conn:
        mine = issue_token(conn, "suzuki", node.clock())
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
