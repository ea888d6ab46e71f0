"""`gsomia visit …`: request, list, approve, refuse (R23, R24)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import REACH, Reach, grid, listed, minute, reaching, styled
from gsomia.cli.rows import AsCsv, AsJson, printed

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
@reaching
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
    reach: Reach = REACH,
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
    visit = reach.post("/api/v1/visits", body)
    console.print(f"[green]requested[/] visit {visit['id']}; {host} decides")
    console.print(_table([visit]))


@visit_app.command("list")
@reaching
def list_visits(reach: Reach = REACH, as_json: AsJson = False, as_csv: AsCsv = False) -> None:
    found = reach.get("/api/v1/visits")
    if not printed(found, as_json, as_csv):
        console.print(_table(found))


@visit_app.command("approve")
@reaching
def approve(
    visit_id: Annotated[str, typer.Argument()],
    max_level: Annotated[
        str | None, typer.Option(help="a lower level than asked, if you wish")
    ] = None,
    reach: Reach = REACH,
) -> None:
    """Approve a visit to this nation's facility (host officers only)."""
    visit = reach.post(f"/api/v1/visits/{visit_id}/approve", {"max_level": max_level})
    console.print(f"{styled('approved')} up to [bold]{visit['max_level']}[/]")
    console.print(_table([visit]))


@visit_app.command("refuse")
@reaching
def refuse(
    visit_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="why")],
    reach: Reach = REACH,
) -> None:
    visit = reach.post(f"/api/v1/visits/{visit_id}/refuse", {"reason": reason})
    console.print(f"{styled('refused')} visit {visit['id']}: {visit['refusal']}")


# Security representatives' visits (Art. 18, R38) ---------------------------------------------

security_app = typer.Typer(help="Security representatives' visits (Art. 18): consulted, agreed.")
visit_app.add_typer(security_app, name="security")


def _security_table(rows: list[dict[str, Any]]) -> Table:
    columns = ("visit", "visiting", "host", "representatives", "place", "dates", "consulted")
    shown = [
        (
            v["id"][:12],
            v["visiting_party"],
            v["host_party"],
            listed(v["representatives"]),
            v["place"],
            f"{minute(v['starts'])} → {minute(v['ends'])}",
            listed(sorted(v["consultations"])),
            styled(v["state"], {"planned": "yellow", "agreed": "green", "closed": "cyan"}),
        )
        for v in rows
    ]
    return grid((*columns, "state"), shown, title="Security representatives' visits")


@security_app.command("plan")
@reaching
def plan(  # noqa: PLR0917 - Typer maps parameters to options
    visiting: Annotated[str, typer.Option(help="the visiting party, e.g. KOR")],
    host: Annotated[str, typer.Option(help="the host party, e.g. JPN")],
    representative: Annotated[list[str], typer.Option(help="a representative (repeat)")],
    place: Annotated[str, typer.Option(help="the agreed place")],
    scope: Annotated[str, typer.Option(help="the agreed scope and manner")],
    start: Annotated[str, typer.Option(help="ISO 8601 with a time zone")],
    end: Annotated[str, typer.Option(help="ISO 8601 with a time zone")],
    reach: Reach = REACH,
) -> None:
    """Plan a reciprocal visit; it is agreed once both parties are recorded consulted."""
    body = {
        "visiting_party": visiting, "host_party": host, "representatives": representative,
        "place": place, "scope": scope, "start": start, "end": end,
    }  # fmt: skip
    visit = reach.post("/api/v1/security-visits", body)
    console.print(f"[green]planned[/] security visit {visit['id']}; consult both parties next")
    console.print(_security_table([visit]))


@security_app.command("list")
@reaching
def list_security(reach: Reach = REACH, as_json: AsJson = False, as_csv: AsCsv = False) -> None:
    found = reach.get("/api/v1/security-visits")
    if not printed(found, as_json, as_csv):
        console.print(_security_table(found))


@security_app.command("consult")
@reaching
def consult(
    visit_id: Annotated[str, typer.Argument()],
    party: Annotated[str, typer.Option(help="the party consulted and agreeing")],
    reference: Annotated[str, typer.Option(help="the partner's note, for its agreement")] = "",
    reach: Reach = REACH,
) -> None:
    """Record a party's prior consultation on the visit's place, scope and dates."""
    body = {"party": party, "reference": reference}
    visit = reach.post(f"/api/v1/security-visits/{visit_id}/consultations", body)
    console.print(_security_table([visit]))


@security_app.command("findings")
@reaching
def record_findings(
    visit_id: Annotated[str, typer.Argument()],
    findings: Annotated[str, typer.Option(help="what the representatives observed")],
    reach: Reach = REACH,
) -> None:
    """Record the findings of an agreed visit that has begun."""
    visit = reach.post(f"/api/v1/security-visits/{visit_id}/findings", {"findings": findings})
    console.print(_security_table([visit]))


@security_app.command("report")
@reaching
def report(
    visit_id: Annotated[str, typer.Argument()],
    reach: Reach = REACH,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The host's report for the visiting party: how what it provided is protected here."""
    found = reach.get(f"/api/v1/security-visits/{visit_id}/report")
    if as_json:
        console.print_json(json.dumps(found))
        return
    rows = [
        (
            h["holding"][:12],
            h["item"][:16],
            h["marking"],
            styled(h["state"]),
            minute(h["received_at"]),
            str(h["decisions"]["allowed"]),
            str(h["decisions"]["refused"]),
            listed(f"{d['method']} {d['at'][:10]}" for d in h["destructions"]),
        )
        for h in found["inventory"]
    ]
    columns = ("holding", "item", "marking", "state", "received", "allowed", "refused")
    title = f"What {found['provided_by']} provided, as {found['held_by']} protects it"
    console.print(grid((*columns, "destroyed"), rows, title=title))
    totals = found["totals"]
    console.print(
        f"{totals['holdings']} holdings: {totals['held']} held, {totals['destroyed']} destroyed; "
        f"{totals['decisions_allowed']} decisions allowed, {totals['decisions_refused']} refused"
    )
