"""A node's database opened on its own machine without its keys: the operator's console.

Registering people, issuing tokens, setting passwords, listing partners and checking the log
need the database and public material only, so `gsomia user`, `gsomia peer list` and
`gsomia audit` run without the key passphrase. `Database` is what those use cases ask of
either door: a running `Node` or a `NodeDatabase` opened here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from gsomia.errors import Unavailable
from gsomia.node.home import NodeConfig, read_config
from gsomia.node.runtime import utcnow
from gsomia.store.db import make_engine, migrate, ping, reader
from gsomia.treaty.schemes import Scheme, SchemeRegistry, load_schemes

log = logging.getLogger("gsomia.node")


class Database(Protocol):
    """What a use case of the console needs: the node's nation, database, clock and scheme."""

    @property
    def nation(self) -> str: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def reader(self) -> Engine: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    def scheme(self, day: date | None = None) -> Scheme: ...


@dataclass(frozen=True)
class NodeDatabase:
    """The database of the node home at `home`, with its configuration; no keys."""

    home: Path
    config: NodeConfig
    engine: Engine
    clock: Callable[[], datetime] = utcnow
    schemes: SchemeRegistry = field(default_factory=load_schemes)

    @property
    def nation(self) -> str:
        return self.config.nation

    @property
    def reader(self) -> Engine:
        return reader(self.engine)

    def scheme(self, day: date | None = None) -> Scheme:
        """This node's national scheme in force on `day` (today by default)."""
        return self.schemes.scheme(self.nation, at=day or self.clock().date())


@contextmanager
def open_database(home: Path, *, migrated: bool = True) -> Iterator[NodeDatabase]:
    """The database of the node home at `home`, brought to the current schema unless
    `migrated` is False (the log's checks read it as it is); disposed of on the way out."""
    config = read_config(home)
    engine = make_engine(config.database_url)
    try:
        if migrated:
            migrate(engine)
        yield NodeDatabase(home, config, engine)
    finally:
        engine.dispose()


def check_ready(db: Database) -> None:
    """Return if the database answers; `Unavailable` if it does not. Why goes to the node's
    log only: the driver's message names the database's host, port and name, and whoever
    asks `/readyz` needs none of them (issue 13)."""
    try:
        ping(db.reader)
    except Exception as exc:
        log.warning("database unavailable: %s", exc)
        raise Unavailable("database unavailable") from exc
