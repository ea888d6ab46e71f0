"""disposals: each holding and copy disposed of, the witness a row put back contradicts

Revision ID: 0029
Revises: 0028

A holding or copy emptied (destroyed or returned) leaves a `disposals` row, written in the
same transaction and never changed: a row of `holdings` or `copies` written back whole from
before its disposal (a backup, a dump) reads as held again while this says otherwise, and is
damage (ADR 0139). The rows already disposed of are recorded as their state says.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disposals",
        sa.Column("subject_kind", sa.String(16), primary_key=True),
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
    )
    for kind, table in (("holding", "holdings"), ("copy", "copies")):
        op.execute(
            f"INSERT INTO disposals (subject_kind, subject_id, state) "  # noqa: S608 - constants
            f"SELECT '{kind}', id, state FROM {table} WHERE state IN ('destroyed', 'returned')"
        )


def downgrade() -> None:
    op.drop_table("disposals")
