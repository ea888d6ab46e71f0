"""cases' documents sealed at rest (no change of columns: a step the node takes after)

Revision ID: 0026
Revises: 0025

The treaty core's state of each case (`cases.document`) is sealed under the node's storage
key from now on (ADR 0126). A migration cannot seal (the key is under the passphrase): the
node seals the documents kept in clear once, after this revision, in `Node.migrate`
(`node.at_rest.seal_clear_cases`). The revision exists so that an upgrade from before it is
backed up first (ADR 0094) before the node rewrites every case's document.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    # An older version reads the documents in clear; only the node's keys open them: refuse
    # rather than leave it cases it cannot read.
    bind = op.get_bind()
    marked = bind.execute(
        sa.text("SELECT count(*) FROM store_marks WHERE name = 'cases_sealed'")
    ).scalar_one()
    kept = bind.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
    if marked and kept:  # no case, nothing an older version could not read
        raise RuntimeError(
            "the cases' documents are sealed at rest (ADR 0126); an older version cannot read"
            " them: restore the backup taken before 0026"
        )
