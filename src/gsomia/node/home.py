"""A node's home directory: its configuration, its keys and its own identity card.

```
HOME/
  config.toml      nation, name, profile, listen address, database URL, endpoints
  keys/            encrypted PKCS#8 private keys (mode 0600, directory 0700)
  identity.json    the node's public identity card (give it to partners)
```

`init_home` refuses a home that exists and is not empty, so keys are never overwritten.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from gsomia.errors import Conflict, UsageError
from gsomia.seal import (
    DEFAULT_PROFILE,
    IdentityCard,
    NodeKeys,
    generate_node_keys,
    load_node_keys,
    make_card,
    parse_card,
    write_node_keys,
)

CONFIG = "config.toml"
CARD = "identity.json"
KEYS = "keys"
DEFAULT_LISTEN = "127.0.0.1:8400"


@dataclass(frozen=True)
class NodeConfig:
    """What `config.toml` says."""

    nation: str
    name: str
    profile: str = DEFAULT_PROFILE
    listen: str = DEFAULT_LISTEN
    database_url: str = ""
    endpoints: tuple[str, ...] = field(default=())
    #: `[log]`: sign a checkpoint after this many new events, or this many seconds (issue 6).
    checkpoint_events: int = 1000
    checkpoint_seconds: float = 5.0

    def to_toml(self) -> dict[str, Any]:
        return {
            "node": {"nation": self.nation, "name": self.name, "profile": self.profile},
            "server": {"listen": self.listen, "endpoints": list(self.endpoints)},
            "database": {"url": self.database_url},
            "log": {
                "checkpoint_events": self.checkpoint_events,
                "checkpoint_seconds": self.checkpoint_seconds,
            },
        }


@dataclass(frozen=True)
class NodeHome:
    """A loaded home: where it is, its configuration, its private keys and its card."""

    path: Path
    config: NodeConfig
    keys: NodeKeys
    card: IdentityCard


def init_home(  # noqa: PLR0917 - the signature the node issue asks for
    path: Path,
    nation: str,
    name: str,
    passphrase: str,
    profile: str = DEFAULT_PROFILE,
    database_url: str | None = None,
    *,
    now: datetime | None = None,
    endpoints: tuple[str, ...] = (),
) -> NodeHome:
    """Create a new node home at `path` with fresh keys; Conflict if it exists and is not empty."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise Conflict(
            f"{path} exists and is not empty", hint="choose a new directory for the node home"
        )
    keys = generate_node_keys(profile)
    card = make_card(
        keys, nation=nation, name=name, created=now or datetime.now(UTC), endpoints=endpoints
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{(path / 'node.db').resolve()}"
    config = NodeConfig(nation, name, profile, DEFAULT_LISTEN, url, tuple(endpoints))
    write_node_keys(path / KEYS, keys, passphrase)
    (path / CONFIG).write_text(tomli_w.dumps(config.to_toml()), encoding="utf-8")
    (path / CARD).write_bytes(card.to_bytes())
    os.chmod(path, 0o700)
    return NodeHome(path, config, keys, card)


def read_config(path: Path) -> NodeConfig:
    """Read `config.toml` of the home at `path`; UsageError naming what is wrong."""
    try:
        raw = tomllib.loads((path / CONFIG).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{path} is not a node home (no {CONFIG})", hint=f"create one: gsomia init {path}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path / CONFIG} is not valid TOML: {error}") from error
    try:
        node, server, database = raw["node"], raw.get("server", {}), raw.get("database", {})
        log = raw.get("log", {})
        return NodeConfig(
            nation=str(node["nation"]),
            name=str(node["name"]),
            profile=str(node.get("profile", DEFAULT_PROFILE)),
            listen=str(server.get("listen", DEFAULT_LISTEN)),
            database_url=str(database.get("url") or f"sqlite:///{(path / 'node.db').resolve()}"),
            endpoints=tuple(str(e) for e in server.get("endpoints", [])),
            checkpoint_events=int(log.get("checkpoint_events", 1000)),
            checkpoint_seconds=float(log.get("checkpoint_seconds", 5.0)),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise UsageError(f"{path / CONFIG} lacks {error}") from error


def load_home(path: Path, passphrase: str) -> NodeHome:
    """Load the home at `path`: configuration, keys (decrypted with `passphrase`) and card."""
    config = read_config(path)
    keys = load_node_keys(path / KEYS, passphrase, config.profile)
    try:
        card = parse_card((path / CARD).read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{path / CARD} is missing") from None
    if card.key_id != keys.key_id:
        raise UsageError(f"{path / CARD} does not belong to the keys in {path / KEYS}")
    return NodeHome(path, config, keys, card)
