"""envelope v2: format columns on outbox and holdings; queued v1 messages rejected

Revision ID: 0005
Revises: 0004

Envelope v2 (ADR 0070) changes what an outbox row holds: the message sealed at rest under the
node's own key, sealed for the partner only when sent. A row queued in v1 holds an envelope
signed and sealed for v1, which no v2 partner accepts: it is settled here as rejected, with a
reason that says what to do, rather than retried forever. Held v1 envelopes (format 1) stay
readable: they open as before; new holdings are format 2.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

V1_QUEUED = (
    "sealed as envelope v1 before this node moved to envelope v2 (ADR 0070): "
    "no partner accepts it any more; release the item or send the message again"
)


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.Integer(), server_default="1", nullable=False))
    outbox = sa.table(
        "outbox",
        sa.column("state", sa.String()),
        sa.column("format", sa.Integer()),
        sa.column("last_error", sa.Text()),
        sa.column("next_attempt_at", sa.DateTime()),
        sa.column("settled_at", sa.DateTime()),
    )
    op.execute(
        outbox.update()
        .where(outbox.c.state == "queued", outbox.c.format == 1)
        .values(state="rejected", last_error=V1_QUEUED, settled_at=outbox.c.next_attempt_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.drop_column("format")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("format")
