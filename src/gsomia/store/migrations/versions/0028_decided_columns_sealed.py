"""holdings.terms: the clear columns a decision takes, sealed; cases bound to their columns

Revision ID: 0028
Revises: 0027

A holding's item, originator, sender, agreement, precedence, state, consent and approved
purposes stay in clear (lists and TAXII collections filter on them) and are sealed beside
them in `terms`, under the holding's metadata key, where each is decided; a case's document
is sealed bound to its status and the other clear columns the workflows take (ADR 0134). A
migration cannot seal (the key is under the passphrase): the node seals what rows from
before say once, after this revision, in `Node.migrate` (`node.at_rest.bind_decided_columns`).
The revision also makes an upgrade from before it back up first (ADR 0094).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("holdings") as batch:
        batch.add_column(sa.Column("terms", sa.Text(), nullable=True))


def downgrade() -> None:
    # An older version opens cases under their id and kind alone; and the node's one pass
    # seals nothing twice, so a holding upgraded again without its terms would be damage:
    # refuse once the node has bound any row, rather than leave either behind.
    bind = op.get_bind()
    marked = bind.execute(
        sa.text("SELECT count(*) FROM store_marks WHERE name = 'decided_columns_bound'")
    ).scalar_one()
    kept = bind.execute(
        sa.text("SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM holdings)")
    ).scalar_one()
    if marked and kept:
        raise RuntimeError(
            "holdings and cases are sealed with the columns decisions take (ADR 0134); an"
            " older version cannot read them: restore the backup taken before 0028"
        )
    with op.batch_alter_table("holdings") as batch:
        batch.drop_column("terms")
