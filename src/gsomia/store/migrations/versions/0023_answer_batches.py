"""the head and JWS an answer batch shares stored once, not in every outbox row

Revision ID: 0023
Revises: 0022

Rows settled before keep their whole answer (head and JWS inside) and read as before; rows
settled from now on name their batch in `answer_batch` (ADR 0097).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_batches",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_answer_batches")),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("answer_batch", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_outbox_answer_batch_answer_batches"),
            "answer_batches",
            ["answer_batch"],
            ["digest"],
        )


def downgrade() -> None:
    # The shared part could go back into each row only through the node's keys (it is sealed
    # at rest, and the rows' own parts with it): refuse rather than drop what proves delivery.
    named = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM outbox WHERE answer_batch IS NOT NULL"))
        .scalar_one()
    )
    if named:
        raise RuntimeError(
            f"{named} outbox answers keep their batch's signed head in answer_batches; "
            "downgrading would lose that evidence: restore the backup taken before 0023"
        )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_answer_batch_answer_batches", type_="foreignkey")
        batch.drop_column("answer_batch")
    op.drop_table("answer_batches")
