"""partners' key rotations: each card a partner's rotation statement replaced

Revision ID: 0022
Revises: 0021

A partner that rotates its keys sends its new card signed by the old keys (ADR 0093); the
pinned card is replaced, and the old one is kept here with the statement, so what the partner
signed under it (bindings, consents) stays verifiable.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peer_rotations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nation", sa.String(length=4), nullable=False),
        sa.Column("old_fingerprint", sa.String(length=128), nullable=False),
        sa.Column("new_fingerprint", sa.String(length=128), nullable=False),
        sa.Column("old_card", sa.JSON(), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("rotated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_rotations")),
        sa.UniqueConstraint("old_fingerprint", name=op.f("uq_peer_rotations_old_fingerprint")),
    )
    op.create_index(op.f("ix_peer_rotations_nation"), "peer_rotations", ["nation"])


def downgrade() -> None:
    op.drop_index(op.f("ix_peer_rotations_nation"), table_name="peer_rotations")
    op.drop_table("peer_rotations")
