"""taxii status totals: the statuses' count and size kept in one row beside them

Revision ID: 0034
Revises: 0033

A TAXII post checked the statuses' bounds by counting and summing every kept status, a
thousand rows read on every post (a tenth of a single-object POST's time, py-spy, ADR 0154).
The totals are now kept in one row, moved in the post's own transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taxii_status_totals",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_status_totals")),
    )
    op.execute(
        "INSERT INTO taxii_status_totals (id, kept, size) "
        "SELECT 1, count(*), coalesce(sum(size), 0) FROM taxii_statuses"
    )


def downgrade() -> None:
    op.drop_table("taxii_status_totals")
