"""holdings indexed as TAXII collections: (agreement, purpose, received, id)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_holdings_collection",
        "holdings",
        ["agreement_id", "purpose", "received_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_holdings_collection", table_name="holdings")
