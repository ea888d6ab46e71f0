"""`gsomia visit …`: request, list, approve, refuse (R23, R24)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import As, Home, Token, Url, connect, grid, listed, minute, styled

visit_app = typer.Typer(help="Visits: requested by the visiting party, approved by the host.")
app.add_typer(visit_app, name="visit")


def _row(v: dict[str, Any]) -> tuple[str, ...]:
    return (
        v["id"][:12],
        v["side"],
        v["host"],
        listed(v["visitors"]),
        v["facility"],
        v["subject"],
        f"{minute(v['start'])} → {minute(v['end'])} ({v['kind']})",
        v["max_level"] or f"{v['requested_level']} (asked)",
        styled(v["status"]) + (f": {v['refusal']}" if v.get("refusal") else ""),
    )


def _table(rows: list[dict[str, Any]]) -> Table:
    columns = ("visit", "side", "host", "visitors", "facility", "subject", "dates", "level")
    return grid((*columns, "status"), map(_row, rows), title="Visits")


@visit_app.command("request")
def request(  # noqa: PLR0917 - Typer maps parameters to options
    host: Annotated[str, typer.Option(help="the host nation, e.g. KOR")],
    visitor: Annotated[list[str], typer.Option(help="a visitor's name (repeat for more)")],
    facility: Annotated[str, typer.Option(help="the facility to visit")],
    subject: Annotated[str, typer.Option(help="the need-to-know subject of the visit")],
    start: Annotated[
        str, typer.Option(help="ISO 8601 with a time zone, e.g. 2026-12-01T09:00+09:00")
    ],
    end: Annotated[str, typer.Option(help="ISO 8601 with a time zone, within a year")],
    max_level: Annotated[str, typer.Option(help="highest level asked, in the host's scheme")],
    scope: Annotated[str, typer.Option(help="what the visit covers")] = "",
    kind: Annotated[str, typer.Option(help="one-time, recurring or emergency")] = "one-time",
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Ask the host for a visit (officers); refused with the reason if the agreement forbids."""
    body = {
        "host": host,
        "visitor": visitor,
        "facility": facility,
        "subject": subject,
        "scope": scope,
        "start": start,
        "end": end,
        "max_level": max_level,
        "kind": kind,
    }
    with connect(home, user, url, token) as client:
        visit = client.post("/api/v1/visits", body)
    console.print(f"[green]requested[/] visit {visit['id']}; {host} decides")
    console.print(_table([visit]))


@visit_app.command("list")
def list_visits(home: Home = None, user: As = None, url: Url = None, token: Token = None) -> None:
    with connect(home, user, url, token) as client:
        console.print(_table(client.get("/api/v1/visits")))


@visit_app.command("approve")
def approve(  # noqa: PLR0917 - Typer maps parameters to options
    visit_id: Annotated[str, typer.Argument()],
    max_level: Annotated[
        str | None, typer.Option(help="a lower level than asked, if you wish")
    ] = None,
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Approve a visit to this nation's facility (host officers only)."""
    with connect(home, user, url, token) as client:
        visit = client.post(f"/api/v1/visits/{visit_id}/approve", {"max_level": max_level})
    console.print(f"{styled('approved')} up to [bold]{visit['max_level']}[/]")
    console.print(_table([visit]))


@visit_app.command("refuse")
def refuse(  # noqa: PLR0917 - Typer maps parameters to options
    visit_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="why")],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    with connect(home, user, url, token) as client:
        visit = client.post(f"/api/v1/visits/{visit_id}/refuse", {"reason": reason})
    console.print(f"{styled('refused')} visit {visit['id']}: {visit['refusal']}")
