"""each holding keeps its STIX object, sealed under its data key, made once at receipt

Revision ID: 0025
Revises: 0024

Rows from before keep `stix` empty and are served as before, rebuilt from the envelope on
every read (ADR 0124); a re-marked holding's is emptied the same way.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("holdings") as batch:
        batch.add_column(sa.Column("stix", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Nothing is lost: every object kept here is rebuilt from the envelope it was made of.
    with op.batch_alter_table("holdings") as batch:
        batch.drop_column("stix")
