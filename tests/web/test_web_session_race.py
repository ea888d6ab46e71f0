"""A web session ended while a publication or a release of its person is in hand: the pages'
writes read the session again in their transaction, as the API's read the token (ADR 0154), so
a logout elsewhere, a password change or disabling the person commits nothing (found by the
attack on ADR 0154 and 0155: the pages' publish and release carried no `Presented`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from tests.web.conftest import Site, sign_in
from tests.web.test_web_pages import _publish_form

from gsomia.node import publish as publishing
from gsomia.node import release as releasing
from gsomia.node import sessions
from gsomia.store.tables import items, outbox


def _count(site: Site, table: Any) -> int:
    with site.node.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _ended_first(monkeypatch: pytest.MonkeyPatch, site: Site, name: str) -> None:
    """`name`'s sessions are ended (as a password change ends them) once the publication is
    decided, before it is written."""
    real = publishing._store

    def ended(*args: Any, **kwargs: Any) -> Any:
        sessions.end_sessions(site.node, name, "password")
        return real(*args, **kwargs)

    monkeypatch.setattr(publishing, "_store", ended)


def test_a_publication_whose_session_ends_before_its_write_is_not_committed(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = sites["KOR"]
    kim = site.client()
    csrf = sign_in(kim, "kim")
    _ended_first(monkeypatch, site, "kim")
    before = _count(site, items)
    answer: Any = _publish_form(kim, csrf)
    assert _count(site, items) == before, answer.text
    assert answer.status_code == 401  # told to sign in again, nothing written
    assert "sign in again" in answer.text


def test_a_release_whose_session_ends_before_its_write_sends_nothing(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = sites["KOR"]
    kim, park = site.client(), site.client()
    made = _publish_form(kim, sign_in(kim, "kim"))
    page_path = made.headers["location"]  # type: ignore[attr-defined]
    csrf = sign_in(park, "park")
    real = releasing.plan

    def planned(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        sessions.end_sessions(site.node, "park", "password")
        return found

    monkeypatch.setattr(releasing, "plan", planned)
    before = _count(site, outbox)
    answer = park.post(page_path + "/release", data={"csrf": csrf}, follow_redirects=False)
    assert _count(site, outbox) == before
    assert answer.status_code == 401, answer.text


def test_a_publication_whose_session_stands_is_committed(sites: dict[str, Site]) -> None:
    site = sites["KOR"]
    kim = site.client()
    before = _count(site, items)
    answer = _publish_form(kim, sign_in(kim, "kim"))
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert _count(site, items) == before + 1
