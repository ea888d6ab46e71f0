"""outbox claims: which delivery process holds a row, and until when

Revision ID: 0019
Revises: 0018

Several delivery processes on one PostgreSQL claim rows with `FOR UPDATE SKIP LOCKED` and
mark them with a lease; a killed process's claim lapses when its lease does (ADR 0111).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
