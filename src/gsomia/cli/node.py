"""`gsomia serve | peer | user`: run a node and administer its partners and people."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from gsomia.app import create_app
from gsomia.cli.app import app, console
from gsomia.cli.common import HomeOpt, iso_day, open_engine
from gsomia.cli.identity import passphrase
from gsomia.errors import InputError, UsageError
from gsomia.ledger.events import EventKind
from gsomia.node import audit
from gsomia.node.assembly import assemble
from gsomia.node.audit import admin_event
from gsomia.node.home import load_home, read_config
from gsomia.node.peers import add_peer, list_peers
from gsomia.node.runtime import utcnow
from gsomia.seal import fingerprint_groups
from gsomia.store.users import UserRecord, add_user, issue_token, list_users
from gsomia.treaty import load_schemes
from gsomia.treaty.roles import ROLE_GRANTS

peer_app = typer.Typer(help="Partner nodes this node trusts.")
user_app = typer.Typer(help="People of this node: clearance, need-to-know, role, tokens.")
app.add_typer(peer_app, name="peer")
app.add_typer(user_app, name="user")

#: Who the log names for what an operator does at the console.
OPERATOR = "operator"


class _JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors on a closed network ingest best."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("path", "status", "error", "reason"):
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


@app.command("serve")
def serve(
    home: HomeOpt,
    listen: Annotated[str | None, typer.Option(help="HOST:PORT (default: config.toml)")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run the node: user and peer APIs, the delivery worker, health and metrics."""
    loaded = load_home(home, passphrase())
    node = assemble(loaded)
    host, _, port = (listen or loaded.config.listen).rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"listen address {listen!r} is not HOST:PORT")
    _configure_logging(log_level)
    console.print(
        f"[bold]gsomia[/] {loaded.config.nation} node on http://{host}:{port}", highlight=False
    )
    uvicorn.run(
        create_app(node),
        host=host,
        port=int(port),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


@peer_app.command("add")
def peer_add(
    home: HomeOpt,
    card: Annotated[Path, typer.Argument(help="the partner node's identity card (JSON)")],
    endpoint: Annotated[str | None, typer.Option(help="override the card's endpoint")] = None,
) -> None:
    """Trust a partner node: pin its identity card. Check the fingerprint out of band."""
    node = assemble(load_home(home, passphrase()))
    node.migrate()
    pinned = add_peer(node, card.read_bytes(), endpoint)
    # Logged just after the pin, in its own transaction: `add_peer` owns the pin's.
    with node.engine.begin() as conn:
        audit.record_event(
            conn,
            admin_event(
                EventKind.KEY_ADMIN,
                actor=OPERATOR,
                action="peer:add",
                subject=pinned.nation,
                now=node.clock(),
                fingerprint=pinned.fingerprint,
                endpoint=endpoint or (pinned.endpoints[0] if pinned.endpoints else ""),
            ),
        )
    console.print(f"[green]added[/] {pinned.nation} — {pinned.name}")
    console.print(f"fingerprint  [bold]{fingerprint_groups(pinned.fingerprint)}[/]")
    console.print(
        "[yellow]Compare this fingerprint with the partner's officer by another channel.[/]"
    )


@peer_app.command("list")
def peer_list(home: HomeOpt) -> None:
    """Partner nodes this node trusts."""
    with open_engine(home).connect() as conn:
        peers = list_peers(conn)
    table = Table("nation", "name", "endpoint", "fingerprint")
    for peer in peers:
        table.add_row(
            peer.nation, peer.name, peer.endpoint or "—", fingerprint_groups(peer.fingerprint)
        )
    console.print(table)


@user_app.command("add")
def user_add(  # noqa: PLR0917 - Typer maps parameters to options
    home: HomeOpt,
    name: Annotated[str, typer.Argument()],
    nationality: Annotated[str, typer.Option(help="ISO 3166 alpha-3")],
    clearance: Annotated[str, typer.Option(help="level in this node's national scheme")],
    clearance_expires: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    community: Annotated[list[str], typer.Option(help="need-to-know community (repeat)")],
    role: Annotated[str, typer.Option(help="analyst | officer | auditor | admin")],
    unregistered: Annotated[bool, typer.Option(help="not on the facility register")] = False,
    language: Annotated[str, typer.Option(help="en | ko | ja")] = "en",
) -> None:
    """Register a person: clearance, need-to-know communities and role."""
    config = read_config(home)
    level = load_schemes().scheme(config.nation).parse(clearance)
    if role not in ROLE_GRANTS:
        raise InputError(f"unknown role {role!r}", hint="use " + ", ".join(ROLE_GRANTS))
    expires = iso_day(clearance_expires, "--clearance-expires", InputError)
    record = UserRecord(
        name=name,
        nationality=nationality.upper(),
        clearance=level.native,
        clearance_expires=expires,
        communities=tuple(community),
        roles=(role,),
        registered=not unregistered,
        language=language,
    )
    now = utcnow()
    with open_engine(home).begin() as conn:
        add_user(conn, record, now)
        audit.record_event(
            conn,
            admin_event(
                EventKind.USER_ADMIN,
                actor=OPERATOR,
                action="user:add",
                subject=name,
                now=now,
                nationality=record.nationality,
                clearance=record.clearance,
                clearance_expires=expires.isoformat(),
                role=role,
                registered=str(record.registered).lower(),
            ),
        )
    console.print(f"[green]added[/] {name} ({record.nationality}, {level.native}, {role})")


@user_app.command("token")
def user_token(home: HomeOpt, name: Annotated[str, typer.Argument()]) -> None:
    """Issue an API token for a person (shown once)."""
    now = utcnow()
    with open_engine(home).begin() as conn:
        token = issue_token(conn, name, now)
        event = admin_event(
            EventKind.KEY_ADMIN, actor=OPERATOR, action="user:token", subject=name, now=now
        )
        audit.record_event(conn, event)
    typer.echo(token)


@user_app.command("list")
def user_list(home: HomeOpt) -> None:
    """People of this node."""
    with open_engine(home).connect() as conn:
        users = list_users(conn)
    table = Table("name", "nationality", "clearance", "expires", "communities", "role", "register")
    for user in users:
        table.add_row(
            user.name,
            user.nationality,
            user.clearance,
            user.clearance_expires.isoformat(),
            ", ".join(user.communities),
            ", ".join(user.roles),
            "yes" if user.registered else "no",
        )
    console.print(table)
