"""The statuses of TAXII posts are bounded (ADR 0118): past `KEPT` the oldest go, past
`KEPT_BYTES` together the oldest go until the rest fit; the newest is always kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from tests.store.store_fixtures import NOW

from gsomia.store import taxii_statuses
from gsomia.store.tables import taxii_statuses as table
from gsomia.store.taxii_statuses import KeptStatus


def _status(n: int, padding: int = 0) -> KeptStatus:
    body = {"id": f"s{n}", "status": "complete", "padding": "x" * padding}
    return KeptStatus(f"s{n}", "KOR-JPN-2016", "sato", NOW + timedelta(seconds=n), body)


def _kept(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(table.c.id).order_by(table.c.seq)).scalars())


def test_past_the_count_the_oldest_go(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(taxii_statuses, "KEPT", 5)
    with engine.begin() as conn:
        for n in range(8):
            taxii_statuses.add(conn, _status(n))
    assert _kept(engine) == [f"s{n}" for n in range(3, 8)]
    with engine.connect() as conn:
        found = taxii_statuses.get(conn, "s7")
        assert found is not None
        assert found.body["id"] == "s7"
        assert taxii_statuses.get(conn, "s2") is None


def test_past_the_bytes_the_oldest_go_until_the_rest_fit(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(taxii_statuses, "KEPT_BYTES", 3000)
    with engine.begin() as conn:
        for n in range(6):
            taxii_statuses.add(conn, _status(n, padding=900))
        total = conn.execute(select(func.sum(table.c.size))).scalar_one()
    assert _kept(engine) == ["s3", "s4", "s5"]
    assert total <= 3000
