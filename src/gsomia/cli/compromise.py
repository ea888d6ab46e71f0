"""`gsomia compromise …` (R37) and `gsomia dispute …` (R46)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import REACH, Reach, grid, moment, reaching, styled
from gsomia.cli.rows import AsCsv, AsJson, printed

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
@reaching
def report(
    holding: Annotated[str, typer.Argument(help="holding id, or item id")],
    description: Annotated[str, typer.Option(help="what happened, where, when")],
    actual: Annotated[bool, typer.Option("--actual/--possible", help="actual or possible")] = False,
    reach: Reach = REACH,
) -> None:
    """Report an actual or possible loss or compromise; the originator is told at FLASH."""
    case = reach.post(
        "/api/v1/compromises",
        {"holding_id": holding, "description": description, "actual": actual},
    )
    console.print(f"[green]case opened[/] {case['id']}; {case['originator']} is being notified")
    _show(case)


@compromise_app.command("list")
@reaching
def list_cases(reach: Reach = REACH, as_json: AsJson = False, as_csv: AsCsv = False) -> None:
    """Every compromise case this node holds, with the notification time against the SLA."""
    found = reach.get("/api/v1/compromises")
    if not printed(found, as_json, as_csv):
        console.print(_case_table(found))


@compromise_app.command("show")
@reaching
def show(
    case_id: Annotated[str, typer.Argument()],
    reach: Reach = REACH,
) -> None:
    _show(reach.get(f"/api/v1/compromises/{case_id}"))


@compromise_app.command("findings")
@reaching
def findings(
    case_id: Annotated[str, typer.Argument()],
    result: Annotated[str, typer.Option(help="the investigation result")],
    measures: Annotated[str, typer.Option(help="the measures taken against recurrence")],
    reach: Reach = REACH,
) -> None:
    """Send the investigation result and the measures to the originator (officers)."""
    case = reach.post(
        f"/api/v1/compromises/{case_id}/findings", {"result": result, "measures": measures}
    )
    console.print("[green]findings sent[/]; the case can close once the originator acknowledges")
    _show(case)


@compromise_app.command("close")
@reaching
def close(
    case_id: Annotated[str, typer.Argument()],
    reach: Reach = REACH,
) -> None:
    """Close a case; refused until the originator acknowledged the findings."""
    case = reach.post(f"/api/v1/compromises/{case_id}/close")
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
@reaching
def open_dispute(
    agreement_id: Annotated[str, typer.Argument(help="e.g. KOR-JPN-2016")],
    subject: Annotated[str, typer.Option(help="what the parties disagree on")],
    reach: Reach = REACH,
) -> None:
    """Open a consultation case with the partner; protection is not suspended meanwhile."""
    case = reach.post("/api/v1/disputes", {"agreement_id": agreement_id, "subject": subject})
    console.print(f"[green]dispute opened[/] {case['id']} with {case['counterpart']}")


@dispute_app.command("consult")
@reaching
def consult(
    case_id: Annotated[str, typer.Argument()],
    note: Annotated[str, typer.Option(help="what the consultation said")],
    reach: Reach = REACH,
) -> None:
    case = reach.post(f"/api/v1/disputes/{case_id}/consultations", {"note": note})
    console.print(f"[green]consultation recorded[/] ({len(case['consultations'])} so far)")


@dispute_app.command("settle")
@reaching
def settle(
    case_id: Annotated[str, typer.Argument()],
    note: Annotated[str, typer.Option(help="the settlement the parties reached")],
    reach: Reach = REACH,
) -> None:
    case = reach.post(f"/api/v1/disputes/{case_id}/settle", {"note": note})
    console.print(f"[green]settled[/] {case['id']}: {case['outcome']}")


@dispute_app.command("list")
@reaching
def list_disputes(reach: Reach = REACH, as_json: AsJson = False, as_csv: AsCsv = False) -> None:
    found = reach.get("/api/v1/disputes")
    if not printed(found, as_json, as_csv):
        console.print(_dispute_table(found))
