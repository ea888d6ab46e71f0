"""security representatives' visits (Art. 18, R38)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_visits",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("visiting_party", sa.String(length=8), nullable=False),
        sa.Column("host_party", sa.String(length=8), nullable=False),
        sa.Column("representatives", sa.JSON(), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("starts", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends", UTCDateTime(timezone=True), nullable=False),
        sa.Column("consultations", sa.JSON(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("findings_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_visits")),
    )


def downgrade() -> None:
    op.drop_table("security_visits")
