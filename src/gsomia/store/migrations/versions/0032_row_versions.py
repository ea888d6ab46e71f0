"""row_versions: the version of each holding and case changed since written, its second witness

Revision ID: 0032
Revises: 0031

Each change the node seals into a holding's terms, or a case's document, also seals the row's
next version and writes it here in the same transaction; every read compares the two, so a
row put back whole from before a re-marking or an answer is damage (ADR 0146). A row never
changed has version 0 and no row here: nothing to seal again for rows from before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "row_versions",
        sa.Column("subject_kind", sa.String(16), primary_key=True),
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    # Rows sealed at a version above 0 would not open as an older version seals them.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM row_versions")).scalar_one():
        raise RuntimeError(
            "holdings and cases are sealed with their versions (ADR 0146); an older version"
            " cannot read them: restore the backup taken before 0032"
        )
    op.drop_table("row_versions")
