"""What a contractor's staff may do with a holding, beyond their own access decision (R33–R36).

A person on a contractor facility's register reads, copies and translates through the same use
cases as a government reader (R36: the same rules, Art. 16(k)–(o)); each of those asks here
too, after its own decision allowed, so a contractor's staff read only what was released to
their facility under a contract that still holds, for its purpose, once briefed. Everyone else
gets None: nothing here applies to them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Error, InputError
from gsomia.node.runtime import Node
from gsomia.store import contractors as stored
from gsomia.store import holdings
from gsomia.store.holdings import HoldingRecord
from gsomia.treaty.contractors import (
    ARTICLE,
    Contract,
    Facility,
    StaffMember,
    may_contractor_read,
)
from gsomia.treaty.decision import Decision


def end_of(day: Any) -> datetime | None:
    """A clearance valid through `day`: until the start of the next day, UTC."""
    return None if day is None else datetime.combine(day + timedelta(days=1), time.min, UTC)


def facility_of(node: Node, conn: Connection, facility_id: str) -> Facility:
    """The facility as the treaty sees it: its clearance, officer, register and inspections."""
    row = stored.facility(conn, facility_id)
    if row is None:
        raise InputError(f"no contractor facility {facility_id!r}")
    scheme = node.scheme()
    return Facility(
        id=row["id"],
        name=row["name"],
        nation=node.nation,
        clearance=scheme.parse(row["clearance"]) if row["clearance"] else None,
        clearance_expires=end_of(row["clearance_expires"]) if row["clearance"] else None,
        security_officer=row["security_officer"],
        register=frozenset(s["user_name"] for s in stored.register(conn, facility_id)),
        inspections=tuple(i["inspected_at"] for i in stored.inspections(conn, facility_id)),
        parent=row["parent_id"],
    )


def contract_of(node: Node, row: dict[str, Any]) -> Contract:
    return Contract(
        id=row["id"],
        facility_id=row["facility_id"],
        partner=row["partner"],
        purpose=row["purpose"],
        highest_level=node.scheme().parse(row["highest_level"]),
        security_clause=row["security_clause"],
        assurance_given_at=row["assurance_given_at"],
    )


def works_for_a_contractor(node: Node, user_name: str) -> bool:
    """Whether `user_name` is on a contractor facility's register: asked once per request by
    the ways out that decide many rows (lists, TAXII, STIX), so only they pay per row."""
    with node.reader.connect() as conn:
        return stored.staff_member(conn, user_name) is not None


def contractor_decision(
    node: Node, user_name: str, record: HoldingRecord, now: datetime
) -> Decision | None:
    """None unless `user_name` works for a contractor; else whether their facility and a
    contract it holds the holding under let them have it now (R33–R35). Anything that cannot
    be read back is a denial (fail closed)."""
    with node.reader.connect() as conn:
        entry = stored.staff_member(conn, user_name)
        if entry is None:
            return None
        try:
            facility = facility_of(node, conn, entry["facility_id"])
            contracts = [
                contract_of(node, r)
                for r in stored.released_under(conn, record.id, entry["facility_id"])
            ]
            level = holdings.to_holding(record, node.schemes, node.nation).level
            interval = timedelta(
                days=node.agreement(record.agreement_id).contractor_inspection_days
            )
        except Error as error:
            return Decision.deny(
                f"{user_name}'s contractor record: {error.message}", ARTICLE, "R33"
            )
    staff = StaffMember(user_name, entry["facility_id"], entry["briefed_at"])
    under: list[Contract | None] = [*contracts] or [None]
    decisions = [
        may_contractor_read(
            staff,
            facility,
            contract,
            level=level,
            purpose=record.purpose,
            partner=record.originator,
            now=now,
            inspection_interval=interval,
        )
        for contract in under
    ]
    return next((d for d in decisions if d.allowed), decisions[0])
