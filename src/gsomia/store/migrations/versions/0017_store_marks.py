"""marks of one-time steps: rows sealed at rest, a cosigned checkpoint seen

Revision ID: 0017
Revises: 0016

Rows kept in clear from before ADR 0075 are sealed by the node itself when it next migrates
(`gsomia.node.at_rest`): it holds the key, a migration does not (ADR 0088).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_marks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_marks")),
    )


def downgrade() -> None:
    op.drop_table("store_marks")
