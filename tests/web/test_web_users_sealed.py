"""A person's clearance raised in the database by whoever may write it without the node's key
(ADR 0146): the sign-in and a session already open refuse, saying why in the reader's
language; the other people are not touched."""

from __future__ import annotations

from sqlalchemy import update
from tests.web.conftest import Site, csrf_of, sign_in

from gsomia.store.tables import users


def test_a_clearance_raised_in_the_database_is_refused_by_the_pages(
    sites: dict[str, Site],
) -> None:
    jpn = sites["JPN"].node
    open_session = sites["JPN"].client()
    sign_in(open_session, "suzuki")
    with jpn.engine.begin() as conn:
        conn.execute(update(users).where(users.c.name == "suzuki").values(clearance="極秘"))
    words = "user suzuki's clearance is not what their sealed terms say"
    page = open_session.get("/")
    assert page.status_code == 500
    assert words in page.text
    fresh = sites["JPN"].client()
    fresh.cookies.set("gsomia_lang", "ja")
    token = csrf_of(fresh.get("/login").text)
    answer = fresh.post(
        "/login",
        data={"csrf": token, "name": "suzuki", "password": "correct horse battery staple"},
        headers={"Accept-Language": "ja"},
        follow_redirects=False,
    )
    assert answer.status_code == 500
    assert "利用者suzukiの" in answer.text, answer.text[:2000]
    other = sites["JPN"].client()
    sign_in(other, "sato")
    assert other.get("/").status_code == 200
