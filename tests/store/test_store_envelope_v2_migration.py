"""Migration 0005 (envelope v2, ADR 0070): v1 messages still queued are settled as rejected,
saying what to do; what was already settled, and held v1 envelopes, stay as they were."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from gsomia.store.db import alembic_config, make_engine
from gsomia.store.tables import outbox

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_queued_v1_messages_are_rejected_with_what_to_do(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0004")
    with engine.begin() as conn:
        for message_id, state in (("queued-v1", "queued"), ("settled-v1", "received")):
            conn.execute(
                text(
                    "INSERT INTO outbox (message_id, kind, peer, priority, body, state, attempts,"
                    " next_attempt_at, created_at) VALUES (:m, 'item', 'JPN', 3, :b, :s, 0,"
                    " :t, :t)"
                ),
                {"m": message_id, "b": b'{"gsomia":"envelope/1"}', "s": state, "t": NOW},
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = {r.message_id: r for r in conn.execute(select(outbox))}
    assert rows["queued-v1"].state == "rejected"
    assert "upgrade" not in rows["queued-v1"].last_error  # says what to do, not who to blame
    assert "release the item or send the message again" in rows["queued-v1"].last_error
    assert rows["queued-v1"].settled_at is not None
    assert (rows["settled-v1"].state, rows["settled-v1"].last_error) == ("received", None)
    assert {r.format for r in rows.values()} == {1}
    engine.dispose()
