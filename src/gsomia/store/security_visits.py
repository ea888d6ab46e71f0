"""Security representatives' visits (Art. 18, R38), and what the host's report of protection
reads: the visiting party's holdings, the decisions logged about them, their destructions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from gsomia.seal.at_rest import Vault
from gsomia.store import holdings
from gsomia.store.tables import access_log, security_visits


def add(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(security_visits.insert(), [dict(row)])


def get(conn: Connection, visit_id: str) -> dict[str, Any] | None:
    found = conn.execute(select(security_visits).where(security_visits.c.id == visit_id)).first()
    return None if found is None else dict(found._mapping)


def listed(conn: Connection) -> list[dict[str, Any]]:
    query = select(security_visits).order_by(security_visits.c.starts.desc())
    return [dict(r._mapping) for r in conn.execute(query)]


def set_consultations(conn: Connection, visit_id: str, consultations: Mapping[str, Any]) -> None:
    conn.execute(
        update(security_visits)
        .where(security_visits.c.id == visit_id)
        .values(consultations=dict(consultations))
    )


def set_findings(conn: Connection, visit_id: str, findings: str, at: datetime) -> bool:
    """Record the findings once; False if the visit has them already."""
    done = conn.execute(
        update(security_visits)
        .where(security_visits.c.id == visit_id, security_visits.c.findings == "")
        .values(findings=findings, findings_at=at)
    )
    return done.rowcount == 1


def holdings_from(conn: Connection, originator: str, vault: Vault) -> list[dict[str, Any]]:
    """The inventory of what `originator` provided: ids, marking, state and dates, no titles;
    each checked against what seals it (a state or marking changed in the database is
    `StoreDamaged`, never reported to the visiting party as the node's, ADR 0134)."""
    return [
        {
            "id": record.id,
            "item_id": record.item_id,
            "local_level": record.local_level,
            "state": record.state,
            "received_at": record.received_at,
            "agreement_id": record.agreement_id,
        }
        for record in holdings.of_originator(conn, originator, vault)
    ]


def decisions_about(conn: Connection, subjects: Sequence[str]) -> dict[str, dict[str, int]]:
    """How many decisions the log lists about each of `subjects`, allowed and refused."""
    counts: dict[str, dict[str, int]] = {s: {"allowed": 0, "refused": 0} for s in subjects}
    if not subjects:
        return counts
    query = (
        select(access_log.c.subject, access_log.c.allowed, func.count())
        .where(access_log.c.subject.in_(list(subjects)))
        .group_by(access_log.c.subject, access_log.c.allowed)
    )
    for subject, allowed, n in conn.execute(query):
        counts[subject]["allowed" if allowed else "refused"] += int(n)
    return counts
