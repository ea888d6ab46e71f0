"""A password verifier or a web session of their own written into the database by whoever may
write it without the node's key (ADR 0150): the sign-in and the pages refuse, saying why in the
reader's language; the other people are not touched. On SQLite the home holding `node.db` holds
the cookie's signing key too, so such a writer can sign a cookie for any session id."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from sqlalchemy import delete, select, update
from tests.web.conftest import PASSWORD, Site, csrf_of, sign_in

from gsomia.store.tables import users, web_sessions
from gsomia.web.session import COOKIE, Session, SessionSigner, load_key

MINE = "the writer's own passphrase"


def test_a_password_verifier_the_writer_wrote_is_refused_at_sign_in(
    sites: dict[str, Site],
) -> None:
    jpn = sites["JPN"].node
    with jpn.engine.begin() as conn:
        kept = conn.execute(select(users.c.password_hash).where(users.c.name == "suzuki"))
        before = kept.scalar_one()
        mine = PasswordHasher().hash(MINE)
        conn.execute(update(users).where(users.c.name == "suzuki").values(password_hash=mine))
    try:
        fresh = sites["JPN"].client()
        token = csrf_of(fresh.get("/login").text)
        answer = fresh.post(
            "/login",
            data={"csrf": token, "name": "suzuki", "password": MINE},
            headers={"Accept-Language": "ja"},
            follow_redirects=False,
        )
        assert answer.status_code == 500, answer.text[:2000]
        assert "利用者suzukiの" in answer.text, answer.text[:2000]
    finally:
        with jpn.engine.begin() as conn:
            conn.execute(update(users).where(users.c.name == "suzuki").values(password_hash=before))
    other = sites["JPN"].client()
    sign_in(other, "suzuki", PASSWORD)
    assert other.get("/").status_code == 200


def test_a_session_row_the_writer_inserted_is_refused_by_the_pages(
    sites: dict[str, Site],
) -> None:
    jpn = sites["JPN"].node
    sid = "a-session-id-the-writer-chose"
    digest = hashlib.sha256(sid.encode()).hexdigest()
    now = jpn.clock()
    with jpn.engine.begin() as conn:
        conn.execute(
            web_sessions.insert().values(
                sid_hash=digest, user_name="sato", started_at=now, last_seen_at=now
            )
        )
    try:
        signer = SessionSigner(load_key(jpn.home.path))
        forged = sites["JPN"].client()
        forged.cookies.set(COOKIE, signer.dumps(Session(sid, "sato", "csrf-of-the-writer")))
        page = forged.get("/")
        assert page.status_code == 500, page.text[:2000]
        assert f"web session {digest[:16]} of sato keeps no seal" in page.text
    finally:
        with jpn.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.sid_hash == digest))


def test_an_ended_session_opened_again_is_refused_by_the_pages(sites: dict[str, Site]) -> None:
    jpn = sites["JPN"].node
    client = sites["JPN"].client()
    csrf = sign_in(client, "sato")
    signed_in = client.cookies[COOKIE]
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code < 400
    with jpn.engine.begin() as conn:  # every session of sato's that ended, open again
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.user_name == "sato")
            .values(ended_at=None, ended_why=None)
        )
    client.cookies.set(COOKIE, signed_in)  # the cookie of before the logout, kept
    try:
        page = client.get("/")
        assert page.status_code == 500, page.text[:2000]
        assert "is not what its seal says" in page.text
    finally:
        with jpn.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.user_name == "sato"))
