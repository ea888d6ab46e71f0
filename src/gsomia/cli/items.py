"""`gsomia item … | transfers`: work with a running node as one of its people.

Either `--url` and `--token` (or GSOMIA_URL / GSOMIA_TOKEN), or `--home DIR --as USER` on the
node's own machine, where the CLI issues USER a token from the node's database.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.client import NodeClient
from gsomia.errors import NotFound, UsageError
from gsomia.node.home import read_config
from gsomia.node.runtime import utcnow
from gsomia.store.db import make_engine, migrate
from gsomia.store.users import issue_token

item_app = typer.Typer(help="Items: publish, release, list, show, read.")
app.add_typer(item_app, name="item")

Home = Annotated[Path | None, typer.Option("--home", help="node home (with --as)")]
As = Annotated[str | None, typer.Option("--as", help="act as this user (with --home)")]
Url = Annotated[str | None, typer.Option(envvar="GSOMIA_URL", help="node URL")]
Token = Annotated[str | None, typer.Option(envvar="GSOMIA_TOKEN", help="API token")]

PRECEDENCE_STYLE = {"FLASH": "bold white on red", "IMMEDIATE": "bold red", "PRIORITY": "yellow"}
STATE_STYLE = {"received": "green", "rejected": "red", "queued": "yellow", "released": "green"}


def connect(home: Path | None, user: str | None, url: str | None, token: str | None) -> NodeClient:
    if home is not None and user is not None:
        config = read_config(home)
        engine = make_engine(config.database_url)
        migrate(engine)
        with engine.begin() as conn:
            token = issue_token(conn, user, utcnow())
        engine.dispose()
        return NodeClient(url or f"http://{config.listen}", token)
    if url and token:
        return NodeClient(url, token)
    raise UsageError(
        "say which node and who you are",
        hint="use --home DIR --as USER on the node's machine, or --url and --token",
    )


def _styled(value: str, styles: dict[str, str]) -> str:
    style = styles.get(value)
    return f"[{style}]{value}[/]" if style else value


@item_app.command("publish")
def publish(  # noqa: PLR0917 - Typer maps parameters to options
    title: Annotated[str, typer.Option(help="subject line")],
    level: Annotated[str, typer.Option(help="classification in your national scheme")],
    rel: Annotated[list[str], typer.Option(help="releasable to (repeat): JPN, USA …")],
    purpose: Annotated[str, typer.Option(help="purpose / need-to-know community")],
    precedence: Annotated[
        str, typer.Option(help="FLASH | IMMEDIATE | PRIORITY | ROUTINE")
    ] = "ROUTINE",
    text: Annotated[str | None, typer.Option(help="the content, as text")] = None,
    file: Annotated[Path | None, typer.Option(help="the content, from a file")] = None,
    media_type: Annotated[str | None, typer.Option(help="media type of --file")] = None,
    caveat: Annotated[list[str] | None, typer.Option(help="caveat (repeat): ORCON …")] = None,
    handling: Annotated[
        list[str] | None, typer.Option(help="handling term (repeat): 'NO REPRODUCTION', PATENT …")
    ] = None,
    copy_limit: Annotated[
        int | None, typer.Option(min=0, help="most copies a holder may make (0: none)")
    ] = None,
    purpose_ends: Annotated[
        str | None, typer.Option(help="when the purpose ends (ISO, with zone): return or destroy")
    ] = None,
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Submit an item; it waits for an officer's release (nothing is shared automatically)."""
    fields: dict[str, Any] = {
        "title": title,
        "level": level,
        "releasable_to": rel,
        "purpose": purpose,
        "precedence": precedence,
        "caveats": caveat or [],
        "handling": handling or [],
        "copy_limit": copy_limit,
        "purpose_ends": purpose_ends,
    }
    if (text is None) == (file is None):
        raise UsageError("give exactly one of --text and --file")
    if file is not None:
        fields["content_b64"] = base64.b64encode(file.read_bytes()).decode()
        fields["media_type"] = media_type or "application/octet-stream"
    else:
        fields["text"] = text
    with connect(home, user, url, token) as client:
        item_id = client.publish(**fields)
    console.print(f"[green]published[/] {item_id} (draft: an officer must release it)")
    typer.echo(item_id)


@item_app.command("release")
def release(
    item_id: Annotated[str, typer.Argument()],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Release an item to each partner it is releasable to; shows each decision."""
    with connect(home, user, url, token) as client:
        outcomes = client.release(item_id)
    table = Table("partner", "decision", "reason", "article", title=f"release of {item_id}")
    for outcome in outcomes:
        d = outcome["decision"]
        verdict = "[green]released[/]" if d["allowed"] else "[red]refused[/]"
        table.add_row(outcome["nation"], verdict, d["reason"], f"{d['article']} {d['requirement']}")
    console.print(table)
    if not any(o["decision"]["allowed"] for o in outcomes):
        raise typer.Exit(4)


@item_app.command("list")
def list_items(home: Home = None, user: As = None, url: Url = None, token: Token = None) -> None:
    """This node's own items and what it holds from partners."""
    with connect(home, user, url, token) as client:
        own, held = client.items(), client.holdings()
    mine = Table("id", "title", "marking", "rel to", "precedence", "state", title="published here")
    for item in own:
        mine.add_row(
            item["id"][:8],
            item["title"],
            item["level"],
            ", ".join(item["releasable_to"]),
            _styled(item["precedence"], PRECEDENCE_STYLE),
            _styled(item["state"], STATE_STYLE),
        )
    theirs = Table(
        "id",
        "title",
        "marking",
        "originator's marking",
        "from",
        "precedence",
        "received",
        title="held from partners",
    )
    for h in held:
        theirs.add_row(
            h["id"][:8],
            h["title"],
            f"[bold]{h['marking']}[/]",
            h["original_marking"],
            h["originator"],
            _styled(h["precedence"], PRECEDENCE_STYLE),
            h["received_at"][:19],
        )
    console.print(mine)
    console.print(theirs)


@item_app.command("show")
def show(
    item_id: Annotated[str, typer.Argument()],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """An item of this node with its transfers, or a holding with both its labels."""
    with connect(home, user, url, token) as client:
        try:
            item = client.item(item_id)
        except NotFound:  # not published here: perhaps a holding from a partner
            holding = client.holding(item_id)
            console.print_json(data=holding)
            return
    console.print_json(data=item)


@item_app.command("read")
def read(  # noqa: PLR0917 - Typer maps parameters to options
    holding_id: Annotated[str, typer.Argument()],
    purpose: Annotated[
        str | None,
        typer.Option(help="what you need it for, if not its own purpose (needs approval, R13)"),
    ] = None,
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Read a holding's content, if the access decision allows you (it is logged either way)."""
    with connect(home, user, url, token) as client:
        content, _ = client.read(holding_id, purpose)
    sys.stdout.buffer.write(content)


@app.command("transfers")
def transfers(home: Home = None, user: As = None, url: Url = None, token: Token = None) -> None:
    """Each transfer of this node's items: queued, received (and marked how) or rejected."""
    with connect(home, user, url, token) as client:
        rows = client.transfers()
    table = Table("item", "to", "precedence", "state", "attempts", "marked as / reason")
    for t in rows:
        table.add_row(
            (t["item_id"] or "")[:8],
            t["peer"],
            _styled(t["precedence"], PRECEDENCE_STYLE),
            _styled(t["state"], STATE_STYLE),
            str(t["attempts"]),
            t.get("marked") or t.get("reason") or t.get("last_error") or "",
        )
    console.print(table)
