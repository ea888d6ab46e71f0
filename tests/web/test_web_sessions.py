"""Sessions kept in the database (ADR 0082): what ends one holds across a restart; a password
change, disabling the person, an expired clearance and half an hour idle end it; failed
sign-ins back off."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.conftest import PASSWORD, Site, csrf_of, sign_in

from gsomia.app import create_app
from gsomia.errors import PolicyDenied
from gsomia.node import live, sessions
from gsomia.node import users as people
from gsomia.node.tokens import issue_token
from gsomia.store import sessions as stored_sessions
from gsomia.store.tables import login_failures
from gsomia.store.users import UserRecord, add_user, update_user
from gsomia.treaty.sessions import NAME_FREE_FAILURES, NAME_MAX_BACKOFF
from gsomia.web.session import COOKIE


@pytest.fixture
def person(sites: dict[str, Site], request: pytest.FixtureRequest) -> str:
    """A KOR analyst of this test alone, with the cast's password."""
    node = sites["KOR"].node
    name = "p-" + str(request.node.name)[-40:].replace("[", "-").replace("]", "")
    record = UserRecord(name, "KOR", "군사II급비밀", date(2099, 1, 1), ("x",), ("analyst",), True)
    with node.engine.begin() as conn:
        add_user(conn, record, node.clock(), node.vault, password=PASSWORD)
    return name


def _signed_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def test_a_logged_out_session_stays_ended_after_a_restart(
    sites: dict[str, Site], person: str
) -> None:
    """Before: the ended sessions were a set in the process; a restart forgot it."""
    site = sites["KOR"]
    client = site.client()
    csrf = sign_in(client, person)
    stolen = client.cookies[COOKIE]
    client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    restarted = TestClient(create_app(site.node, run_worker=False))
    restarted.cookies.set(COOKIE, stolen)
    assert not _signed_in(restarted)


def test_a_password_change_ends_the_persons_sessions(sites: dict[str, Site], person: str) -> None:
    site = sites["KOR"]
    client, other = site.client(), site.client()
    sign_in(client, person)
    sign_in(other, person)
    people.set_password(site.node, person, PASSWORD)
    assert not _signed_in(client)
    assert not _signed_in(other)
    sign_in(client, person)  # the new password opens a new session
    assert _signed_in(client)


def test_disabling_a_person_ends_sessions_tokens_and_sign_in(
    sites: dict[str, Site], person: str
) -> None:
    site = sites["KOR"]
    client = site.client()
    sign_in(client, person)
    token = issue_token(site.node, person)
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=api).status_code == 200
    people.disable(site.node, person)
    assert not _signed_in(client)
    assert client.get("/api/v1/me", headers=api).status_code == 401
    fresh = site.client()
    csrf = csrf_of(fresh.get("/login").text)
    answer = fresh.post("/login", data={"csrf": csrf, "name": person, "password": PASSWORD})
    assert answer.status_code == 401


def test_a_session_ends_when_the_clearance_expires(sites: dict[str, Site], person: str) -> None:
    site = sites["KOR"]
    client = site.client()
    sign_in(client, person)
    with site.node.engine.begin() as conn:
        yesterday = site.node.clock().date() - timedelta(days=1)
        update_user(conn, person, {"clearance_expires": yesterday}, site.node.vault)
    assert not _signed_in(client)


def test_a_session_idle_half_an_hour_ends(
    sites: dict[str, Site], person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = sites["KOR"]
    client = site.client()
    sign_in(client, person)
    start = site.node.clock()
    monkeypatch.setattr(site.node, "clock", lambda: start + timedelta(minutes=29))
    assert _signed_in(client)  # active: seen again, the idle time starts over
    monkeypatch.setattr(site.node, "clock", lambda: start + timedelta(minutes=58))
    assert _signed_in(client)
    monkeypatch.setattr(site.node, "clock", lambda: start + timedelta(minutes=89))
    assert not _signed_in(client)


def test_failed_sign_ins_back_off(
    sites: dict[str, Site], person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: no back-off, a password could be guessed as fast as Argon2id verifies."""
    site = sites["KOR"]
    client = site.client()
    csrf = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post("/login", data={"csrf": csrf, "name": person, "password": "guess"})
        assert wrong.status_code == 401
    right = {"csrf": csrf, "name": person, "password": PASSWORD}
    waiting = client.post("/login", data=right)
    assert waiting.status_code == 429
    assert "too many failed sign-ins" in waiting.text
    later = site.node.clock() + timedelta(seconds=31)
    monkeypatch.setattr(site.node, "clock", lambda: later)
    assert client.post("/login", data=right, follow_redirects=False).status_code == 303


def test_an_outsider_failing_on_purpose_does_not_lock_the_person_out(
    sites: dict[str, Site], person: str
) -> None:
    """Before: the back-off was per name: an outsider failing five times for a person's name
    made that person wait, up to 15 minutes at a time, wherever they signed in from."""
    site = sites["KOR"]
    outsider = TestClient(site.app, client=("203.0.113.9", 40000))
    csrf = csrf_of(outsider.get("/login").text)
    guess = {"csrf": csrf, "name": person, "password": "guess"}
    for _ in range(5):
        assert outsider.post("/login", data=guess).status_code == 401
    assert outsider.post("/login", data=guess).status_code == 429  # the outsider waits
    desk = TestClient(site.app, client=("10.0.0.5", 40000))
    right = {"csrf": csrf_of(desk.get("/login").text), "name": person, "password": PASSWORD}
    assert desk.post("/login", data=right, follow_redirects=False).status_code == 303


def test_failures_from_many_addresses_slow_a_name_briefly_never_lock_it(
    sites: dict[str, Site], person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = sites["KOR"].node
    start = node.clock()
    monkeypatch.setattr(node, "clock", lambda: start)
    for address in range(NAME_FREE_FAILURES):  # four each from five addresses: none waits
        source = f"198.51.100.{address // 4}"
        assert sessions.check_credentials(node, person, "guess", source=source) is None
    with pytest.raises(PolicyDenied, match="from many places"):
        sessions.check_credentials(node, person, PASSWORD, source="10.0.0.6")
    later = start + NAME_MAX_BACKOFF
    monkeypatch.setattr(node, "clock", lambda: later)
    assert sessions.check_credentials(node, person, PASSWORD, source="10.0.0.6") is not None


def test_the_failures_kept_are_capped(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    node = sites["KOR"].node
    monkeypatch.setattr(stored_sessions, "MAX_FAILURE_ROWS", 8)
    for i in range(20):
        sessions.check_credentials(node, f"nobody-{i}", "guess", source=f"192.0.2.{i}")
    with node.engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(login_failures)).scalar_one()
    assert kept <= 8


def _read_events(client: TestClient, lines: list[str]) -> threading.Thread:
    """Read the pages' `/events` stream with `client`'s session into `lines`, in a thread,
    until the stream ends."""

    def read() -> None:
        with client.stream("GET", "/events") as stream:
            lines.extend(stream.iter_lines())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    for _ in range(2000):
        if "event: ready" in lines:
            break
        time.sleep(0.01)
    assert "event: ready" in lines
    return reader


@pytest.mark.parametrize("ending", ["logout", "password", "disabled"])
def test_the_pages_stream_ends_with_its_session(
    sites: dict[str, Site], person: str, ending: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `/events` was checked once, when it opened, and went on after a logout, a
    password change or disabling the person (ADR 0086 ended only token streams)."""
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)  # what another process did, seen soon
    site = sites["KOR"]
    client = site.client()
    csrf = sign_in(client, person)
    lines: list[str] = []
    reader = _read_events(client, lines)
    if ending == "logout":  # the same session, from another tab
        tab = site.client()
        tab.cookies.set(COOKIE, client.cookies[COOKIE])
        tab.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    elif ending == "password":
        people.set_password(site.node, person, PASSWORD + "-new")
    else:
        people.disable(site.node, person)
    reader.join(timeout=30)
    assert not reader.is_alive(), ending
    assert "event: end" in lines, ending


def test_the_pages_stream_ends_when_the_clearance_expires(
    sites: dict[str, Site], person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)
    site = sites["KOR"]
    client = site.client()
    sign_in(client, person)
    lines: list[str] = []
    reader = _read_events(client, lines)
    with site.node.engine.begin() as conn:
        yesterday = site.node.clock().date() - timedelta(days=1)
        update_user(conn, person, {"clearance_expires": yesterday}, site.node.vault)
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert any("clearance" in line for line in lines), lines
