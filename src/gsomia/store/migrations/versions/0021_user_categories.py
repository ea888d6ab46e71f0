"""users hold SPIF security categories

Revision ID: 0021
Revises: 0020

A label's restrictive and permissive categories (beyond gsomia's own) take part in the
access decision: a reader holds every restrictive value and one of each permissive category
(ADR 0104). Each user's held categories, "tag set=value", none for the users there are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("categories", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("categories")
