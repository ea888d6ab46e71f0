"""Migration 0023 (ADR 0097): answers settled before it keep their whole entry and read as
before; a downgrade that would lose an answer batch's signed head is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine

from gsomia.exchange import outbox
from gsomia.seal import generate_node_keys
from gsomia.store.db import alembic_config, make_engine
from gsomia.store.tables import outbox as outbox_table

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KEYS = generate_node_keys(nation="KOR")
ENTRY = {"answer": {"id": "m1", "status": "received"}, "head": {"root": "r"}, "jws": "eyJ.x"}


def _queue(engine: Engine, message_id: str) -> int:
    with engine.begin() as conn:
        outbox.enqueue(
            conn, message_id=message_id, kind="item", peer="JPN", priority=3, body=b"x", now=NOW
        )
        [found] = [p for p in outbox.due(conn, NOW, 10) if p.message_id == message_id]
    return found.id


def test_an_answer_settled_before_reads_whole_and_a_lossy_downgrade_is_refused(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0022")
    before = _queue(engine, "m1")
    with engine.begin() as conn:  # as the sender kept it before: the whole entry in the row
        conn.execute(
            outbox_table.update()
            .where(outbox_table.c.id == before)
            .values(state=outbox.RECEIVED, answer=outbox.sealed_answer(KEYS, before, ENTRY))
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        kept = outbox.settled(conn, KEYS, "m1")
    assert kept is not None
    assert kept.answer == ENTRY
    command.downgrade(config, "0022")  # nothing names a batch yet: nothing is lost
    command.upgrade(config, "head")
    after = _queue(engine, "m2")
    with engine.begin() as conn:
        outbox.settle(
            conn, KEYS, [(after, outbox.RECEIVED, {**ENTRY, "answer": {"id": "m2"}})], NOW
        )
    with pytest.raises(RuntimeError, match="restore the backup taken before 0023"):
        command.downgrade(config, "0022")
    with engine.connect() as conn:
        kept = outbox.settled(conn, KEYS, "m2")
    assert kept is not None
    assert kept.answer == {**ENTRY, "answer": {"id": "m2"}}
    engine.dispose()
