"""`gsomia contractor …`: facilities, inspections, register, briefings, contracts, releases
(R33–R36, Art. 16). Officers only; every refusal names its article."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import REACH, Reach, fields, grid, listed, moment, reaching

contractor_app = typer.Typer(help="Contractors: facilities, their staff, contracts (Art. 16).")
app.add_typer(contractor_app, name="contractor")

Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


def _when(value: str | None) -> str:
    return moment(value) if value else "[red]never[/]"


def _facility_table(facilities: list[dict[str, Any]]) -> Table:
    columns = ("facility", "name", "clearance", "until", "officer", "register", "inspected")
    rows = [
        (
            f["id"],
            f["name"],
            f["clearance"] or "[red]none[/]",
            f["clearance_expires"] or "",
            f["security_officer"] or "[red]none[/]",
            listed(
                r["name"] + ("" if r["briefed_at"] else " [yellow](not briefed)[/]")
                for r in f["register"]
            ),
            _when(f["last_inspection"]),
            listed(f["contracts"]),
        )
        for f in facilities
    ]
    return grid((*columns, "contracts"), rows, title="Contractor facilities")


def _contract_table(contract: dict[str, Any]) -> Table:
    keys = ("id", "facility", "partner", "purpose", "highest_level", "security_clause")
    shown = {**contract, "assurance": _assurance(contract)}
    return fields(shown, (*keys, "assurance"), title=f"Contract {contract['id']}")


def _assurance(c: dict[str, Any]) -> str:
    if c["assurance_given_at"]:
        return f"given {moment(c['assurance_given_at'])} ({c['assurance_reference'] or '-'})"
    if c["assurance_requested_at"]:
        return f"requested {moment(c['assurance_requested_at'])}, not yet given"
    return "not requested"


@contractor_app.command("list")
@reaching
def list_facilities(reach: Reach = REACH, as_json: Json = False) -> None:
    """Facilities with their clearance, officer, register, last inspection and contracts."""
    found = reach.get("/api/v1/contractors")
    if as_json:
        console.print_json(json.dumps(found))
    else:
        console.print(_facility_table(found))


@contractor_app.command("add")
@reaching
def add(  # noqa: PLR0917 - Typer maps parameters to options
    facility_id: Annotated[str, typer.Argument(help="an id for the facility")],
    name: Annotated[str, typer.Option(help="the firm and site")],
    clearance: Annotated[str | None, typer.Option(help="its facility security clearance")] = None,
    until: Annotated[str | None, typer.Option(help="clearance valid through YYYY-MM-DD")] = None,
    officer: Annotated[str | None, typer.Option(help="its security officer (Art. 16(j))")] = None,
    parent: Annotated[
        str | None, typer.Option(help="prime contractor, for a subcontractor")
    ] = None,
    reach: Reach = REACH,
) -> None:
    """Record a contractor facility."""
    body = {
        "id": facility_id, "name": name, "clearance": clearance, "clearance_expires": until,
        "security_officer": officer, "parent": parent,
    }  # fmt: skip
    console.print(_facility_table([reach.post("/api/v1/contractors", body)]))


@contractor_app.command("inspect")
@reaching
def inspect(
    facility_id: Annotated[str, typer.Argument()],
    at: Annotated[str, typer.Option(help="ISO 8601 with a time zone")],
    kind: Annotated[str, typer.Option(help="initial or periodic")] = "periodic",
    findings: Annotated[str, typer.Option(help="what the inspection found")] = "",
    reach: Reach = REACH,
) -> None:
    """Record an inspection of a facility (Art. 16(g))."""
    body = {"at": at, "kind": kind, "findings": findings}
    found = reach.post(f"/api/v1/contractors/{facility_id}/inspections", body)
    console.print(_facility_table([found]))


@contractor_app.command("staff")
@reaching
def staff(
    facility_id: Annotated[str, typer.Argument()],
    person: Annotated[str, typer.Argument(help="a person of this node")],
    reach: Reach = REACH,
) -> None:
    """Put a person on a facility's register (Art. 16(i))."""
    found = reach.post(f"/api/v1/contractors/{facility_id}/staff", {"name": person})
    console.print(_facility_table([found]))


@contractor_app.command("brief")
@reaching
def brief(
    person: Annotated[str, typer.Argument()],
    reach: Reach = REACH,
) -> None:
    """Record that a person acknowledged their security briefing now (Art. 16(f))."""
    found = reach.post(f"/api/v1/contractor-staff/{person}/briefing", {})
    console.print(_facility_table([found]))


@contractor_app.command("contract")
@reaching
def contract(  # noqa: PLR0917 - Typer maps parameters to options
    contract_id: Annotated[str, typer.Argument()],
    facility: Annotated[str, typer.Option(help="the facility")],
    partner: Annotated[str, typer.Option(help="whose information, e.g. KOR")],
    purpose: Annotated[str, typer.Option(help="the need-to-know purpose")],
    level: Annotated[str, typer.Option(help="highest level, in this node's scheme")],
    clause: Annotated[str, typer.Option(help="the security requirements clause")],
    reach: Reach = REACH,
) -> None:
    """Record a classified contract; refused without its security requirements clause."""
    body = {
        "id": contract_id, "facility": facility, "partner": partner, "purpose": purpose,
        "highest_level": level, "security_clause": clause,
    }  # fmt: skip
    console.print(_contract_table(reach.post("/api/v1/contracts", body)))


@contractor_app.command("assure")
@reaching
def assure(
    contract_id: Annotated[str, typer.Argument()],
    given: Annotated[bool, typer.Option("--given/--requested", help="given, or asked for")],
    reference: Annotated[str, typer.Option(help="the partner authority's reference")] = "",
    reach: Reach = REACH,
) -> None:
    """Record the partner authority's assurance for a contract: asked for, or given."""
    body = {"given": given, "reference": reference}
    found = reach.post(f"/api/v1/contracts/{contract_id}/assurance", body)
    console.print(_contract_table(found))


@contractor_app.command("release")
@reaching
def release(
    contract_id: Annotated[str, typer.Argument()],
    holding_id: Annotated[str, typer.Argument()],
    reach: Reach = REACH,
) -> None:
    """Release a holding to a contract's facility; refused with the article if Art. 16 says no."""
    done = reach.post(f"/api/v1/contracts/{contract_id}/releases", {"holding_id": holding_id})
    console.print(
        f"[green]released[/] {done['holding']} to {done['facility']} under {done['contract']}"
        f" ({done['decision']['article']})"
    )
