"""Administration from the command line reaches the log under its declared action and kind."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node.home import CARD, init_home, read_config
from gsomia.store.db import make_engine, migrate
from gsomia.store.merkle_log import log_leaves

PASSPHRASE = "passphrase-for-tests"


def _events(home: Path) -> list[LogEvent]:
    engine = make_engine(read_config(home).database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(log_leaves.c.entry).order_by(log_leaves.c.idx)).scalars()
        events = [LogEvent.decode(r) for r in rows]
    engine.dispose()
    return events


def test_user_and_peer_administration_is_logged(tmp_path: Path) -> None:
    home = tmp_path / "kor"
    init_home(home, "KOR", "ROK MND", PASSPHRASE)
    init_home(tmp_path / "jpn", "JPN", "JMOD", PASSPHRASE)
    engine = make_engine(read_config(home).database_url)
    migrate(engine)
    engine.dispose()
    where = ["--home", str(home)]
    person = ["--nationality", "KOR", "--clearance", "군사II급비밀", "--role", "analyst"]
    person += ["--clearance-expires", "2030-01-01", "--community", "x"]
    commands = [
        ["user", "add", *where, "lee", *person],
        ["user", "token", *where, "lee"],
        ["peer", "add", *where, str(tmp_path / "jpn" / CARD), "--endpoint", "https://jpn:8401"],
    ]
    for command in commands:
        result = CliRunner().invoke(app, command, env={"GSOMIA_PASSPHRASE": PASSPHRASE})
        assert result.exit_code == 0, result.output
    logged = [(e.kind, e.body["action"], e.subjects) for e in _events(home)]
    assert logged == [
        (EventKind.USER_ADMIN, "user:add", ("lee",)),
        (EventKind.KEY_ADMIN, "user:token", ("lee",)),
        (EventKind.KEY_ADMIN, "peer:add", ("JPN",)),
    ]
