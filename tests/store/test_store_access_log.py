"""`access_log.add`: on SQLite it writes straight to the driver (ADR 0132); what it stores must
be what SQLAlchemy's own insert stores, read back the same, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from gsomia.store import access_log
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import access_log as table

AT = datetime(2026, 12, 3, 17, 25, 53, 973005, tzinfo=UTC)


def _row(subject: str, allowed: bool, index: int | None) -> dict[str, object]:
    return {
        "at": AT,
        "actor": "sato",
        "action": "read:taxii",
        "subject": subject,
        "allowed": allowed,
        "reason": "cleared, a need to know",
        "article": "Art. 7.1 R19",
        "log_index": index,
    }


def test_the_statement_names_every_column_but_the_id() -> None:
    assert set(access_log._ADDED) == {c.name for c in table.c} - {"id"}


def test_rows_added_are_stored_as_sqlalchemys_insert_stores_them(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    rows = [_row("h1", True, 7), _row("h2", False, None)]
    try:
        with engine.begin() as conn:
            access_log.add(conn, rows)
            conn.execute(table.insert(), [{**rows[0], "subject": "h3"}])
            access_log.add(conn, [])
        with engine.connect() as conn:
            found = access_log.about(conn, ["h1", "h2", "h3"], None)
            # As the driver hands it back: SQLite's text, PostgreSQL's instant.
            raw = conn.exec_driver_sql("SELECT subject, at FROM access_log").all()
            stored = {str(subject): at for subject, at in raw}
        assert [{k: r[k] for k in rows[0]} for r in found] == [*rows, {**rows[0], "subject": "h3"}]
        assert stored["h1"] == stored["h3"]  # the same text (SQLite) or instant (PostgreSQL)
        assert found[0]["at"].tzinfo is not None
    finally:
        engine.dispose()
