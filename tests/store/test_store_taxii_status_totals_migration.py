"""Migration 0034 (ADR 0154): the statuses kept before it are counted and summed into the
totals row, so the first post after the upgrade checks its bound against what is there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import func, select, text

from gsomia.store import taxii_statuses
from gsomia.store.db import alembic_config, make_engine
from gsomia.store.tables import taxii_status_totals
from gsomia.store.tables import taxii_statuses as table
from gsomia.store.taxii_statuses import KeptStatus

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_the_statuses_kept_before_are_the_totals_after(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0033")
    sizes = [120, 4_000, 77]
    with engine.begin() as conn:
        for n, size in enumerate(sizes):
            conn.execute(
                text(
                    "INSERT INTO taxii_statuses (id, api_root, poster, created_at, size, body)"
                    " VALUES (:id, 'KOR-JPN-2016', 'sato', :t, :size, '{}')"
                ),
                {"id": f"s{n}", "t": NOW, "size": size},
            )
    command.upgrade(config, "head")
    with engine.begin() as conn:
        assert tuple(conn.execute(select(taxii_status_totals)).one()) == (1, 3, sum(sizes))
        taxii_statuses.add(conn, KeptStatus("s3", "KOR-JPN-2016", "sato", NOW, {"id": "s3"}))
        kept, size = conn.execute(
            select(taxii_status_totals.c.kept, taxii_status_totals.c.size)
        ).one()
        assert (kept, size) == conn.execute(select(func.count(), func.sum(table.c.size))).one()
    command.downgrade(config, "0033")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM taxii_statuses")).scalar_one() == 4
    engine.dispose()
