"""`gsomia serve | peer | user`: run a node and administer its partners and people."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gsomia.app.processes import check_several
from gsomia.app.serving import (
    Listener,
    address,
    peer_tls,
    serve_node,
    serve_several,
    user_tls,
)
from gsomia.cli.app import app, console
from gsomia.cli.common import HomeOpt, iso_day, moment
from gsomia.cli.identity import passphrase
from gsomia.errors import InputError, UsageError
from gsomia.node.assembly import assemble
from gsomia.node.database import open_database
from gsomia.node.home import load_home, read_config
from gsomia.node.partners import list_partners, pin_partner
from gsomia.node.tokens import issue_token, list_tokens, revoke_token
from gsomia.node.users import PersonChange, PersonDraft, list_users, register, remove, update
from gsomia.seal import fingerprint_groups

peer_app = typer.Typer(help="Partner nodes this node trusts.")
user_app = typer.Typer(help="People of this node: clearance, need-to-know, role, tokens.")
app.add_typer(peer_app, name="peer")
app.add_typer(user_app, name="user")


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
def serve(  # noqa: PLR0917 - Typer maps parameters to options
    home: HomeOpt,
    listen: Annotated[
        str | None, typer.Option(help="user API and pages, HOST:PORT (default: config.toml)")
    ] = None,
    peer_listen: Annotated[
        str | None,
        typer.Option(help="peer API, mutual TLS, HOST:PORT (default: config.toml)"),
    ] = None,
    tls: Annotated[
        bool | None, typer.Option("--tls/--no-tls", help="serve the user API over TLS too")
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option(help="certificate (PEM) for the user API, with --tls-key")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="its private key (PEM)")] = None,
    insecure_peer_http: Annotated[
        bool,
        typer.Option(
            "--insecure-peer-http",
            help="DEVELOPMENT ONLY: peer API and calls to partners over plain HTTP",
        ),
    ] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
    workers: Annotated[
        int,
        typer.Option(min=1, help="API processes on both listeners; more than one needs PostgreSQL"),
    ] = 1,
    delivery: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="delivery processes sending the outbox (PostgreSQL; default: the one process "
            "does it, or 1 beside --workers N); 0 if `--delivery-only` units send it",
        ),
    ] = None,
    delivery_only: Annotated[
        bool,
        typer.Option(
            "--delivery-only",
            help="no API: only delivery processes (--delivery, default 1), beside a "
            "`gsomia serve --delivery 0` on the same PostgreSQL",
        ),
    ] = False,
) -> None:
    """Run the node: user API and pages, peer API (mutual TLS), the delivery worker.

    On PostgreSQL, several processes may serve one node: `--workers N` API processes and
    `--delivery D` delivery processes (docs/deployment.md)."""
    read_config(home)  # not a node home: said before the passphrase is asked for
    loaded = load_home(home, passphrase())
    config = loaded.config
    node = assemble(loaded)
    node.check_store()  # a damaged database is named before anything is served from it
    if workers > 1 or delivery is not None or delivery_only:
        check_several(node, workers, 1 if delivery is None else delivery)
    if delivery_only:
        _configure_logging(log_level)
        raise typer.Exit(
            serve_several(node, user=None, peer=None, workers=0, delivery=delivery or 1)
        )
    cert = tls_cert or (Path(config.tls_cert) if config.tls_cert else None)
    key = tls_key or (Path(config.tls_key) if config.tls_key else None)
    user_on_tls = tls if tls is not None else (config.tls or tls_cert is not None)
    user = Listener(
        *address(listen or config.listen, "--listen"),
        user_tls(node, cert, key) if user_on_tls else None,
    )
    peer = Listener(
        *address(peer_listen or config.peer_listen, "--peer-listen"),
        None if insecure_peer_http else peer_tls(node),
    )
    if user.port == peer.port and user.host == peer.host:
        raise UsageError("--listen and --peer-listen must differ")
    _configure_logging(log_level)

    def announce(user_url: str, peer_url: str) -> None:  # once both ports are ours
        console.print(
            f"[bold]gsomia[/] {config.nation} node: user API on {user_url}, "
            f"peer API on {peer_url}" + ("" if insecure_peer_http else " (mutual TLS)"),
            highlight=False,
        )

    if workers == 1 and delivery is None:
        serve_node(node, user=user, peer=peer, announce=announce)
        return
    code = serve_several(
        node,
        user=user,
        peer=peer,
        workers=workers,
        delivery=1 if delivery is None else delivery,
        announce=announce,
    )
    raise typer.Exit(code)


@peer_app.command("add")
def peer_add(
    home: HomeOpt,
    card: Annotated[Path, typer.Argument(help="the partner node's identity card (JSON)")],
    endpoint: Annotated[str | None, typer.Option(help="override the card's endpoint")] = None,
    insecure_peer_http: Annotated[
        bool,
        typer.Option("--insecure-peer-http", help="DEVELOPMENT ONLY: allow an http:// endpoint"),
    ] = False,
    without_endpoint: Annotated[
        bool,
        typer.Option(help="pin a partner whose address is not known yet (nothing is sent)"),
    ] = False,
) -> None:
    """Trust a partner node: pin its identity card. Check the fingerprint out of band.

    Adding a card again replaces the earlier one (a new endpoint, say); a running node uses
    it within a second."""
    read_config(home)
    node = assemble(load_home(home, passphrase()))
    node.migrate()
    pinned = pin_partner(
        node,
        card.read_bytes(),
        endpoint,
        plain_http=insecure_peer_http,
        without_endpoint=without_endpoint,
    )
    console.print(f"[green]added[/] {pinned.nation} — {pinned.name}")
    address = node.peer_address(pinned.nation)
    if address is None:
        console.print(
            f"[bold red]no endpoint:[/] nothing is delivered to {pinned.nation} until you "
            f"`gsomia peer add` its card again with --endpoint"
        )
    else:
        console.print(f"endpoint     {address.endpoint}")
    console.print(f"fingerprint  [bold]{fingerprint_groups(pinned.fingerprint)}[/]")
    console.print(
        "[yellow]Compare this fingerprint with the partner's officer by another channel.[/]"
    )


@peer_app.command("list")
def peer_list(
    home: HomeOpt, as_json: Annotated[bool, typer.Option("--json", help="as JSON")] = False
) -> None:
    """Partner nodes this node trusts (a partner with no endpoint is shown in red: nothing is
    delivered to it)."""
    with open_database(home) as db:
        peers = list_partners(db)
    if as_json:
        rows = [
            {
                "nation": p.nation,
                "name": p.name,
                "endpoint": p.endpoint,
                "fingerprint": p.fingerprint,
            }
            for p in peers
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("nation", "name", "endpoint", "fingerprint")
    for peer in peers:
        table.add_row(
            peer.nation,
            peer.name,
            peer.endpoint or "[red]none: nothing is delivered[/]",
            fingerprint_groups(peer.fingerprint),
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
    category: Annotated[
        list[str] | None, typer.Option(help='SPIF category held, "TAGSET=VALUE" (repeat)')
    ] = None,
) -> None:
    """Register a person: clearance, need-to-know communities, SPIF categories and role."""
    draft = PersonDraft(
        name=name,
        nationality=nationality,
        clearance=clearance,
        clearance_expires=iso_day(clearance_expires, "--clearance-expires", InputError),
        communities=tuple(community),
        role=role,
        registered=not unregistered,
        language=language,
        categories=tuple(category or ()),
    )
    with open_database(home, passphrase=passphrase) as db:
        record = register(db, draft)
    console.print(f"[green]added[/] {name} ({record.nationality}, {record.clearance}, {role})")


@user_app.command("token")
def user_token(
    home: HomeOpt,
    name: Annotated[str | None, typer.Argument(help="the person to issue a token to")] = None,
    hours: Annotated[
        float | None, typer.Option(help="lifetime (default: [auth] token_hours)")
    ] = None,
    revoke: Annotated[str | None, typer.Option(help="revoke the token with this id")] = None,
) -> None:
    """Issue an API token for a person (shown once), or `--revoke ID` one; each token's row is
    sealed under the storage key (the key passphrase: GSOMIA_PASSPHRASE or the prompt)."""
    with open_database(home, passphrase=passphrase) as db:
        if revoke is not None:
            holder = revoke_token(db, revoke)
            console.print(f"[red]revoked[/] token {revoke} of {holder}")
            return
        if name is None:
            raise UsageError("name the person, or --revoke a token id")
        try:
            token = issue_token(db, name, hours=hours or db.config.token_hours)
        except ValueError as error:
            raise UsageError(str(error)) from None
    typer.echo(token)


@user_app.command("tokens")
def user_tokens(
    home: HomeOpt,
    name: Annotated[str | None, typer.Argument(help="only this person's")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="as JSON")] = False,
) -> None:
    """Tokens issued on this node: id, holder, scope, when issued, expires, revoked (each
    checked against its seal: the key passphrase, GSOMIA_PASSPHRASE or the prompt)."""
    with open_database(home, passphrase=passphrase) as db:
        rows = list_tokens(db, name)
        now = db.clock()
    if as_json:
        listed = [
            {
                "id": row.id,
                "user": row.user_name,
                "scope": row.scope,
                "issued": row.created_at.isoformat(),
                "expires": row.expires_at.isoformat() if row.expires_at else None,
                "revoked": row.revoked_at.isoformat() if row.revoked_at else None,
            }
            for row in rows
        ]
        typer.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    table = Table("id", "user", "scope", "issued", "expires", "state")
    for row in rows:
        if row.revoked_at is not None:
            state = "revoked"
        elif row.expires_at is None or row.expires_at <= now:
            state = "expired"
        else:
            state = "in force"
        table.add_row(
            row.id,
            row.user_name,
            row.scope,
            moment(row.created_at.isoformat()),
            moment(row.expires_at.isoformat()) if row.expires_at else "—",
            state,
        )
    console.print(table)


@user_app.command("list")
def user_list(
    home: HomeOpt,
    as_json: Annotated[bool, typer.Option("--json", help="as JSON")] = False,
) -> None:
    """People of this node: clearance and when it expires (red once it has), communities,
    role, register, language, and whether they are disabled."""
    with open_database(home, passphrase=passphrase) as db:
        users = list_users(db)
        today = db.clock().date()
    if as_json:
        rows = [
            {
                "name": u.name,
                "nationality": u.nationality,
                "clearance": u.clearance,
                "clearance_expires": u.clearance_expires.isoformat(),
                "communities": list(u.communities),
                "roles": list(u.roles),
                "registered": u.registered,
                "language": u.language,
                "disabled_at": u.disabled_at.isoformat() if u.disabled_at else None,
            }
            for u in users
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(
        "name", "nationality", "clearance", "expires", "communities", "role", "register",
        "language", "state",
    )  # fmt: skip
    for user in users:
        lapsed = user.clearance_expires < today
        expires = user.clearance_expires.isoformat()
        table.add_row(
            user.name,
            user.nationality,
            user.clearance,
            f"[red]{expires}[/]" if lapsed else expires,
            ", ".join(user.communities),
            ", ".join(user.roles),
            "yes" if user.registered else "no",
            user.language,
            "[red]disabled[/]" if user.disabled_at else "[green]active[/]",
        )
    console.print(table)


@user_app.command("update")
def user_update(  # noqa: PLR0917 - Typer maps parameters to options
    home: HomeOpt,
    name: Annotated[str, typer.Argument()],
    clearance: Annotated[str | None, typer.Option(help="new level, this node's scheme")] = None,
    clearance_expires: Annotated[
        str | None, typer.Option(help="renewal: the new expiry, YYYY-MM-DD")
    ] = None,
    community: Annotated[
        list[str] | None, typer.Option(help="need-to-know communities, all of them (repeat)")
    ] = None,
    role: Annotated[str | None, typer.Option(help="analyst | officer | auditor | admin")] = None,
    nationality: Annotated[str | None, typer.Option(help="ISO 3166 alpha-3")] = None,
    registered: Annotated[
        bool | None, typer.Option("--registered/--unregistered", help="facility register")
    ] = None,
    language: Annotated[str | None, typer.Option(help="en | ko | ja")] = None,
    enable: Annotated[bool, typer.Option(help="undo `user disable`")] = False,
    category: Annotated[
        list[str] | None,
        typer.Option(help='SPIF categories held, all of them, "TAGSET=VALUE" (repeat)'),
    ] = None,
) -> None:
    """Change a person: renew or change their clearance, communities, role, language. Logged;
    a change of clearance or role signs them out of the pages."""
    change = PersonChange(
        nationality=nationality,
        clearance=clearance,
        clearance_expires=iso_day(clearance_expires, "--clearance-expires", InputError)
        if clearance_expires
        else None,
        communities=tuple(community) if community else None,
        role=role,
        registered=registered,
        language=language,
        enable=enable,
        categories=tuple(category) if category else None,
    )
    with open_database(home, passphrase=passphrase) as db:
        record = update(db, name, change)
    console.print(
        f"[green]updated[/] {name} ({record.nationality}, {record.clearance} until "
        f"{record.clearance_expires.isoformat()}, {', '.join(record.roles)}, {record.language})"
    )


@user_app.command("remove")
def user_remove(home: HomeOpt, name: Annotated[str, typer.Argument()]) -> None:
    """Remove a person who never published or set a rule here; anyone else: `user disable`."""
    with open_database(home) as db:
        remove(db, name)
    console.print(f"[red]removed[/] {name}")
