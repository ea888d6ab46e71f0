"""token lifetime and scope

Revision ID: 0007
Revises: 0006

Tokens issued before keep a NULL expiry, which the core refuses (`may_use_token`): every
token in use before this revision stops working, and a new one must be issued.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=16), server_default="api", nullable=False)
        )
        batch_op.add_column(sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
