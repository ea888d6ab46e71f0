"""A TAXII post whose objects are all taken in already writes its status alone, with no log
entry, so on PostgreSQL (READ COMMITTED) the log row's lock did not order a revocation
against it (found by the attack on ADR 0154): its re-read of the token ran while a logged
revocation was written and not yet committed, did not see it, and its status committed
after the revocation had. It now takes the log row's lock before it reads the token again.

Deterministic: another post holds the statuses' totals row, so this one waits between its
re-read and its commit; the revocation is started then, and the row let go once the
revocation is done (unordered) or waits for a lock too (ordered)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text, update
from tests.node.node_fixtures import LAUNCH, Cast, build_cast

from gsomia.errors import Unauthenticated
from gsomia.node import taxii, tokens
from gsomia.node.admission import Presented
from gsomia.stix.objects import EXTENSION_ID
from gsomia.store.scratch import drop_postgres_database, fresh_postgres_database
from gsomia.store.tables import taxii_status_totals, taxii_statuses
from gsomia.store.users import token_id

WAIT = 30.0  # seconds the post may take to reach the lock on a loaded machine: a bound


@pytest.fixture
def cast(postgres_admin_url: str, tmp_path: Path) -> Iterator[Cast]:
    url, name = fresh_postgres_database(postgres_admin_url)
    built = build_cast(tmp_path, ("JPN",), pin=False, database_urls={"JPN": url})
    try:
        yield built
    finally:
        built["JPN"].engine.dispose()
        drop_postgres_database(postgres_admin_url, name)


def _indicator(n: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--3a7c9e1b-5d2f-4a8b-9c0d-{n:012x}",
        "created": "2026-11-30T08:00:00.000Z",
        "modified": "2026-11-30T08:00:00.000Z",
        "name": "beacon",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2026-11-30T08:00:00Z",
        "extensions": {EXTENSION_ID: {"classification": "秘"}},
    }


def _kept(cast: Cast, status_id: str) -> int:
    with cast["JPN"].engine.connect() as conn:
        query = select(func.count()).where(taxii_statuses.c.id == status_id)
        return int(conn.execute(query).scalar_one())


def _waiting_for_locks(watcher: Connection) -> int:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    )
    found = int(watcher.execute(query).scalar_one())
    watcher.rollback()  # the statistics are read once a transaction: a new one each time
    return found


def _until(watcher: Connection, done: Callable[[], bool], locked: int) -> None:
    """Until `done()`, or `locked` backends wait for a lock (WAIT at most)."""
    deadline = time.monotonic() + WAIT
    while not done() and _waiting_for_locks(watcher) < locked and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_known_post_is_ordered_against_a_logged_revocation_by_the_log_lock(
    cast: Cast,
) -> None:
    node = cast["JPN"]
    token = tokens.issue_token(node, "suzuki")
    presented = Presented(token=token)
    user = tokens.authenticate(node, token)
    found = taxii.collection(node, user, "KOR-JPN-2016", LAUNCH)
    first = taxii.post_objects(
        node, user, found, [_indicator(1)], status_id="s-first", presented=presented
    )
    assert first.successes
    posted: list[object] = []
    seen_by_revocation: list[int] = []

    def post_again() -> None:
        try:
            posted.append(
                taxii.post_objects(
                    node, user, found, [_indicator(1)], status_id="s-again", presented=presented
                )
            )
        except Exception as error:
            posted.append(error)

    def revoke() -> None:
        tokens.revoke_token(node, token_id(token))
        seen_by_revocation.append(_kept(cast, "s-again"))

    # Another post holds the totals row: this one, once it has read its token again, waits
    # there, between its re-read and its commit: the window a revocation must not fall in.
    other = node.engine.connect()
    held = other.begin()
    other.execute(update(taxii_status_totals).values(kept=taxii_status_totals.c.kept))
    poster, revoker = threading.Thread(target=post_again), threading.Thread(target=revoke)
    try:
        with node.engine.connect() as watcher:
            poster.start()
            _until(watcher, lambda: not poster.is_alive(), 1)
            revoker.start()
            # Unordered, the revocation commits now; ordered, it waits for the post's log lock.
            _until(watcher, lambda: not revoker.is_alive(), 2)
    finally:
        held.rollback()
        other.close()
    poster.join(WAIT)
    revoker.join(WAIT)
    assert not poster.is_alive()
    assert not revoker.is_alive()
    [met] = posted
    # Either the post read the revocation and wrote nothing, or it committed before the
    # revocation did: never a status committed after its token's revocation.
    if isinstance(met, Unauthenticated):
        assert _kept(cast, "s-again") == 0
    else:
        assert not isinstance(met, Exception), met
        assert seen_by_revocation == [1], "the status committed after the revocation"
    assert _kept(cast, "s-first") == 1
