"""items sealed at rest under their own data keys

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before keep NULL and their values in clear: sealing them needs the node's
    # key, which a migration does not have (ADR 0075).
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_key", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("data_key")
