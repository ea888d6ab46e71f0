"""items sealed at rest under their own data keys

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
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
