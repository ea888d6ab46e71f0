"""An officer's release through the API, the officer's token revoked or role taken away while it
is in hand: the release to a partner commits nothing, as publishing's write (ADR 0154). Found by
the attack on ADR 0155: the release read the officer once, before its write, and sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import LAUNCH

from gsomia.node import authority, tokens
from gsomia.node import release as releasing
from gsomia.node.users import PersonChange
from gsomia.node.users import update as update_user
from gsomia.store.tables import outbox, release_rules
from gsomia.store.users import token_id


def _queued(site: Site) -> int:
    with site.cast["JPN"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def _draft(site: Site, n: int) -> str:
    body = {
        "title": f"r{n}",
        "level": "秘",
        "releasable_to": ["KOR"],
        "purpose": LAUNCH,
        "text": "r",
    }
    answer = site.clients["JPN"].post("/api/v1/items", json=body, headers=site.auth("suzuki"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _withdrawn_first(monkeypatch: pytest.MonkeyPatch, withdraw: Callable[[], object]) -> None:
    """`withdraw()` commits after the release was admitted and planned, before its write."""
    real = releasing.plan

    def planned(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        withdraw()
        return found

    monkeypatch.setattr(releasing, "plan", planned)


@pytest.mark.parametrize("withdrawal", ["revoked", "role"])
def test_a_release_whose_officer_is_withdrawn_before_its_write_sends_nothing(
    site: Site, monkeypatch: pytest.MonkeyPatch, withdrawal: str
) -> None:
    node, api = site.cast["JPN"], site.clients["JPN"]
    item_id = _draft(site, 1 if withdrawal == "revoked" else 2)
    token = tokens.issue_token(node, "tanaka")
    if withdrawal == "revoked":
        _withdrawn_first(monkeypatch, lambda: tokens.revoke_token(node, token_id(token)))
    else:
        _withdrawn_first(
            monkeypatch, lambda: update_user(node, "tanaka", PersonChange(role="analyst"))
        )
    before = _queued(site)
    try:
        answer = api.post(
            f"/api/v1/items/{item_id}/release", headers={"Authorization": f"Bearer {token}"}
        )
    finally:  # the site is the module's: tanaka is an officer again for the next test
        update_user(node, "tanaka", PersonChange(role="officer"))
    assert _queued(site) == before, answer.text  # was: 200 and the item queued to KOR
    assert answer.status_code == (401 if withdrawal == "revoked" else 403), answer.text


def test_a_release_whose_officer_still_stands_is_sent(site: Site) -> None:
    """The control: the same release, nothing withdrawn, is queued to KOR."""
    node, api = site.cast["JPN"], site.clients["JPN"]
    item_id = _draft(site, 3)
    token = tokens.issue_token(node, "tanaka")
    before = _queued(site)
    answer = api.post(
        f"/api/v1/items/{item_id}/release", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    assert _queued(site) > before


def _rule() -> dict[str, Any]:
    return {
        "feed": "jpn-radar",
        "to_nations": ["KOR"],
        "ceiling": "秘",
        "purpose": LAUNCH,
        "valid_until": "2099-01-01T00:00:00+00:00",
    }


def _rules(site: Site) -> int:
    with site.cast["JPN"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(release_rules)).scalar_one())


@pytest.mark.parametrize("withdrawal", ["revoked", "role"])
def test_a_standing_rule_whose_officer_is_withdrawn_before_its_write_is_not_set(
    site: Site, monkeypatch: pytest.MonkeyPatch, withdrawal: str
) -> None:
    """A standing rule releases every later item of its feed: set by an officer whose token
    was revoked, or whose role was taken away, mid-request, it must not be kept."""
    node, api = site.cast["JPN"], site.clients["JPN"]
    token = tokens.issue_token(node, "tanaka")
    if withdrawal == "revoked":
        withdraw: Callable[[], object] = lambda: tokens.revoke_token(node, token_id(token))  # noqa: E731
    else:
        withdraw = lambda: update_user(node, "tanaka", PersonChange(role="analyst"))  # noqa: E731
    real = authority.authorise

    def authorised(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        withdraw()
        return found

    monkeypatch.setattr("gsomia.node.release.authorise", authorised)  # as release.py names it
    before = _rules(site)
    try:
        answer = api.post(
            "/api/v1/release-rules", json=_rule(), headers={"Authorization": f"Bearer {token}"}
        )
    finally:
        update_user(node, "tanaka", PersonChange(role="officer"))
    assert _rules(site) == before, answer.text
    assert answer.status_code == (401 if withdrawal == "revoked" else 403), answer.text


def test_a_standing_rule_whose_officer_still_stands_is_set(site: Site) -> None:
    node, api = site.cast["JPN"], site.clients["JPN"]
    token = tokens.issue_token(node, "tanaka")
    before = _rules(site)
    answer = api.post(
        "/api/v1/release-rules", json=_rule(), headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 201, answer.text
    assert _rules(site) == before + 1
