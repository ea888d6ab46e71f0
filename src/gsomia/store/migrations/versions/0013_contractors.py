"""contractor facilities, inspections, staff, contracts and releases (R33-R36)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gsomia.store.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "facilities",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("clearance", sa.String(length=64), nullable=True),
        sa.Column("clearance_expires", sa.Date(), nullable=True),
        sa.Column("security_officer", sa.String(length=200), nullable=True),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
    )
    op.create_table(
        "facility_inspections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("inspected_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"],
            name=op.f("fk_facility_inspections_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_inspections")),
    )  # fmt: skip
    _index("facility_inspections", "facility_id")
    op.create_table(
        "contractor_staff",
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("briefed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"],
            name=op.f("fk_contractor_staff_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["user_name"], ["users.name"], name=op.f("fk_contractor_staff_user_name_users")
        ),
        sa.PrimaryKeyConstraint("user_name", name=op.f("pk_contractor_staff")),
    )  # fmt: skip
    _index("contractor_staff", "facility_id")
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("highest_level", sa.String(length=64), nullable=False),
        sa.Column("security_clause", sa.Text(), nullable=False),
        sa.Column("assurance_requested_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("assurance_given_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("assurance_reference", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_contracts_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    _index("contracts", "facility_id")
    op.create_table(
        "contractor_releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("holding_id", sa.String(length=64), nullable=False),
        sa.Column("released_by", sa.String(length=100), nullable=False),
        sa.Column("released_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"],
            name=op.f("fk_contractor_releases_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractor_releases")),
    )  # fmt: skip
    _index("contractor_releases", "contract_id")
    _index("contractor_releases", "holding_id")


def downgrade() -> None:
    for table in (
        "contractor_releases", "contracts", "contractor_staff", "facility_inspections",
        "facilities",
    ):  # fmt: skip
        op.drop_table(table)
