"""Claiming outbox rows (ADR 0111): several delivery processes on one PostgreSQL never hold
the same row at once, FLASH is claimed in its own lane, and a killed claimant's rows come back
when its lease lapses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from gsomia.exchange import claimants, outbox
from gsomia.store.tables import outbox as outbox_table

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FLASH, ROUTINE = 0, 3
LEASE = timedelta(minutes=5)


def put(engine: Engine, *priorities: int, peer: str = "JPN") -> None:
    with engine.begin() as conn:
        outbox.enqueue_all(
            conn,
            [
                outbox.row(
                    message_id=f"m{n}-{peer}-{p}",
                    kind="item",
                    peer=peer,
                    priority=p,
                    body=b"sealed",
                    now=NOW,
                )
                for n, p in enumerate(priorities)
            ],
        )


def claim(
    engine: Engine,
    owner: str,
    *,
    flash: bool = False,
    now: datetime = NOW,
    limit: int = 100,
    resting: tuple[str, ...] = (),
) -> list[str]:
    with engine.begin() as conn:
        rows = outbox.claim(
            conn, now, limit, outbox.Claim(owner, now + LEASE), flash=flash, resting=resting
        )
    return [r.message_id for r in rows]


def test_a_claimed_row_is_nobody_elses_until_its_lease_lapses(engine: Engine) -> None:
    put(engine, ROUTINE, ROUTINE, ROUTINE)
    first = claim(engine, "a")
    assert len(first) == 3
    assert claim(engine, "b") == []
    assert claim(engine, "b", now=NOW + LEASE - timedelta(seconds=1)) == []
    # The claimant was killed mid-send: once its lease lapses, another process sends them.
    assert sorted(claim(engine, "b", now=NOW + LEASE)) == sorted(first)


def test_flash_has_its_own_lane(engine: Engine) -> None:
    put(engine, ROUTINE, FLASH, ROUTINE, FLASH)
    bulk = claim(engine, "bulk")
    flash = claim(engine, "flash", flash=True)
    assert len(bulk) == 2
    assert all(m.endswith("-3") for m in bulk)
    assert len(flash) == 2
    assert all(m.endswith("-0") for m in flash)


def test_flash_rows_come_with_their_bodies_bulk_rows_as_ids(engine: Engine) -> None:
    put(engine, FLASH, ROUTINE)
    now = NOW
    with engine.begin() as conn:
        urgent = outbox.claim(conn, now, 10, outbox.Claim("a", now + LEASE), flash=True)
        bulk = outbox.claim(conn, now, 10, outbox.Claim("a", now + LEASE), flash=False)
    assert [type(r) for r in urgent] == [outbox.Pending]
    assert urgent[0].body == b"sealed"  # type: ignore[union-attr]
    assert [type(r) for r in bulk] == [outbox.Queued]


def test_most_urgent_then_oldest_first_within_the_limit(engine: Engine) -> None:
    put(engine, ROUTINE, 2, 1, ROUTINE, 2)
    assert claim(engine, "a", limit=3) == ["m2-JPN-1", "m1-JPN-2", "m4-JPN-2"]


def test_resting_partners_rows_are_left_for_later(engine: Engine) -> None:
    put(engine, ROUTINE, peer="JPN")
    put(engine, ROUTINE, peer="USA")
    assert claim(engine, "a", resting=("JPN",)) == ["m0-USA-3"]
    assert claim(engine, "a") == ["m0-JPN-3"]


def test_a_retry_and_a_clean_stop_let_go_at_once(engine: Engine) -> None:
    put(engine, ROUTINE, ROUTINE)
    with engine.begin() as conn:
        held = outbox.claim(conn, NOW, 10, outbox.Claim("a", NOW + LEASE), flash=False)
        # The partner did not answer the first: its retry is due at once, for anyone.
        outbox.retry_later(conn, held[:1], "down", NOW)
    assert claim(engine, "b") == [held[0].message_id]
    with engine.begin() as conn:
        assert outbox.release(conn, "a") == 1
    assert claim(engine, "c") == [held[1].message_id]


def test_a_round_that_stopped_early_lets_go_of_the_rows_it_did_not_reach(
    engine: Engine,
) -> None:
    put(engine, ROUTINE, ROUTINE, ROUTINE)
    with engine.begin() as conn:
        held = outbox.claim(conn, NOW, 10, outbox.Claim("a", NOW + LEASE), flash=False)
        assert outbox.release(conn, "a", [held[2].id]) == 1
        assert outbox.release(conn, "b", [held[1].id]) == 0  # only the claimant's own
    assert claim(engine, "b") == [held[2].message_id]


def test_next_due_passes_over_rows_another_process_holds_until_its_claim_lapses(
    engine: Engine,
) -> None:
    """A row another process holds is due again when the claim lapses (its process may have
    died): the lane sleeps until then, not until its fallback (ADR 0142)."""
    put(engine, ROUTINE)
    claim(engine, "a")
    with engine.connect() as conn:
        assert outbox.next_due_at(conn) == NOW
        assert outbox.next_due_at(conn, unclaimed_at=NOW) == NOW + LEASE
        assert outbox.next_due_at(conn, unclaimed_at=NOW + LEASE) == NOW
    with engine.begin() as conn:
        outbox.release(conn, "a")
    with engine.connect() as conn:
        assert outbox.next_due_at(conn, unclaimed_at=NOW) == NOW


def test_two_claims_at_the_same_moment_skip_each_others_rows(postgres_engine: Engine) -> None:
    put(postgres_engine, *[ROUTINE] * 10)
    # Two transactions open at once, as two processes' would be: the second skips the rows
    # the first has locked and not yet committed, rather than waiting for them or taking them.
    with postgres_engine.connect() as one, postgres_engine.connect() as two, one.begin():
        a = outbox.claim(one, NOW, 6, outbox.Claim("a", NOW + LEASE), flash=False)
        with two.begin():
            b = outbox.claim(two, NOW, 100, outbox.Claim("b", NOW + LEASE), flash=False)
    assert len(a) == 6
    assert len(b) == 4
    assert {r.id for r in a}.isdisjoint({r.id for r in b})


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rounds=st.lists(
        st.tuples(st.sampled_from("abc"), st.integers(0, 400), st.integers(1, 4)), max_size=12
    )
)
def test_no_row_is_held_by_two_claimants_at_once(
    engine: Engine, rounds: list[tuple[str, int, int]]
) -> None:
    with engine.begin() as conn:
        conn.execute(outbox_table.delete())
    put(engine, *[ROUTINE] * 6)
    held: dict[str, tuple[str, datetime]] = {}  # message -> (owner, lease end)
    for owner, seconds, limit in sorted(rounds, key=lambda r: r[1]):
        now = NOW + timedelta(seconds=seconds)
        for message in claim(engine, owner, now=now, limit=limit):
            if message in held:
                assert held[message][1] <= now, "claimed while another's lease stood"
            held[message] = (owner, now + LEASE)


# A restarted node takes back at once what its killed predecessor held (claimants.release_gone):
# only names of this machine whose process no longer runs, never another machine's.
HERE = "kor-1:4242:aaaaaaaa"


@pytest.mark.parametrize(
    ("name", "running", "taken_back"),
    [
        ("kor-1:1111:bbbbbbbb", set(), True),  # killed: its pid runs no more
        ("kor-1:1111:bbbbbbbb", {1111}, False),  # a sibling process still sending
        ("kor-1:4242:cccccccc", {4242}, True),  # an earlier process that had this pid
        (HERE, {4242}, False),  # its own claims
        ("kor-2:1111:bbbbbbbb", set(), False),  # another machine: its lease decides
        ("kor-1:notapid:bbbbbbbb", set(), False),  # not a claimant name: left alone
        ("kor-1", set(), False),
    ],
)
def test_the_claims_taken_back_are_of_this_machines_stopped_processes(
    name: str, running: set[int], taken_back: bool
) -> None:
    assert claimants.gone([name], HERE, running.__contains__) == ([name] if taken_back else [])


def test_a_restarted_process_sends_at_once_what_a_killed_one_held(engine: Engine) -> None:
    put(engine, ROUTINE, ROUTINE)
    put(engine, ROUTINE, peer="USA")
    assert len(claim(engine, "kor-1:1111:bbbbbbbb", limit=2)) == 2
    assert len(claim(engine, "kor-2:1111:bbbbbbbb")) == 1
    assert claim(engine, HERE) == []  # leases stand: five minutes to wait
    with engine.begin() as conn:
        freed = claimants.release_gone(conn, HERE, running=lambda pid: False)
    assert freed == 2
    assert len(claim(engine, HERE)) == 2  # the other machine's row keeps its lease


def test_this_process_name_is_one_release_gone_understands() -> None:
    name = claimants.name_for_this_process()
    assert claimants.gone([name], HERE.replace("kor-1", name.split(":")[0]), lambda pid: False)
    assert claimants.gone([name], name, lambda pid: False) == []
