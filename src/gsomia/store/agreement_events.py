"""The steps of agreements' lifecycles recorded since they shipped, by either party (R41–R45).

An agreement as this node knows it is its shipped history plus these steps, in the order they
were recorded (`gsomia.node.runtime.Node.agreement`). A step this node's officer recorded has
no signature; one a partner sent keeps the partner's signed message as evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from gsomia.store.tables import agreement_events
from gsomia.treaty.lifecycle import Event
from gsomia.treaty.records import event_from_json, event_to_json


@dataclass(frozen=True)
class AgreementEventRecord:
    """One recorded step of an agreement: the event, who recorded or sent it, and when."""

    agreement_id: str
    event: Event
    source_nation: str
    recorded_at: datetime
    signature: str | None = field(default=None, repr=False)  # the partner's signed message


def _record(row: Row[Any]) -> AgreementEventRecord:
    m = row._mapping
    return AgreementEventRecord(
        agreement_id=m["agreement_id"],
        event=event_from_json(m["event"]),
        source_nation=m["source_nation"],
        recorded_at=m["recorded_at"],
        signature=m["signature"],
    )


def recorded(conn: Connection) -> list[AgreementEventRecord]:
    """Every recorded step of every agreement, in the order recorded."""
    rows = conn.execute(select(agreement_events).order_by(agreement_events.c.id))
    return [_record(row) for row in rows]


def generation(conn: Connection) -> tuple[int, int | None]:
    """How many steps are recorded and the newest's id: what a running node compares to see
    that another process (`gsomia agreement …`) recorded one."""
    count, newest = conn.execute(
        select(func.count(), func.max(agreement_events.c.id)).select_from(agreement_events)
    ).one()
    return int(count), newest


def add_all(conn: Connection, records: Sequence[AgreementEventRecord]) -> None:
    """Record `records`, in order, in one statement."""
    if records:
        conn.execute(
            agreement_events.insert(),
            [
                {
                    "agreement_id": r.agreement_id,
                    "event": event_to_json(r.event),
                    "source_nation": r.source_nation,
                    "signature": r.signature,
                    "recorded_at": r.recorded_at,
                }
                for r in records
            ],
        )
