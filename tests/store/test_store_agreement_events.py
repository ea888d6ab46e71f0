"""Recorded steps of agreements in the store, on SQLite and PostgreSQL, in the order recorded."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from tests.store.store_fixtures import NOW, later

from gsomia.store import agreement_events
from gsomia.store.agreement_events import AgreementEventRecord
from gsomia.treaty.lifecycle import Event, EventKind

NOTICE = Event(EventKind.TERMINATION_NOTICE, date(2026, 11, 1), "note 1", party="KOR")
WITHDRAWN = Event(EventKind.NOTICE_WITHDRAWN, date(2026, 11, 20), "note 2", party="KOR")


def test_steps_read_back_in_the_order_recorded(engine: Engine) -> None:
    ours = AgreementEventRecord("KOR-JPN-2016", NOTICE, "KOR", NOW)
    theirs = AgreementEventRecord("KOR-USA-2020", NOTICE, "USA", later(1), "eyJ...signed")
    last = AgreementEventRecord("KOR-JPN-2016", WITHDRAWN, "KOR", later(2))
    with engine.begin() as conn:
        agreement_events.add_all(conn, [ours, theirs])
        agreement_events.add_all(conn, [])
        agreement_events.add_all(conn, [last])
    with engine.connect() as conn:
        assert agreement_events.recorded(conn) == [ours, theirs, last]
