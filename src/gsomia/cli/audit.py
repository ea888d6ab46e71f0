"""`gsomia audit`: verify a node's log, prove one of its events, check a proof offline.

`verify`, `prove` and `status` read the node's database (no passphrase: they need only public
keys, from the node's own identity card); `check-proof` needs nothing but the proof file and
the identity card of the node that logged the event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from gsomia.cli.app import app, console, err_console
from gsomia.cli.common import HomeOpt, write_private
from gsomia.errors import exit_code
from gsomia.node import log_console
from gsomia.seal import fingerprint_groups

audit_app = typer.Typer(help="The node's tamper-evident log: verify, prove, check, status.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(home: HomeOpt) -> None:
    """Recompute the log from the database and check every signed checkpoint against it."""
    try:
        report = log_console.verify(home)
    except log_console.TamperedLog as tampered:
        err_console.print(f"[bold red]log altered:[/] {tampered.message}")
        err_console.print(f"first bad index: [bold]{tampered.index}[/]")
        if isinstance(tampered, log_console.AlteredAccessLog) and tampered.row is not None:
            err_console.print(f"first bad access_log row: [bold]{tampered.row}[/]")
        raise typer.Exit(exit_code(tampered)) from None
    cosigned = (
        "no partner has cosigned yet"
        if report.cosigned is None
        else f"extends the one kept at size {report.cosigned}"
    )
    listed = f"{report.listed} rows proved by their entries" + (
        f", {report.unproved} older rows name none" if report.unproved else ""
    )
    lines = [
        f"origin        {report.origin}",
        f"entries       {report.size}",
        f"root          {report.root.hex()}",
        f"checkpoints   {report.checkpoints} verified",
        f"cosigned      {cosigned}",
        f"access_log    {listed}",
        f"disposals     {report.disposed} the log records, each still disposed of",
        f"re-markings   {report.kept} rows the log records, each as it records them",
    ]
    console.print(Panel.fit("\n".join(lines), title="[green]log verified[/]", border_style="green"))


@audit_app.command("prove")
def prove(
    home: HomeOpt,
    index: Annotated[int, typer.Argument(help="the event's index in the log", min=0)],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write here")] = None,
) -> None:
    """Write the inclusion proof of one event with the checkpoint it is proved under."""
    text = log_console.prove(home, index).to_json() + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_private(output, text.encode("utf-8"))  # an entry of the audit trail (ADR 0120)
        console.print(f"[green]wrote[/] the proof of entry {index} to {output}")


@audit_app.command("check-proof")
def check_proof(
    proof: Annotated[Path, typer.Argument(help="a file from `gsomia audit prove`")],
    card: Annotated[Path, typer.Option("--card", help="identity card of the node that logged it")],
    witness: Annotated[
        list[Path] | None, typer.Option("--witness", help="a partner's card: check its cosignature")
    ] = None,
) -> None:
    """Verify a proof offline: the event is in the log the card's key signed."""
    checked = log_console.check_proof(
        proof.read_text(encoding="utf-8"),
        card.read_bytes(),
        [path.read_bytes() for path in witness or []],
    )
    event = checked.event
    cosigners = [f"{nation} (at {when})" for nation, when in checked.cosigners]
    table = Table(show_header=False, box=None)
    table.add_row("log", f"{checked.origin}  {fingerprint_groups(checked.fingerprint)[:19]}…")
    table.add_row("entry", f"{checked.index} of {checked.size}")
    table.add_row("kind", event.kind.value)
    table.add_row("time", event.time.isoformat())
    table.add_row("actor", event.actor)
    table.add_row("subjects", ", ".join(event.subjects))
    table.add_row("body", json.dumps(dict(event.body), ensure_ascii=False))
    table.add_row("cosigned by", ", ".join(cosigners) or "(no witness card given)")
    console.print(Panel.fit(table, title="[green]proof verified[/]", border_style="green"))


@audit_app.command("status")
def status(home: HomeOpt) -> None:
    """Size, latest checkpoint, partners' cosignatures, partners' logs we witness, refusals."""
    found = log_console.log_status(home)
    state, names = found.status, found.partners
    console.print(f"[bold]{found.origin}[/]  {state.size} entries")
    console.print(f"latest checkpoint: size {state.checkpoint_size}")
    cosigned = Table("partner", "witness key", "largest size cosigned", title="cosigned by")
    for name, size in sorted(state.cosigned_by.items()):
        cosigned.add_row(names.get(name, "?"), name, str(size))
    console.print(cosigned)
    witnessing = Table("partner", "log", "size we cosigned", title="we witness")
    for origin, size in sorted(state.witnessing.items()):
        witnessing.add_row(names.get(origin, "?"), origin, str(size))
    console.print(witnessing)
    if found.refusals:
        table = Table("partner", "reason", "message", "at", title="[red]refused checkpoints[/]")
        for r in found.refusals:
            table.add_row(names.get(r.origin or "", "?"), r.reason, r.message, str(r.refused_at))
        console.print(table)
    else:
        console.print("refused checkpoints: none")
