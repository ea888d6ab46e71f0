"""A consistent copy of the node's database while it runs, and its return into a new one.

SQLite: the online backup API (`sqlite3.Connection.backup`), page by page under a read
transaction, so writers carry on and the copy is one moment's database. PostgreSQL:
`pg_dump --format=custom` and `pg_restore`, the tools its operators already trust.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from gsomia.errors import Unavailable, UsageError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def kind_of(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in (SQLITE, POSTGRESQL):
        raise UsageError(f"cannot back up a {name} database")
    return name


def take(engine: Engine, dest: Path) -> str:
    """Write a snapshot of `engine`'s database to `dest`; its kind (sqlite or postgresql)."""
    kind = kind_of(engine)
    if kind == SQLITE:
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with sqlite3.connect(dest) as copy:
                source.backup(copy)
            copy.close()
        finally:
            raw.close()
    else:
        url = engine.url
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={dest}", _libpq(url),
             password=url.password)  # fmt: skip
    return kind


def put(kind: str, source: Path, url: str) -> None:
    """Load the snapshot `source` (of `kind`) as the database at `url`, which must be new:
    no SQLite file there yet, or an empty PostgreSQL database."""
    target = make_url(url)
    if kind == SQLITE:
        if target.get_backend_name() != SQLITE or not target.database:
            raise UsageError("a SQLite backup restores into a SQLite file")
        path = Path(target.database)
        if path.exists():
            raise UsageError(f"{path} exists: restore into a new database")
        shutil.copyfile(source, path)
        path.chmod(0o600)
        return
    if target.get_backend_name() != POSTGRESQL:
        raise UsageError("a PostgreSQL backup restores into PostgreSQL: give --database URL")
    _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(target)}",
         str(source), password=target.password)  # fmt: skip


def _libpq(url: URL) -> str:
    """`url` as libpq takes it, without its password (given in PGPASSWORD, not on the command
    line, where any process could read it)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(tool: str, *args: str, password: str | None = None) -> None:
    if shutil.which(tool) is None:
        raise Unavailable(
            f"{tool} is not installed", hint="install PostgreSQL's client tools (postgresql-client)"
        )
    env = os.environ | ({"PGPASSWORD": password} if password else {})
    done = subprocess.run(  # noqa: S603 - a fixed tool, arguments not through a shell
        [tool, *args], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise Unavailable(f"{tool} failed: {first}")
