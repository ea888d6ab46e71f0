"""The log keeper's lock (ADR 0111): one holder among the node's processes, the next one takes
it when the holder lets go; the asking process keeps one connection between asks (ADR 0142)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from gsomia.store.leader import SessionLock


def sessions(engine: Engine) -> int:
    with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        return int(conn.execute(text(query)).scalar_one())


def test_one_holder_and_the_next_takes_over_on_one_asking_connection(
    postgres_engine: Engine,
) -> None:
    first, second = SessionLock(postgres_engine), SessionLock(postgres_engine)
    try:
        assert first.take()
        before = sessions(postgres_engine)
        for _ in range(5):  # asked again and again: refused, on one connection kept open
            assert not second.take()
            assert sessions(postgres_engine) == before + 1
        assert first.held()
        assert not second.held()
        first.release()
        assert second.take()
        assert second.held()
        assert not first.take()
    finally:
        first.release()
        second.release()
