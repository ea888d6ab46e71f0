"""Seals beside what authenticates a person: a token, a password's verifier, a web session

Revision ID: 0033
Revises: 0032

Each `api_tokens` and `web_sessions` row, and each person's `password_hash`, carries an HMAC
under a key derived from the KEK over the columns that say whose it is and whether it stands,
so a writer of the database without the key inserts or edits none unseen (ADR 0150). A
migration cannot seal: the node seals the rows from before once, after this revision
(`node.at_rest.bind_credentials`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_seal", sa.String(64), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("seal", sa.String(64), nullable=True))
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("seal", sa.String(64), nullable=True))


def downgrade() -> None:
    # Upgraded again, a token or session without a seal would be damage: refuse once bound.
    bind = op.get_bind()
    marked = bind.execute(
        sa.text("SELECT count(*) FROM store_marks WHERE name = 'credentials_bound'")
    ).scalar_one()
    kept = bind.execute(sa.text("SELECT count(*) FROM users")).scalar_one()
    if marked and kept:
        raise RuntimeError(
            "tokens, passwords and sessions are sealed (ADR 0150); an older version cannot"
            " keep them: restore the backup taken before 0033"
        )
    # Not a batch (see 0031): DROP COLUMN is native from SQLite 3.35 and on PostgreSQL.
    op.drop_column("web_sessions", "seal")
    op.drop_column("api_tokens", "seal")
    op.drop_column("users", "password_seal")
