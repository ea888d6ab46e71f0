"""users.terms: a person's clearance, nationality, roles and need-to-know sealed beside them

Revision ID: 0031
Revises: 0030

What decides a person's access (nationality, clearance and its expiry, communities, roles,
register, categories, language, disabled) stays in clear and is sealed beside it in `terms`,
under a metadata key of the person's name, so a writer of the database without the key cannot
raise a clearance or swap two people's rows unseen (ADR 0146). A migration cannot seal: the
node seals what rows from before say once, after this revision (`node.at_rest.bind_users`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("terms", sa.Text(), nullable=True))


def downgrade() -> None:
    # Upgraded again, a person without terms would be damage: refuse once any is bound.
    bind = op.get_bind()
    marked = bind.execute(
        sa.text("SELECT count(*) FROM store_marks WHERE name = 'users_bound'")
    ).scalar_one()
    kept = bind.execute(sa.text("SELECT count(*) FROM users")).scalar_one()
    if marked and kept:
        raise RuntimeError(
            "people are sealed with their clearances (ADR 0146); an older version cannot keep"
            " them: restore the backup taken before 0031"
        )
    # Not a batch: SQLite would copy the table, and the rows naming people (tokens, items)
    # refuse its drop. DROP COLUMN is native from SQLite 3.35 and on PostgreSQL.
    op.drop_column("users", "terms")
