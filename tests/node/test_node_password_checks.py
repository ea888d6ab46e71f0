"""Found by the attack: a password check is asked before anyone is known (web sign-in, TAXII
Basic credentials), and each Argon2id check holds 64 MiB and a core. An outsider sending
forty guesses at once, each under a new name so that no back-off applies, ran forty checks
at once: 2.5 GB and every core; on SQLite each check ran inside the node's one write
transaction, so a guess stalled every write of the node while it was checked. Checks now run
outside any write, at most two at a time; a guess over that is `RateLimited` (429) unchecked."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from typing import Any

import pytest
from tests.node.node_fixtures import Cast

from gsomia.errors import PolicyDenied, RateLimited, Unauthenticated
from gsomia.node import sessions, taxii
from gsomia.store import users
from gsomia.treaty.sessions import FREE_FAILURES

GUESSES = 8
AT_ONCE = 2  # two cores' worth of Argon2id, 128 MiB


def _write_lock_taken(path: str) -> bool:
    """Whether some connection holds SQLite's write lock on `path` for longer than a second:
    across a check (held until released), not the short transaction in which another guess
    is counted before its check (ADR 0127)."""
    probe = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


class _Held:
    """The node's hasher, each check held until released: counts the checks running at once."""

    def __init__(self, real: Any, writer: str) -> None:
        self.real, self.lock, self.release = real, threading.Lock(), threading.Event()
        self.inside = self.most = self.writing = 0
        self.writer = writer

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
            self.writing += _write_lock_taken(self.writer)
        self.release.wait(10)
        with self.lock:
            self.inside -= 1
        result: bool = self.real.verify(stored, password)
        return result

    def hash(self, password: str) -> str:
        return str(self.real.hash(password))


def test_password_checks_run_at_most_two_at_once(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, outcomes = cast["JPN"], []
    assert node.engine.url.database
    held = _Held(users._hasher, node.engine.url.database)
    monkeypatch.setattr(users, "_hasher", held)

    def guess(n: int) -> None:
        try:
            taxii.basic_user(node, f"guess{n}", "hunter2")
        except (Unauthenticated, RateLimited) as error:
            outcomes.append(type(error))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while held.inside + len(outcomes) < GUESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    held.release.set()
    for thread in threads:
        thread.join()
    assert held.writing == 0  # no write transaction open while a password is checked
    assert held.most <= AT_ONCE
    assert outcomes.count(RateLimited) == GUESSES - held.most
    assert outcomes.count(Unauthenticated) == held.most


def test_a_sign_in_over_the_limit_is_refused_unchecked(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "_checking", users._Turns(1))
    monkeypatch.setattr(users, "WAIT_FOR_A_CHECK", 0.0)
    with (
        users._checking.slot("elsewhere", 0, time.monotonic()),  # a check running
        pytest.raises(RateLimited, match="at once"),
    ):
        sessions.sign_in(cast["JPN"], "sato", "whatever", "sid-over-the-limit")


def test_guesses_sent_at_once_get_the_five_tries_and_no_more(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted after the check, guesses sent at once for one name and address all read "no
    failures yet" and were all checked. Each try is counted before its check (ADR 0127); the
    same with two real processes: `tests/integration/test_integration_shared_limits.py`."""
    held = _Held(users._hasher, str(cast["JPN"].engine.url.database))
    monkeypatch.setattr(users, "_hasher", held)
    monkeypatch.setattr(users, "WAIT_FOR_A_CHECK", 30.0)  # each waits its turn: none is 429
    outcomes: list[object] = []

    def guess() -> None:
        try:
            outcomes.append(sessions.check_credentials(cast["JPN"], "suzuki", "wrong", source="x"))
        except PolicyDenied as refused:
            outcomes.append(type(refused))

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    held.release.set()
    for thread in threads:
        thread.join()
    assert outcomes.count(None) == 5, outcomes  # checked and wrong: ADR 0089's five free tries
    assert outcomes.count(PolicyDenied) == 7  # told to wait, unchecked


@pytest.mark.parametrize("source", ["203.0.113.7", ""])
def test_a_held_back_try_reads_the_same_for_a_name_that_exists_and_one_that_does_not(
    cast: Cast, source: str
) -> None:
    # Tried by the attack (ADR 0143): the refusal after failures, and the failures before it,
    # say nothing of whether the name is a person of the node.
    node = cast["JPN"]
    said = {}
    for name in ("miller", "nobody-of-this-node"):
        for _ in range(FREE_FAILURES):
            assert sessions.check_credentials(node, name, "wrong", source=source) is None
        with pytest.raises(PolicyDenied) as refused:
            sessions.check_credentials(node, name, "wrong", source=source)
        said[name] = re.sub(r"\d+", "N", refused.value.message)
    assert said["miller"] == said["nobody-of-this-node"]
