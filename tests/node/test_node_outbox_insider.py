"""An insider with a login to the node's database but not its keys (ADR 0121): the outbox's
bodies are sealed at rest, but the row says whom a message is for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import VerificationError
from gsomia.exchange import outbox
from gsomia.exchange.outgoing import sealed_batch
from gsomia.node import at_rest
from gsomia.seal import cbor
from gsomia.seal.held import unqueued
from gsomia.seal.storage import seal_at_rest
from gsomia.store import marks
from gsomia.store.tables import outbox as outbox_table
from gsomia.store.tables import store_marks


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    cast = build_cast(tmp_path / "cast", ("KOR", "JPN", "USA"))
    yield cast
    for node in cast.nodes.values():
        node.engine.dispose()


def test_a_message_readdressed_in_the_database_is_not_sealed_for_its_new_peer(
    cast: Cast,
) -> None:
    """KOR released an item to JPN only; someone who can write KOR's database sets the row's
    peer to USA. The body opened under KOR's key whoever it was for, so the worker sealed the
    item for USA's node, which opened it (found by the attack)."""
    kor = cast["KOR"]
    item_id = cast.publish("KOR", "kim", content=b"track for JPN only")
    [outcome] = cast.release("KOR", "park", item_id)
    assert outcome.nation == "JPN"
    assert outcome.message_id
    with kor.engine.begin() as conn:
        conn.execute(
            update(outbox_table)
            .where(outbox_table.c.message_id == outcome.message_id)
            .values(peer="USA")
        )
    with kor.engine.begin() as conn:
        rows = [r for r in outbox.due(conn, kor.clock(), 100) if r.peer == "USA"]
    assert [r.message_id for r in rows] == [outcome.message_id]
    with pytest.raises(VerificationError):
        sealed_batch(kor.keys, "KOR", cast["USA"].card, rows, kor.clock())


def test_a_body_queued_before_peers_were_bound_is_bound_once_by_the_node(cast: Cast) -> None:
    kor = cast["KOR"]
    item_id = cast.publish("KOR", "kim", content=b"queued before the upgrade")
    [outcome] = cast.release("KOR", "park", item_id)
    assert outcome.message_id
    message_id = outcome.message_id
    with kor.engine.begin() as conn:
        [row] = [r for r in outbox.due(conn, kor.clock(), 100) if r.message_id == message_id]
        plain = unqueued(kor.keys, message_id, row.body, "JPN")
        legacy = seal_at_rest(
            kor.keys,
            cbor.dumps({
                "id": plain.id, "kind": plain.kind, "header": plain.header,
                "content": plain.content, "media_type": plain.media_type,
            }),
            f"outbox:{message_id}",
        )  # fmt: skip
        conn.execute(
            update(outbox_table).where(outbox_table.c.message_id == message_id).values(body=legacy)
        )
        conn.execute(store_marks.delete().where(store_marks.c.name == marks.OUTBOX_PEERS_BOUND))
    (kor.home.path / at_rest.PEERS_MARK_FILE).unlink()
    assert at_rest.bind_outbox_peers(kor.engine, kor.keys, kor.home.path, kor.clock) == 1
    assert at_rest.bind_outbox_peers(kor.engine, kor.keys, kor.home.path, kor.clock) == 0
    assert cast.deliver("KOR", "JPN") == 1
