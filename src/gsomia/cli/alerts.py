"""`gsomia alerts`: your FLASH alerts the node keeps until you acknowledge them (issue 16)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from gsomia.cli.app import app, console
from gsomia.cli.common import PRECEDENCE_STYLE, As, Home, Token, Url, connect, grid, moment, styled


@app.command("alerts")
def alerts(  # noqa: PLR0917 - Typer maps parameters to options
    ack: Annotated[
        list[str] | None, typer.Option(help="acknowledge this holding's alert (repeat); logged")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="as JSON")] = False,
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Your FLASH alerts not yet acknowledged, newest first; `--ack HOLDING` acknowledges."""
    with connect(home, user, url, token) as client:
        for holding in ack or ():
            client.post(f"/api/v1/alerts/kept/{holding}/ack")
            console.print(f"[green]acknowledged[/] {escape(holding)}")
        pending = client.get("/api/v1/alerts/kept")
    if as_json:
        typer.echo(json.dumps(pending, ensure_ascii=False, indent=2))
        return
    console.print(
        grid(
            ("holding", "precedence", "marking", "originator", "title", "received"),
            (
                (
                    a["holding"][:8],
                    styled(a["precedence"], PRECEDENCE_STYLE),
                    f"[bold]{escape(a['marking'])}[/]",
                    f"{a['originator']} {escape(a['original_marking'])}",
                    escape(a["title"]),
                    moment(a["received_at"]),
                )
                for a in pending
            ),
            title="FLASH alerts to acknowledge",
        )
    )
