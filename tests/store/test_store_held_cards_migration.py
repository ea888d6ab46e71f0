"""Migration 0016 (ADR 0096): each holding's copy of the card that verified it moves into
`held_cards`, stored once per distinct card; every holding reads its own card back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from gsomia.store import holdings
from gsomia.store.db import alembic_config, make_engine
from gsomia.store.tables import held_cards
from gsomia.store.tables import holdings as holdings_table

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KOR, USA = {"nation": "KOR", "keys": "k1"}, {"nation": "USA", "keys": "u1"}


def test_each_card_moves_once_and_every_holding_keeps_its_own(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0015")
    with engine.begin() as conn:
        for n, card in enumerate((KOR, KOR, USA, KOR)):
            conn.execute(
                text(
                    "INSERT INTO holdings (id, envelope_id, item_id, originator, sender,"
                    " agreement_id, agreement_version, title, original_label, local_label,"
                    " local_level, purpose, precedence, media_type, envelope, format,"
                    " sender_card, received_at, state, approved_purposes) VALUES (:id, :e, :i,"
                    " 'KOR', 'KOR', 'KOR-JPN-2016', 1, 't', '{}', '{}', '極秘', 'p', 'ROUTINE',"
                    " 'text/plain', :b, 1, :card, :t, 'held', '[]')"
                ),
                {"id": f"h{n}", "e": f"e{n}", "i": f"i{n}", "b": b"x", "t": NOW,
                 "card": json.dumps(card)},
            )  # fmt: skip
    command.upgrade(config, "head")
    with engine.connect() as conn:
        cards = {row.digest: row.card for row in conn.execute(select(held_cards))}
        kept = dict(
            conn.execute(select(holdings_table.c.id, holdings_table.c.sender_card_digest)).all()
        )
        assert sorted(cards.values(), key=json.dumps) == sorted([KOR, USA], key=json.dumps)
        assert {h: cards[d] for h, d in kept.items()} == {
            "h0": KOR,
            "h1": KOR,
            "h2": USA,
            "h3": KOR,
        }
        assert kept["h0"] == holdings.card_digest(KOR)  # the name new rows are stored under
        columns = {c[1] for c in conn.exec_driver_sql("PRAGMA table_info(holdings)")}
        assert "sender_card" not in columns
    command.downgrade(config, "0015")
    with engine.connect() as conn:
        back: dict[str, str] = dict(
            conn.exec_driver_sql("SELECT id, sender_card FROM holdings").all()
        )
        assert {h: json.loads(c) for h, c in back.items()} == {
            "h0": KOR,
            "h1": KOR,
            "h2": USA,
            "h3": KOR,
        }
    engine.dispose()
