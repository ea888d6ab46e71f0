"""Contractor facilities, their inspections, staff and contracts, and what was released to
them (R33–R36). Rows hold markings and names; `gsomia.node.contractors` turns them into the
treaty's `Facility`, `Contract` and `StaffMember`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from gsomia.store.tables import (
    contractor_releases,
    contractor_staff,
    contracts,
    facilities,
    facility_inspections,
)


def _one(conn: Connection, query: Any) -> dict[str, Any] | None:
    found = conn.execute(query).first()
    return None if found is None else dict(found._mapping)


def add_facility(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(facilities.insert(), [dict(row)])


def facility(conn: Connection, facility_id: str) -> dict[str, Any] | None:
    return _one(conn, select(facilities).where(facilities.c.id == facility_id))


def all_facilities(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(facilities).order_by(facilities.c.id))]


def add_inspection(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(facility_inspections.insert(), [dict(row)])


def inspections(conn: Connection, facility_id: str) -> list[dict[str, Any]]:
    query = (
        select(facility_inspections)
        .where(facility_inspections.c.facility_id == facility_id)
        .order_by(facility_inspections.c.inspected_at)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def add_staff(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(contractor_staff.insert(), [dict(row)])


#: Asked once a request by every way out that decides many rows: built once (ADR 0137).
_STAFF_MEMBER = select(contractor_staff).where(contractor_staff.c.user_name == bindparam("name"))


def staff_member(conn: Connection, user_name: str) -> dict[str, Any] | None:
    """The register entry of `user_name`, if they work for a contractor facility."""
    found = conn.execute(_STAFF_MEMBER, {"name": user_name}).first()
    return None if found is None else dict(found._mapping)


def register(conn: Connection, facility_id: str) -> list[dict[str, Any]]:
    query = (
        select(contractor_staff)
        .where(contractor_staff.c.facility_id == facility_id)
        .order_by(contractor_staff.c.user_name)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def brief(conn: Connection, user_name: str, at: datetime) -> bool:
    """Record `user_name`'s briefing acknowledgement; False if they are on no register."""
    done = conn.execute(
        update(contractor_staff)
        .where(contractor_staff.c.user_name == user_name)
        .values(briefed_at=at)
    )
    return done.rowcount == 1


def add_contract(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(contracts.insert(), [dict(row)])


def contract(conn: Connection, contract_id: str) -> dict[str, Any] | None:
    return _one(conn, select(contracts).where(contracts.c.id == contract_id))


def contracts_of(conn: Connection, facility_id: str) -> list[dict[str, Any]]:
    query = select(contracts).where(contracts.c.facility_id == facility_id).order_by(contracts.c.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def record_assurance(conn: Connection, contract_id: str, **values: Any) -> None:
    conn.execute(update(contracts).where(contracts.c.id == contract_id).values(**values))


def add_release(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(contractor_releases.insert(), [dict(row)])


def released_under(conn: Connection, holding_id: str, facility_id: str) -> list[dict[str, Any]]:
    """The contracts of `facility_id` under which `holding_id` was released to it."""
    query = (
        select(contracts)
        .join(contractor_releases, contractor_releases.c.contract_id == contracts.c.id)
        .where(
            contractor_releases.c.holding_id == holding_id,
            contracts.c.facility_id == facility_id,
        )
        .order_by(contractor_releases.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
