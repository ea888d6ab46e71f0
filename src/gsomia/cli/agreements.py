"""`gsomia agreement record`: an officer records one of this nation's lifecycle steps."""

from __future__ import annotations

from typing import Annotated

import typer

from gsomia.cli.app import console
from gsomia.cli.common import As, Home, Token, Url, connect
from gsomia.cli.treaty import agreement_app


@agreement_app.command("record")
def record(  # noqa: PLR0917 - Typer maps parameters to options
    agreement_id: Annotated[str, typer.Argument(help="e.g. KOR-JPN-2016")],
    kind: Annotated[
        str,
        typer.Option(
            help="domestic_approval, notification, termination_notice, notice_suspended, …"
        ),
    ],
    on: Annotated[str, typer.Option(help="date of the note, YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="the dated diplomatic note or decision cited")],
    party: Annotated[str | None, typer.Option(help="the acting party (this nation)")] = None,
    step: Annotated[str | None, typer.Option(help="domestic approval step, e.g. 국무회의")] = None,
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Record a step (refused with the reason if the lifecycle forbids it); the partner's node
    is sent it, so both hold the same record."""
    event = {"kind": kind, "on": on, "note": note, "party": party, "step": step}
    with connect(home, user, url, token) as client:
        summary = client.record_agreement_event(agreement_id, **event)
    console.print(
        f"[green]recorded[/] {kind} of {on} on {agreement_id}: now [bold]{summary['state']}[/]"
    )
