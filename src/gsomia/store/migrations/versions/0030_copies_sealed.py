"""copies.terms and holdings.copies_made: a copy's marking sealed, the copies made counted

Revision ID: 0030
Revises: 0029

A copy's level, label and the rest of its columns stay in clear and are sealed beside them in
`terms`, under the copy's metadata key; a holding counts the copies and translations ever made
in `copies_made`, sealed in its own terms, so a copy row deleted frees no slot under the
originator's limit (ADR 0140). A migration cannot seal (the key is under the passphrase): the
node seals what rows from before say once, after this revision, in `Node.migrate`
(`node.at_rest.bind_copies`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("copies") as batch:
        batch.add_column(sa.Column("terms", sa.Text(), nullable=True))
    with op.batch_alter_table("holdings") as batch:
        batch.add_column(sa.Column("copies_made", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # The node's one pass seals nothing twice: a copy upgraded again without its terms would be
    # damage. Refuse once the node has bound any copy, rather than leave one behind.
    bind = op.get_bind()
    marked = bind.execute(
        sa.text("SELECT count(*) FROM store_marks WHERE name = 'copies_bound'")
    ).scalar_one()
    kept = bind.execute(sa.text("SELECT count(*) FROM copies")).scalar_one()
    if marked and kept:
        raise RuntimeError(
            "copies are sealed with their markings and holdings count their copies (ADR 0140);"
            " an older version cannot keep them: restore the backup taken before 0030"
        )
    with op.batch_alter_table("holdings") as batch:
        batch.drop_column("copies_made")
    with op.batch_alter_table("copies") as batch:
        batch.drop_column("terms")
