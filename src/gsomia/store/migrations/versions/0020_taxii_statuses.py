"""taxii statuses: a TAXII post's status kept in the database

Revision ID: 0020
Revises: 0019

Statuses were kept in the node's memory and lost on a restart; a tool that posted and polled
`GET …/status/{id}/` across one got 404 for a post that was taken in (ADR 0118).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taxii_statuses",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("api_root", sa.String(length=64), nullable=False),
        sa.Column("poster", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_taxii_statuses")),
        sa.UniqueConstraint("id", name=op.f("uq_taxii_statuses_id")),
    )


def downgrade() -> None:
    op.drop_table("taxii_statuses")
