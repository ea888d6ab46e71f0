"""Credentials withdrawn while a TAXII post that presented them is in hand (ADR 0153 left it,
ADR 0154 closed it): the post reads its credentials before it parses the body, on a read
connection, and its write transaction reads them again, so a post whose token was revoked,
or whose person was disabled, between the two commits nothing and is told 401."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.api.api_fixtures import Site
from tests.api.test_api_taxii_checked_once import TAXII, _envelope, _objects_url
from tests.node.node_fixtures import LAUNCH

from gsomia.app.http_parsing import MAX_HEAD
from gsomia.node import taxii as node_taxii
from gsomia.node import tokens
from gsomia.node.users import disable, set_password
from gsomia.stix.objects import EXTENSION_ID
from gsomia.store.tables import items
from gsomia.store.users import token_id


def _classified(n: int, padding: int = 0) -> str:
    envelope = json.loads(_envelope(n))
    envelope["objects"][0]["extensions"] = {EXTENSION_ID: {"classification": "秘"}}
    return json.dumps(envelope) + " " * padding


def _drafts(site: Site) -> int:
    with site.cast["JPN"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def _withdrawn_first(monkeypatch: pytest.MonkeyPatch, withdraw: Callable[[], object]) -> None:
    """`withdraw()` commits after the post's credentials were read, before it writes."""
    real = node_taxii.post_objects

    def withdrawn_first(*args: Any, **kwargs: Any) -> Any:
        withdraw()
        return real(*args, **kwargs)

    monkeypatch.setattr(node_taxii, "post_objects", withdrawn_first)


@pytest.mark.parametrize("padding", [0, MAX_HEAD])  # admitted in the route; at the gate
def test_a_post_whose_token_is_revoked_before_its_write_is_not_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch, padding: int
) -> None:
    api, url = site.clients["JPN"], _objects_url(site)
    token = tokens.issue_token(site.cast["JPN"], "suzuki")
    _withdrawn_first(monkeypatch, lambda: tokens.revoke_token(site.cast["JPN"], token_id(token)))
    before = _drafts(site)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": TAXII}
    answer = api.post(url, content=_classified(91, padding), headers=headers)
    assert answer.status_code == 401, answer.text
    assert "revoked" in answer.json()["description"]
    assert _drafts(site) == before


def test_a_basic_post_whose_person_is_disabled_before_its_write_is_not_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, api, url = site.cast["JPN"], site.clients["JPN"], _objects_url(site)
    # sato, whom no other test here posts as: disabled stays disabled for the module's site.
    set_password(node, "sato", "correct horse battery")
    basic = base64.b64encode(b"sato:correct horse battery").decode()
    _withdrawn_first(monkeypatch, lambda: disable(node, "sato"))
    before = _drafts(site)
    headers = {"Authorization": f"Basic {basic}", "Content-Type": TAXII}
    answer = api.post(url, content=_classified(92), headers=headers)
    assert answer.status_code == 401, answer.text
    # They proved the password a moment ago: told why, and whom to ask, not "wrong password".
    said = answer.json()
    assert "disabled or removed" in said["description"], said
    assert "security officer" in json.dumps(said, ensure_ascii=False), said
    assert _drafts(site) == before


def test_a_post_whose_credentials_still_stand_commits(site: Site) -> None:
    api, url = site.clients["JPN"], _objects_url(site)
    before = _drafts(site)
    headers = {**site.auth("suzuki"), "Content-Type": TAXII}
    answer = api.post(url, content=_classified(93), headers=headers)
    assert answer.status_code == 202, answer.text
    assert _drafts(site) == before + 1


def test_an_intake_whose_token_is_revoked_before_its_write_is_not_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by the attack on ADR 0154: `POST /api/v1/intake/stix` writes the same drafts by the
    # same `post_objects`, and was not given the credentials to read again.
    api = site.clients["JPN"]
    token = tokens.issue_token(site.cast["JPN"], "suzuki")
    _withdrawn_first(monkeypatch, lambda: tokens.revoke_token(site.cast["JPN"], token_id(token)))
    before = _drafts(site)
    body = {
        "agreement": "KOR-JPN-2016",
        "purpose": LAUNCH,
        "objects": json.loads(_classified(94))["objects"],
    }
    answer = api.post(
        "/api/v1/intake/stix", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401, answer.text
    assert _drafts(site) == before
