"""the card that verified a holding stored once, not with every holding

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _digest(card: dict[str, Any]) -> str:
    # As `gsomia.store.holdings.card_digest` (a migration keeps its own copy).
    canonical = json.dumps(card, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def upgrade() -> None:
    cards = op.create_table(
        "held_cards",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_held_cards")),
    )
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_card_digest", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    holdings = sa.table(
        "holdings",
        sa.column("id", sa.String),
        sa.column("sender_card", sa.JSON),
        sa.column("sender_card_digest", sa.String),
    )
    seen: set[str] = set()
    for holding_id, card in conn.execute(sa.select(holdings.c.id, holdings.c.sender_card)).all():
        digest = _digest(card)
        if digest not in seen:
            conn.execute(cards.insert().values(digest=digest, card=card))
            seen.add(digest)
        conn.execute(
            holdings.update().where(holdings.c.id == holding_id).values(sender_card_digest=digest)
        )
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.alter_column("sender_card_digest", nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_holdings_sender_card_digest_held_cards"),
            "held_cards",
            ["sender_card_digest"],
            ["digest"],
        )
        batch_op.drop_column("sender_card")


def downgrade() -> None:
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_card", sa.JSON(), nullable=True))
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE holdings SET sender_card = (SELECT card FROM held_cards"
            " WHERE held_cards.digest = holdings.sender_card_digest)"
        )
    )
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.alter_column("sender_card", nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_holdings_sender_card_digest_held_cards"), type_="foreignkey"
        )
        batch_op.drop_column("sender_card_digest")
    op.drop_table("held_cards")
