"""Credentials or terms withdrawn while a publication through the user API is in hand (found by
the attack on ADR 0154): `POST /api/v1/items` and `/items:batch` read the token before the
body, and their write reads it again, and the person's terms, as a TAXII post's does, so a
token revoked, or a clearance lowered, between the two commits nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import LAUNCH

from gsomia.node import publish as publishing
from gsomia.node import tokens
from gsomia.node.users import PersonChange
from gsomia.node.users import update as update_user
from gsomia.store.tables import items
from gsomia.store.users import token_id


def _draft(level: str, n: int) -> dict[str, Any]:
    return {
        "title": f"race {n}",
        "level": level,
        "releasable_to": ["KOR"],
        "purpose": LAUNCH,
        "text": f"report {n}",
    }


def _drafts(site: Site) -> int:
    with site.cast["JPN"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def _withdrawn_first(monkeypatch: pytest.MonkeyPatch, withdraw: Callable[[], object]) -> None:
    """`withdraw()` commits after the request's token was read, before publishing writes."""
    real = publishing.publish_batch

    def withdrawn_first(*args: Any, **kwargs: Any) -> Any:
        withdraw()
        return real(*args, **kwargs)

    monkeypatch.setattr(publishing, "publish_batch", withdrawn_first)


@pytest.mark.parametrize("route", ["/api/v1/items", "/api/v1/items:batch"])
def test_a_publication_whose_token_is_revoked_before_its_write_is_not_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    node, api = site.cast["JPN"], site.clients["JPN"]
    token = tokens.issue_token(node, "suzuki")
    _withdrawn_first(monkeypatch, lambda: tokens.revoke_token(node, token_id(token)))
    before = _drafts(site)
    body: Any = _draft("秘", 1) if route.endswith("items") else [_draft("秘", 2)]
    answer = api.post(route, json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401, answer.text
    assert "revoked" in answer.json()["detail"]
    assert _drafts(site) == before


def test_a_publication_whose_poster_loses_the_clearance_it_published_at_is_not_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, api = site.cast["JPN"], site.clients["JPN"]
    # sato, whom no other test here publishes as: the lowered clearance stays for the module.
    token = tokens.issue_token(node, "sato")
    _withdrawn_first(monkeypatch, lambda: update_user(node, "sato", PersonChange(clearance="秘")))
    before = _drafts(site)
    answer = api.post(
        "/api/v1/items", json=_draft("極秘", 3), headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 403, answer.text
    assert "changed while" in answer.json()["detail"]
    assert _drafts(site) == before


def test_a_publication_whose_credentials_and_terms_still_stand_commits(site: Site) -> None:
    before = _drafts(site)
    answer = site.clients["JPN"].post(
        "/api/v1/items", json=_draft("秘", 4), headers=site.auth("suzuki")
    )
    assert answer.status_code == 201, answer.text
    assert _drafts(site) == before + 1
