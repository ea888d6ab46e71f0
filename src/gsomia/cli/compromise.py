"""`gsomia compromise …` (R37) and `gsomia dispute …` (R46)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import As, Home, Token, Url, connect, grid, moment, styled

compromise_app = typer.Typer(help="Loss or compromise: report, findings, close (Art. 17).")
app.add_typer(compromise_app, name="compromise")
dispute_app = typer.Typer(help="Disputes, settled by consultation between the parties (Art. 20).")
app.add_typer(dispute_app, name="dispute")


def delay(case: dict[str, Any]) -> str:
    """The report-to-notification time, green within the SLA, red beyond it or still waiting."""
    seconds, sla = case.get("notification_seconds"), case.get("sla_seconds")
    if seconds is None:
        return "[bold red]not yet notified[/]"
    colour = "green" if sla is not None and seconds <= sla else "bold red"
    return f"[{colour}]{seconds:.1f} s[/] / SLA {sla:.0f} s"


def _case_table(cases: list[dict[str, Any]]) -> Table:
    rows = (
        (
            case["id"][:12],
            case["item_id"] or "",
            case.get("side") or "",
            styled(case["status"]),
            case["originator"],
            f"{moment(case['reported_at'])} by {case['reported_by']}"
            + (" [red](actual)[/]" if case.get("actual") else " (possible)"),
            delay(case),
        )
        for case in cases
    )
    columns = ("case", "item", "side", "status", "originator", "reported", "notification")
    return grid(columns, rows, title="Compromise cases")


def _show(case: dict[str, Any]) -> None:
    console.print(_case_table([case]))
    console.print(f"[bold]case[/] {case['id']}: {case.get('description') or ''}")
    if case.get("findings"):
        pending = " [yellow](awaiting the originator's acknowledgement)[/]"
        console.print(
            f"[bold]result[/] {case['findings']}{pending if case.get('findings_pending') else ''}"
        )
        console.print(f"[bold]measures[/] {case['measures']}")
    if case.get("refusal"):
        console.print(f"[bold red]refused:[/] {case['refusal']}")
    for step in case.get("steps", []):
        signed = " [green](signed)[/]" if step.get("signed") else ""
        console.print(
            f"  {moment(step['at'])}  {step['nation']} {step['actor']}: {step['step']}{signed}"
        )


@compromise_app.command("report")
def report(  # noqa: PLR0917 - Typer maps parameters to options
    holding: Annotated[str, typer.Argument(help="holding id, or item id")],
    description: Annotated[str, typer.Option(help="what happened, where, when")],
    actual: Annotated[bool, typer.Option("--actual/--possible", help="actual or possible")] = False,
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Report an actual or possible loss or compromise; the originator is told at FLASH."""
    with connect(home, user, url, token) as client:
        case = client.post(
            "/api/v1/compromises",
            {"holding_id": holding, "description": description, "actual": actual},
        )
    console.print(f"[green]case opened[/] {case['id']}; {case['originator']} is being notified")
    _show(case)


@compromise_app.command("list")
def list_cases(home: Home = None, user: As = None, url: Url = None, token: Token = None) -> None:
    """Every compromise case this node holds, with the notification time against the SLA."""
    with connect(home, user, url, token) as client:
        console.print(_case_table(client.get("/api/v1/compromises")))


@compromise_app.command("show")
def show(
    case_id: Annotated[str, typer.Argument()],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    with connect(home, user, url, token) as client:
        _show(client.get(f"/api/v1/compromises/{case_id}"))


@compromise_app.command("findings")
def findings(  # noqa: PLR0917 - Typer maps parameters to options
    case_id: Annotated[str, typer.Argument()],
    result: Annotated[str, typer.Option(help="the investigation result")],
    measures: Annotated[str, typer.Option(help="the measures taken against recurrence")],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Send the investigation result and the measures to the originator (officers)."""
    with connect(home, user, url, token) as client:
        case = client.post(
            f"/api/v1/compromises/{case_id}/findings", {"result": result, "measures": measures}
        )
    console.print("[green]findings sent[/]; the case can close once the originator acknowledges")
    _show(case)


@compromise_app.command("close")
def close(
    case_id: Annotated[str, typer.Argument()],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Close a case; refused until the originator acknowledged the findings."""
    with connect(home, user, url, token) as client:
        case = client.post(f"/api/v1/compromises/{case_id}/close")
    console.print(f"[green]closed[/] {case['id']} at {moment(case['closed_at'])}")


# Disputes -------------------------------------------------------------------------------------


def _dispute_table(cases: list[dict[str, Any]]) -> Table:
    rows = (
        (
            case["id"][:12],
            case["agreement_id"],
            case["counterpart"],
            styled(case["state"]),
            case["subject"],
            str(len(case["consultations"])),
            case.get("outcome") or "",
        )
        for case in cases
    )
    columns = ("case", "agreement", "with", "status", "subject", "consultations", "outcome")
    return grid(columns, rows, title="Disputes")


@dispute_app.command("open")
def open_dispute(  # noqa: PLR0917 - Typer maps parameters to options
    agreement_id: Annotated[str, typer.Argument(help="e.g. KOR-JPN-2016")],
    subject: Annotated[str, typer.Option(help="what the parties disagree on")],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Open a consultation case with the partner; protection is not suspended meanwhile."""
    with connect(home, user, url, token) as client:
        case = client.post("/api/v1/disputes", {"agreement_id": agreement_id, "subject": subject})
    console.print(f"[green]dispute opened[/] {case['id']} with {case['counterpart']}")


@dispute_app.command("consult")
def consult(  # noqa: PLR0917 - Typer maps parameters to options
    case_id: Annotated[str, typer.Argument()],
    note: Annotated[str, typer.Option(help="what the consultation said")],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    with connect(home, user, url, token) as client:
        case = client.post(f"/api/v1/disputes/{case_id}/consultations", {"note": note})
    console.print(f"[green]consultation recorded[/] ({len(case['consultations'])} so far)")


@dispute_app.command("settle")
def settle(  # noqa: PLR0917 - Typer maps parameters to options
    case_id: Annotated[str, typer.Argument()],
    note: Annotated[str, typer.Option(help="the settlement the parties reached")],
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    with connect(home, user, url, token) as client:
        case = client.post(f"/api/v1/disputes/{case_id}/settle", {"note": note})
    console.print(f"[green]settled[/] {case['id']}: {case['outcome']}")


@dispute_app.command("list")
def list_disputes(home: Home = None, user: As = None, url: Url = None, token: Token = None) -> None:
    with connect(home, user, url, token) as client:
        console.print(_dispute_table(client.get("/api/v1/disputes")))
