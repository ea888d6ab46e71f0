"""`gsomia item copy | translate | derive | destroy | return | inventory`: custody of holdings.

Every command asks the node (`/api/v1/holdings/...`, `/api/v1/derivatives`), where the treaty
decides and logs; a refusal is printed with its reason and article and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import console
from gsomia.cli.common import REACH, Reach, grid, listed, moment, reaching, styled
from gsomia.cli.items import item_app
from gsomia.errors import UsageError


def _text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            f"cannot read {file} as UTF-8 text: {error}", hint="give a UTF-8 text file"
        ) from error


def _copy_row(row: dict[str, Any]) -> tuple[str, ...]:
    label = row.get("label", {})
    return (
        row["id"],
        row["kind"],
        str(row["number"]),
        f"[bold]{row['level']}[/]",
        label.get("originator") or listed(label.get("originators", [])),
        row["made_by"],
        moment(row["made_at"]),
        styled(row["state"]),
    )


def _copies_table(rows: list[dict[str, Any]], title: str) -> Table:
    columns = ("id", "kind", "no.", "marking", "originator", "made by", "made at", "state")
    return grid(columns, map(_copy_row, rows), title)


@item_app.command("copy")
@reaching
def copy(
    holding: Annotated[str, typer.Argument(help="holding (or item) id")],
    count: Annotated[int, typer.Option(help="how many copies")] = 1,
    reach: Reach = REACH,
) -> None:
    """Make numbered copies of a holding (refused beyond the originator's copy limit)."""
    with reach.connect() as client:
        made = client.post(f"/api/v1/holdings/{holding}/copies", {"count": count})
    console.print(_copies_table(made, f"copies of {holding}"))


@item_app.command("translate")
@reaching
def translate(  # noqa: PLR0917 - Typer maps parameters to options
    holding: Annotated[str, typer.Argument(help="holding (or item) id")],
    translator: Annotated[str, typer.Option(help="a cleared person of this node")],
    language: Annotated[str, typer.Option(help="language of the translation, e.g. ja")],
    file: Annotated[Path, typer.Option(help="the translated text (UTF-8)")],
    source_language: Annotated[str, typer.Option(help="the original's language")] = "ko",
    reach: Reach = REACH,
) -> None:
    """Record a translation by a cleared translator; it is counted and controlled as a copy."""
    body = {
        "translator": translator,
        "language": language,
        "source_language": source_language,
        "content": _text(file),
    }
    with reach.connect() as client:
        made = client.post(f"/api/v1/holdings/{holding}/translations", body)
    console.print(_copies_table([made], f"translation of {holding}"))


@item_app.command("derive")
@reaching
def derive(  # noqa: PLR0917 - Typer maps parameters to options
    source: Annotated[list[str], typer.Option(help="a holding or own item id (repeat)")],
    kind: Annotated[str, typer.Option(help="extract | summary | compilation")],
    title: Annotated[str, typer.Option(help="the derivative's title")],
    file: Annotated[Path, typer.Option(help="the derivative's text (UTF-8)")],
    level: Annotated[str | None, typer.Option(help="a marking at or above the sources'")] = None,
    reach: Reach = REACH,
) -> None:
    """Make an extract, summary or compilation, marked at least at its highest source."""
    body: dict[str, Any] = {
        "sources": source,
        "kind": kind,
        "title": title,
        "content": _text(file),
    }
    if level:
        body["level"] = level
    with reach.connect() as client:
        made = client.post("/api/v1/derivatives", body)
    console.print(_copies_table([made], f"{kind} of {', '.join(source)}"))


@item_app.command("destroy")
@reaching
def destroy(  # noqa: PLR0917 - Typer maps parameters to options
    holding: Annotated[str, typer.Argument(help="holding (or item) id")],
    method: Annotated[str, typer.Option(help="shredding, burning, cryptographic erasure, …")],
    official: Annotated[list[str], typer.Option(help="executing official (repeat)")],
    witness: Annotated[list[str] | None, typer.Option(help="witness (repeat)")] = None,
    dependants: Annotated[
        bool, typer.Option("--dependants", help="destroy its copies and derivatives with it")
    ] = False,
    reach: Reach = REACH,
) -> None:
    """Destroy a holding and record it; its content is erased from the node's store."""
    body = {
        "method": method,
        "officials": official,
        "witnesses": witness or [],
        "dispose_dependants": dependants,
    }
    with reach.connect() as client:
        record = client.post(f"/api/v1/holdings/{holding}/destroy", body)
    console.print(
        f"{styled('destroyed')} {record['holding_id']} by {record['method']} "
        f"at {moment(record['at'])}; officials {listed(record['officials'])}"
        + (f"; witnesses {listed(record['witnesses'])}" if record["witnesses"] else "")
    )
    if record["covers"]:
        console.print("with it: " + listed(record["covers"]))


@item_app.command("return")
@reaching
def return_(
    holding: Annotated[str, typer.Argument(help="holding (or item) id")],
    dependants: Annotated[
        bool, typer.Option("--dependants", help="return its copies and derivatives with it")
    ] = False,
    reach: Reach = REACH,
) -> None:
    """Give a holding back to its originator; the originator's node is notified."""
    with reach.connect() as client:
        done = client.post(f"/api/v1/holdings/{holding}/return", {"dispose_dependants": dependants})
    console.print(f"{styled('returned')} {done['holding_id']} to {done['to']} (notice queued)")


@item_app.command("inventory")
@reaching
def inventory(
    holding: Annotated[str, typer.Argument(help="holding or own item id")],
    reach: Reach = REACH,
) -> None:
    """Chain of custody, copies, destruction records and readers of a holding or own item."""
    with reach.connect() as client:
        found = client.get(f"/api/v1/holdings/{holding}/inventory")
    subject = found["holding"]
    console.print(
        f"[bold]{subject['id']}[/] {subject.get('title', '')} — marked "
        f"[bold]{subject['marking']}[/], originator {subject['originator']}, "
        + styled(subject["state"])
    )
    chain = (
        (moment(e["at"]), styled(e["kind"]), e["object"], e["custodian"], e["location"])
        for e in found["chain"]
    )
    console.print(
        grid(("at", "event", "object", "custodian", "location"), chain, "chain of custody")
    )
    if found["copies"]:
        console.print(_copies_table(found["copies"], "copies, translations, derivatives"))
    if found["destructions"]:
        records = (
            (
                d["subject_id"],
                d["method"],
                moment(d["at"]),
                listed(d["officials"]),
                listed(d["witnesses"]),
                d["recorded_by"],
            )
            for d in found["destructions"]
        )
        heads = ("subject", "method", "at", "officials", "witnesses", "recorded by")
        console.print(grid(heads, records, "destruction records"))
    readers = listed(found["readers"]) or "[dim]nobody[/]"
    console.print(f"read by: {readers}")
