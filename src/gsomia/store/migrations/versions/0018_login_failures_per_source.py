"""login failures counted per name and source address

Revision ID: 0018
Revises: 0017

The failures counted so far (per name alone) are dropped: they are a back-off's memory, not a
record, and a name locked by someone else's failures is what this revision ends (ADR 0089).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _table(*, per_source: bool) -> None:
    columns = [sa.Column("name", sa.String(length=100), nullable=False)]
    if per_source:
        columns.append(sa.Column("source", sa.String(length=64), nullable=False))
    op.create_table(
        "login_failures",
        *columns,
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "name", *(["source"] if per_source else []), name=op.f("pk_login_failures")
        ),
    )


def upgrade() -> None:
    op.drop_table("login_failures")
    _table(per_source=True)


def downgrade() -> None:
    op.drop_table("login_failures")
    _table(per_source=False)
