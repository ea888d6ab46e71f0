"""shared buckets: a partner's FLASH budget kept once for all the node's processes

Revision ID: 0024
Revises: 0023

The budget was kept in each serving process's memory, so `serve --workers N` gave a partner N
times its FLASH budget (ADR 0127). A row per (kind, holder), replaced turn by turn.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_buckets",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("over", sa.Boolean(), nullable=False),
        sa.Column("turn", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "holder", name=op.f("pk_shared_buckets")),
    )


def downgrade() -> None:
    op.drop_table("shared_buckets")  # a budget's memory, not a record
