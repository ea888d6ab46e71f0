"""The node's password check slots shared fairly (ADR 0140), in one process and across the
node's processes on PostgreSQL (advisory locks).

Left open by ADR 0136: an outsider guessing from many addresses held both of the node's
Argon2id check slots (ADR 0130) and everyone's sign-in waited behind the guesses, or was
refused. Now a source holds one slot at most, a try from a source with recent failures goes
last, and it is refused at once while a try from a source without failures waits. Outcomes
and order are asserted, never times: each wait here is long enough never to run out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack

import pytest
from sqlalchemy import Engine, text

from gsomia.errors import RateLimited
from gsomia.seal.at_rest import Vault
from gsomia.store import users

VAULT = Vault(bytes(range(32)))  # a node's key-encryption key, for its people's terms

LONG = 60.0  # seconds a waiting try may wait: never reached while the test runs


def _until(what: Callable[[], bool]) -> None:
    """Wait for another thread to reach a state (bounded, so a bug fails, not hangs)."""
    for _ in range(int(LONG / 0.005)):
        if what():
            return
        time.sleep(0.005)
    pytest.fail("the other thread never got there")


class _Try(threading.Thread):
    """A password check's turn taken in a thread of its own, kept until `done` is set."""

    def __init__(self, turns: users._Turns, source: str, failures: int) -> None:
        super().__init__(daemon=True)
        self.turns, self.source, self.failures = turns, source, failures
        self.admitted, self.done = threading.Event(), threading.Event()
        self.refused: RateLimited | None = None

    def run(self) -> None:
        try:
            with self.turns.slot(self.source, self.failures, time.monotonic() + LONG):
                self.admitted.set()
                self.done.wait(LONG)
        except RateLimited as error:
            self.refused = error


def _waiting(turns: users._Turns, *sources: str) -> Callable[[], bool]:
    return lambda: sorted(t.source for t in turns.waiting()) == sorted(sources)


def test_a_guesser_waiting_is_refused_once_a_clean_sign_in_waits() -> None:
    """Both slots taken by guesses; another guess waits (nobody cleaner is waiting). A person
    signs in from their desk: the waiting guess is refused at once (429), and the desk takes
    the next slot, before any guess."""
    turns = users._Turns(2)
    with ExitStack() as held:
        for source in ("g1", "g2"):
            held.enter_context(turns.slot(source, 3, time.monotonic()))
        guess = _Try(turns, "g3", 4)
        guess.start()
        _until(_waiting(turns, "g3"))
        desk = _Try(turns, "desk", 0)
        desk.start()
        guess.join(LONG)
        assert isinstance(guess.refused, RateLimited)
        assert guess.refused.retry_after is not None
        assert not desk.admitted.is_set()  # both slots are still held
    desk.admitted.wait(LONG)
    assert desk.admitted.is_set()
    desk.done.set()
    desk.join(LONG)


def test_a_source_holds_one_slot_and_its_next_try_waits_behind_others() -> None:
    turns = users._Turns(2)
    first = _Try(turns, "desk", 0)
    first.start()
    first.admitted.wait(LONG)
    again = _Try(turns, "desk", 0)
    again.start()
    _until(_waiting(turns, "desk"))  # a slot is free, but not for this source
    other = _Try(turns, "office", 0)
    other.start()
    other.admitted.wait(LONG)
    assert other.admitted.is_set()
    assert not again.admitted.is_set()
    first.done.set()
    again.admitted.wait(LONG)
    assert again.admitted.is_set()
    for each in (again, other):
        each.done.set()
        each.join(LONG)
    assert (first.refused, again.refused, other.refused) == (None, None, None)


def test_guesses_from_many_sources_never_take_a_slot_a_clean_try_waits_for() -> None:
    """Many guessers try at once while a few people sign in: every person gets a slot and
    none is refused, whatever the guesses do (on main, with the slots taken by guesses, a
    person waiting past `WAIT_FOR_A_CHECK` was refused like any guess)."""
    turns = users._Turns(2)
    order: list[str] = []
    lock = threading.Lock()

    def attempt(source: str, failures: int) -> None:
        try:
            with turns.slot(source, failures, time.monotonic() + LONG):
                with lock:
                    order.append("clean" if not failures else "guess")
                time.sleep(0.002)  # a check's work, so that tries overlap
        except RateLimited:
            with lock:
                order.append("refused-clean" if not failures else "refused")

    threads = [threading.Thread(target=attempt, args=(f"g{n}", 1 + n % 5)) for n in range(24)] + [
        threading.Thread(target=attempt, args=(f"desk{n}", 0)) for n in range(4)
    ]
    for each in threads:
        each.start()
    for each in threads:
        each.join(LONG)
    assert order.count("clean") == 4
    assert "refused-clean" not in order
    assert order.count("guess") + order.count("refused") == 24


# Across the node's processes (PostgreSQL) --------------------------------------------------------


def _clean_waiting(engine: Engine) -> bool:
    with engine.connect() as conn:
        query = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = :a AND objid = :b AND objsubid = 2"
        )
        found = conn.execute(text(query), {"a": users._CLEAN[0], "b": users._CLEAN[1]})
        return bool(found.scalar_one())


def _hold(conn: object, key: str) -> None:
    """What a check in another process holds: its transaction's advisory lock `key`."""
    conn.execute(  # type: ignore[attr-defined]
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
    )


def test_across_processes_a_guess_is_refused_while_a_clean_try_waits(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node's two slots are held by checks in other processes; a person's try waits here
    in one thread, and a guess from a source with failures, in another of this node's
    processes (a connection of its own), is refused at once rather than wait its turn."""
    monkeypatch.setattr(users, "WAIT_FOR_A_CHECK", LONG)
    monkeypatch.setattr(users, "_checking", users._Turns(4))  # each thread: another process
    outcome: list[object] = []
    with postgres_engine.connect() as elsewhere:
        for slot in range(users.AT_ONCE):
            _hold(elsewhere, f"gsomia.password-check:{slot}")

        def person() -> None:
            with postgres_engine.connect() as conn:
                outcome.append(users.check_password(conn, "nobody", "pw", VAULT, source="desk"))

        desk = threading.Thread(target=person, daemon=True)
        desk.start()
        _until(lambda: _clean_waiting(postgres_engine))
        with (
            postgres_engine.connect() as conn,
            pytest.raises(RateLimited, match="at once"),
        ):
            users.check_password(conn, "nobody", "pw", VAULT, source="guesser", failures=3)
        assert outcome == []  # the person still waits: the slots are still held
        elsewhere.rollback()  # those checks ended
    desk.join(LONG)
    assert outcome == [None]  # checked (no such person), not refused
    assert not _clean_waiting(postgres_engine)  # let go once it had its slot


def test_across_processes_a_source_holds_one_slot(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "WAIT_FOR_A_CHECK", 0.0)
    with postgres_engine.connect() as elsewhere:
        _hold(elsewhere, "gsomia.password-source:desk")  # desk's check in another process
        with postgres_engine.connect() as conn, pytest.raises(RateLimited, match="at once"):
            users.check_password(conn, "nobody", "pw", VAULT, source="desk")
        with postgres_engine.connect() as conn:  # another source takes a free slot
            assert users.check_password(conn, "nobody", "pw", VAULT, source="office") is None
