"""kept STIX objects sealed before they were bound to their labels are dropped

Revision ID: 0027
Revises: 0026

A kept object is now sealed for its column and the digest of both labels it carries (ADR
0124, 0129); one sealed for the column alone would not open. Each is rebuilt from its
envelope on every read, as a row from before 0025 is: nothing is lost.
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE holdings SET stix = NULL WHERE stix IS NOT NULL")


def downgrade() -> None:
    pass  # nothing to put back: the objects are rebuilt from the envelopes
