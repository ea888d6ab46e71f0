"""lists read in index order: items and holdings by their sort keys

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_items_listed": ("items", ["created_at", "id"]),
    "ix_items_state_listed": ("items", ["state", "created_at", "id"]),
    "ix_holdings_listed": ("holdings", ["received_at", "id"]),
    "ix_holdings_precedence_listed": ("holdings", ["precedence", "received_at", "id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
