"""A node's database opened on its own machine: the operator's console.

Issuing tokens, setting passwords, listing partners and checking the log need the database and
public material only, so `gsomia user token`, `gsomia peer list` and `gsomia audit` run without
the key passphrase. Registering, changing, listing and disabling people read or write what is
sealed of them under the node's storage key (ADR 0146): their commands ask for the passphrase
(`vault`, unlocked once when first needed). `Database` is what those use cases ask of either
door: a running `Node` or a `NodeDatabase` opened here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from gsomia.errors import Unavailable, UsageError
from gsomia.node import at_rest
from gsomia.node.home import KEYS, NodeConfig, read_config
from gsomia.node.runtime import utcnow
from gsomia.seal.at_rest import Vault
from gsomia.seal.keys import load_storage_key
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

    @property
    def vault(self) -> Vault: ...


@dataclass(frozen=True)
class NodeDatabase:
    """The database of the node home at `home`, with its configuration; its storage key only
    once `vault` is asked for, from `passphrase` (None: the command holds no key)."""

    home: Path
    config: NodeConfig
    engine: Engine
    clock: Callable[[], datetime] = utcnow
    schemes: SchemeRegistry = field(default_factory=load_schemes)
    passphrase: Callable[[], str] | None = None

    @cached_property
    def vault(self) -> Vault:
        """The node's vault, from the storage key sealed in the home under the passphrase;
        people registered before ADR 0146 sealed first, once (as `Node.migrate` does)."""
        if self.passphrase is None:
            raise UsageError(
                "this needs the node's storage key", hint="give the key passphrase"
            )  # a programming error of the command: it did not ask
        vault = Vault(load_storage_key(self.home / KEYS, self.passphrase()))
        at_rest.bind_users(self.engine, vault, self.home, self.clock)
        at_rest.bind_credentials(self.engine, vault, self.home, self.clock)
        return vault

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
def open_database(
    home: Path,
    *,
    migrated: bool = True,
    passphrase: Callable[[], str] | None = None,
    unlock: bool = True,
) -> Iterator[NodeDatabase]:
    """The database of the node home at `home`, brought to the current schema unless
    `migrated` is False (the log's checks read it as it is); disposed of on the way out.
    `passphrase`: asked for when the command first needs the storage key (people's rows), at
    once unless `unlock` is False (the console token: the key only if a new one is issued)."""
    config = read_config(home)
    engine = make_engine(config.database_url)
    try:
        if migrated:
            migrate(engine)
        db = NodeDatabase(home, config, engine, passphrase=passphrase)
        if passphrase is not None and unlock:
            _ = db.vault  # now, outside any transaction: its first unlock writes (bind_users)
        yield db
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
