"""A node's home directory: its configuration, its keys and its own identity card.

```
HOME/
  config.toml      nation, name, profile, listen addresses, database URL, endpoints
  keys/            encrypted PKCS#8 private keys (mode 0600, directory 0700), the TLS
                   certificate and the sealed storage key
  identity.json    the node's public identity card (give it to partners)
  serving.json     while `gsomia serve` runs: its pid and where it listens, so the CLI's
                   `--home DIR` reaches this home's node and no other (issue 16)
  retired/FP/      after `gsomia identity rotate`: the keys of each earlier card (encrypted
                   like the others) and that card, to open what was sealed to them (ADR 0093)
  rotation.json    the latest key rotation statement, as sent to the partners
```

`init_home` refuses a home that exists and is not empty, so keys are never overwritten.
`load_home` upgrades a home made before nodes had link keys: it adds the TLS key, its
certificate and the storage key, and re-makes the card (v2); the old card stays beside it.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from gsomia.errors import Conflict, UsageError
from gsomia.seal import (
    DEFAULT_PROFILE,
    IdentityCard,
    NodeKeys,
    Token,
    add_link_keys,
    check_strength,
    generate_node_keys,
    load_node_keys,
    make_card,
    missing_link_keys,
    open_token,
    parse_card,
    parse_token_uri,
    rewrap_node_keys,
    write_node_keys,
)
from gsomia.store.db import make_engine, reach
from gsomia.treaty.credentials import MAX_TOKEN_HOURS
from gsomia.treaty.schemes import load_schemes

CONFIG = "config.toml"
CARD = "identity.json"
OLD_CARD = "identity-v1.json"
SERVING = "serving.json"
KEYS = "keys"
RETIRED = "retired"
NEXT_KEYS = "keys.next"
DEFAULT_LISTEN = "127.0.0.1:8400"
DEFAULT_PEER_LISTEN = "127.0.0.1:8401"

log = logging.getLogger("gsomia.node")


@dataclass(frozen=True)
class NodeConfig:
    """What `config.toml` says."""

    nation: str
    name: str
    profile: str = DEFAULT_PROFILE
    listen: str = DEFAULT_LISTEN
    database_url: str = ""
    endpoints: tuple[str, ...] = field(default=())
    #: Where partners reach the peer API (mutual TLS); cards carry it as `https://…` endpoints.
    peer_listen: str = DEFAULT_PEER_LISTEN
    #: Serve the user API and pages over TLS too, with this certificate and key (PEM files;
    #: empty: the node's own TLS certificate and key).
    tls: bool = False
    tls_cert: str = ""
    tls_key: str = ""
    #: `[log]`: sign a checkpoint after this many new events, or this many seconds (issue 6).
    checkpoint_events: int = 1000
    checkpoint_seconds: float = 5.0
    #: `[peer]`: each partner's allowance of requests to the peer API (`gsomia.node.throttle`).
    peer_rate: float = 50.0
    peer_burst: float = 500.0
    #: `[auth]`: how long an API or console token lives, in hours (a shift by default).
    token_hours: float = 12.0
    #: `[alerts]`: where alerts also go, for an operations centre (`gsomia.node.outward`):
    #: a webhook URL (JSON POSTed) and a syslog collector, `udp://HOST:PORT` or `tcp://…`.
    alert_webhook: str = ""
    alert_syslog: str = ""
    #: `[keys] uri`: a PKCS#11 URI (RFC 7512) of the token holding the node's X25519 and
    #: Ed25519 keys, with its PIN's source, never the PIN (ADR 0091); empty: all keys in files.
    keys_uri: str = ""

    def to_toml(self) -> dict[str, Any]:
        return {
            "node": {"nation": self.nation, "name": self.name, "profile": self.profile},
            "server": {
                "listen": self.listen,
                "peer_listen": self.peer_listen,
                "endpoints": list(self.endpoints),
                "tls": self.tls,
                "tls_cert": self.tls_cert,
                "tls_key": self.tls_key,
            },
            "database": {"url": self.database_url},
            "log": {
                "checkpoint_events": self.checkpoint_events,
                "checkpoint_seconds": self.checkpoint_seconds,
            },
            "peer": {"rate": self.peer_rate, "burst": self.peer_burst},
            "auth": {"token_hours": self.token_hours},
            "alerts": {"webhook": self.alert_webhook, "syslog": self.alert_syslog},
            "keys": {"uri": self.keys_uri},
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
    peer_listen: str = DEFAULT_PEER_LISTEN,
    keys_uri: str = "",
) -> NodeHome:
    """Create a new node home at `path` with fresh keys; Conflict if it exists and is not empty.

    With `keys_uri` (`pkcs11:…`), the X25519 and Ed25519 keys are made in that token."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise Conflict(
            f"{path} exists and is not empty", hint="choose a new directory for the node home"
        )
    check_strength(passphrase)  # before anything is made: nothing left behind on refusal
    known = load_schemes().nations()
    if nation not in known:  # a node of a nation with no scheme could mark nothing
        raise UsageError(
            f"--nation {nation!r} has no classification scheme here",
            hint="known nations: " + ", ".join(known),
        )
    if database_url:
        _check_database(database_url)
    token = open_token(parse_token_uri(keys_uri)) if keys_uri else None
    created = now or datetime.now(UTC)
    keys = generate_node_keys(
        profile, nation=nation, hosts=hosts_of(endpoints), now=created, token=token
    )
    card = make_card(keys, nation=nation, name=name, created=created, endpoints=endpoints)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{(path / 'node.db').resolve()}"
    config = NodeConfig(
        nation,
        name,
        profile,
        DEFAULT_LISTEN,
        url,
        tuple(endpoints),
        peer_listen=peer_listen,
        keys_uri=keys_uri,
    )
    keys = write_node_keys(path / KEYS, keys, passphrase)
    (path / CONFIG).write_text(tomli_w.dumps(config.to_toml()), encoding="utf-8")
    (path / CARD).write_bytes(card.to_bytes())
    os.chmod(path, 0o700)
    return NodeHome(path, config, keys, card)


def _check_database(url: str) -> None:
    """`Unavailable` (or `UsageError` for a malformed URL) unless the database at `url`
    answers: `init --database` is where a wrong URL is cheapest to find (issue 16)."""
    engine = make_engine(url)
    try:
        reach(engine)
    finally:
        engine.dispose()


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
        log, peer, auth = raw.get("log", {}), raw.get("peer", {}), raw.get("auth", {})
        alerts, keys = raw.get("alerts", {}), raw.get("keys", {})
        return NodeConfig(
            nation=str(node["nation"]),
            name=str(node["name"]),
            profile=str(node.get("profile", DEFAULT_PROFILE)),
            listen=str(server.get("listen", DEFAULT_LISTEN)),
            database_url=str(database.get("url") or f"sqlite:///{(path / 'node.db').resolve()}"),
            endpoints=tuple(str(e) for e in server.get("endpoints", [])),
            peer_listen=str(server.get("peer_listen", DEFAULT_PEER_LISTEN)),
            tls=bool(server.get("tls", False)),
            tls_cert=str(server.get("tls_cert", "")),
            tls_key=str(server.get("tls_key", "")),
            checkpoint_events=int(log.get("checkpoint_events", 1000)),
            checkpoint_seconds=float(log.get("checkpoint_seconds", 5.0)),
            peer_rate=float(peer.get("rate", 50.0)),
            peer_burst=float(peer.get("burst", 500.0)),
            token_hours=_token_hours(auth.get("token_hours", 12.0)),
            alert_webhook=str(alerts.get("webhook", "")),
            alert_syslog=str(alerts.get("syslog", "")),
            keys_uri=_keys_uri(keys.get("uri", "")),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise UsageError(f"{path / CONFIG} lacks {error}") from error


def _token_hours(value: object) -> float:
    hours = float(value)  # type: ignore[arg-type]
    if not 0 < hours <= MAX_TOKEN_HOURS:
        raise ValueError(f"[auth] token_hours must be more than 0 and at most {MAX_TOKEN_HOURS}")
    return hours


def _keys_uri(value: object) -> str:
    uri = str(value)
    if uri:
        parse_token_uri(uri)  # a PIN in it, or a malformed one, is named at once
    return uri


def token_of(config: NodeConfig) -> Token | None:
    """The token `config` keeps keys in, logged in (its PIN from the pin source), or None."""
    return open_token(parse_token_uri(config.keys_uri)) if config.keys_uri else None


def hosts_of(endpoints: Sequence[str]) -> list[str]:
    """The host names and addresses of `endpoints`, for the TLS certificate's names."""
    return [host for url in endpoints if (host := urlsplit(url).hostname)]


def load_home(path: Path, passphrase: str) -> NodeHome:
    """Load the home at `path`: configuration, keys (decrypted with `passphrase`) and card.

    A home made before nodes had link keys is upgraded on the way (see the module's doc)."""
    config = read_config(path)
    if missing_link_keys(path / KEYS):
        add_link_keys(
            path / KEYS,
            passphrase,
            config.profile,
            nation=config.nation,
            hosts=hosts_of(config.endpoints),
            now=datetime.now(UTC),
        )
        log.info("node home %s: TLS key, certificate and storage key added", path)
    if (path / NEXT_KEYS).exists():
        raise UsageError(
            f"{path / NEXT_KEYS} is left from an interrupted key rotation",
            hint=f"if {path / KEYS} is there, remove {path / NEXT_KEYS} and rotate again",
        )
    keys = load_node_keys(path / KEYS, passphrase, config.profile, token_of(config))
    keys = replace(keys, retired=load_retired(path, passphrase, config.profile))
    try:
        raw = (path / CARD).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path / CARD} is missing") from None
    if _card_without_tls(raw):
        raw = _remake_card(path, config, keys, raw)
    card = parse_card(raw)
    if card.key_id != keys.key_id:
        raise UsageError(f"{path / CARD} does not belong to the keys in {path / KEYS}")
    if card.tls_certificate != keys.tls_certificate:
        raise UsageError(f"{path / CARD} does not carry the TLS certificate in {path / KEYS}")
    return NodeHome(path, config, keys, card)


def retired_cards(path: Path) -> list[IdentityCard]:
    """The cards of the home's retired keys, newest first (no passphrase needed: they are
    public), for what was signed under them: the log's earlier checkpoints (ADR 0093)."""
    base = path / RETIRED
    if not base.is_dir():
        return []
    cards = [parse_card((directory / CARD).read_bytes()) for directory in base.iterdir()]
    return sorted(cards, key=lambda card: card.created, reverse=True)


def load_retired(path: Path, passphrase: str, profile: str) -> tuple[NodeKeys, ...]:
    """The keys of each retired card of the home, newest first; UsageError if a directory's
    keys are not its card's."""
    found = []
    for card in retired_cards(path):
        directory = path / RETIRED / card.fingerprint[:16]
        keys = load_node_keys(directory, passphrase, profile)
        if keys.key_id != card.key_id:
            raise UsageError(f"the keys in {directory} are not those of its {CARD}")
        found.append(keys)
    return tuple(found)


def _card_without_tls(raw: bytes) -> bool:
    try:
        return "tls" not in json.loads(raw)
    except ValueError:
        return False  # parse_card names the problem


def _remake_card(path: Path, config: NodeConfig, keys: NodeKeys, old: bytes) -> bytes:
    """The v2 card of an upgraded home, written in place; the old card kept beside it."""
    card = make_card(
        keys,
        nation=config.nation,
        name=config.name,
        created=datetime.now(UTC),
        endpoints=config.endpoints,
    )
    (path / OLD_CARD).write_bytes(old)
    (path / CARD).write_bytes(card.to_bytes())
    log.info(
        "node home %s: identity card re-made with the TLS certificate (fingerprint %s); "
        "give it to every partner: `gsomia identity export`",
        path,
        card.fingerprint,
    )
    return card.to_bytes()


def rewrap_home(path: Path, passphrase: str, new_passphrase: str) -> None:
    """Seal the home's keys again under scrypt of `new_passphrase` (`gsomia identity rewrap`,
    ADR 0074): for a home made under PBKDF2 alone, or to change the passphrase."""
    config = read_config(path)
    rewrap_node_keys(path / KEYS, passphrase, new_passphrase, config.profile, token_of(config))
    for card in retired_cards(path):  # one passphrase opens the home, retired keys included
        directory = path / RETIRED / card.fingerprint[:16]
        rewrap_node_keys(directory, passphrase, new_passphrase, config.profile)


@dataclass(frozen=True)
class Serving:
    """Where the running node of a home listens (`serving.json`)."""

    nation: str
    pid: int
    url: str
    peer_url: str


def record_serving(path: Path, serving: Serving) -> None:
    """Write `serving.json` (atomically: a reader never sees half of it)."""
    fresh = path / (SERVING + ".new")
    fresh.write_text(json.dumps(serving.__dict__), encoding="utf-8")
    fresh.replace(path / SERVING)


def serving_of(path: Path) -> Serving | None:
    """What `serving.json` says, if a node recorded one and its process still runs."""
    try:
        raw = json.loads((path / SERVING).read_text(encoding="utf-8"))
        serving = Serving(
            str(raw["nation"]), int(raw["pid"]), str(raw["url"]), str(raw["peer_url"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(serving.pid, 0)  # signal 0: only whether the process exists
    except ProcessLookupError:
        return None  # a node that crashed: its record says nothing now
    except PermissionError:
        pass  # another user's process: it runs
    return serving


def clear_serving(path: Path, pid: int) -> None:
    """Remove `serving.json` if it is still `pid`'s (a later node may have replaced it)."""
    found = serving_of(path)
    if found is not None and found.pid == pid:
        (path / SERVING).unlink(missing_ok=True)
