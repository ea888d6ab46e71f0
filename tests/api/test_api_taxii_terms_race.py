"""A person's terms changed while a TAXII post of theirs is in hand (found by the attack on ADR
0154): the write read again whether the credential stands, not what it allows, so a post by
someone whose clearance was lowered below what they posted after they were admitted still
committed. The write now holds the person it reads again to the admitted person's terms
(`gsomia.node.admission.held`, `treaty.credentials.may_write_on`): 403, nothing committed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.api.api_fixtures import Site
from tests.api.test_api_taxii_checked_once import TAXII, _envelope, _objects_url

from gsomia.node import taxii as node_taxii
from gsomia.node import tokens
from gsomia.node.users import PersonChange
from gsomia.node.users import update as update_user
from gsomia.stix.objects import EXTENSION_ID
from gsomia.store.tables import items, taxii_statuses


def _marked(n: int, level: str) -> str:
    envelope = json.loads(_envelope(n))
    envelope["objects"][0]["extensions"] = {EXTENSION_ID: {"classification": level}}
    return json.dumps(envelope)


def _drafts(site: Site) -> int:
    with site.cast["JPN"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def _statuses(site: Site) -> int:
    with site.cast["JPN"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(taxii_statuses)).scalar_one())


def _changed_first(monkeypatch: pytest.MonkeyPatch, change: Callable[[], object]) -> None:
    real = node_taxii.post_objects

    def changed_first(*args: Any, **kwargs: Any) -> Any:
        change()
        return real(*args, **kwargs)

    monkeypatch.setattr(node_taxii, "post_objects", changed_first)


def test_a_post_whose_poster_loses_the_clearance_it_posted_at_is_not_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, api, url = site.cast["JPN"], site.clients["JPN"], _objects_url(site)
    token = tokens.issue_token(node, "sato")
    _changed_first(monkeypatch, lambda: update_user(node, "sato", PersonChange(clearance="秘")))
    before = _drafts(site)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": TAXII}
    answer = api.post(url, content=_marked(203, "極秘"), headers=headers)
    # Before: 202 and a 極秘 draft by a person now cleared to 秘.
    assert answer.status_code == 403, answer.text
    assert "changed while the request was in hand" in answer.json()["description"]
    assert _drafts(site) == before


def test_a_post_of_objects_all_known_whose_poster_loses_a_term_writes_no_status(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing is published: the status alone is written, and it is held to the terms too.
    node, api, url = site.cast["JPN"], site.clients["JPN"], _objects_url(site)
    token = tokens.issue_token(node, "miller")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": TAXII}
    first = api.post(url, content=_marked(204, "秘"), headers=headers)
    assert first.status_code == 202, first.text
    before = _statuses(site)
    _changed_first(monkeypatch, lambda: update_user(node, "miller", PersonChange(clearance="秘")))
    answer = api.post(url, content=_marked(204, "秘"), headers=headers)
    assert answer.status_code == 403, answer.text
    assert _statuses(site) == before
    monkeypatch.undo()
    again = api.post(url, content=_marked(204, "秘"), headers=headers)
    assert again.status_code == 202, again.text  # sent again, decided on the terms as they are
