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
from sqlalchemy import Connection, Engine

from gsomia.cli.app import app, console, err_console
from gsomia.cli.common import HomeOpt
from gsomia.errors import UsageError, VerificationError, exit_code
from gsomia.exchange.witness import cosignature_verifier, log_origin, log_verifier
from gsomia.ledger.audit import AuditReport, TamperedLog
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import parse_checkpoint
from gsomia.ledger.cosignature import Cosignature
from gsomia.ledger.note import Note, open_note
from gsomia.node.home import CARD, read_config
from gsomia.node.ledger import verify_log
from gsomia.seal import IdentityCard, fingerprint_groups, parse_card
from gsomia.store.db import make_engine
from gsomia.store.ledger import LogStatus, SqlLog
from gsomia.store.tables import peers

audit_app = typer.Typer(help="The node's tamper-evident log: verify, prove, check, status.")
app.add_typer(audit_app, name="audit")


def _home_card(home: Path) -> IdentityCard:
    try:
        return parse_card((home / CARD).read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{home / CARD} is missing") from None


def _home(home: Path) -> tuple[Engine, IdentityCard]:
    config = read_config(home)
    return make_engine(config.database_url), _home_card(home)


def _partners(conn: Connection) -> dict[str, str]:
    """Log origin → nation, for every pinned partner."""
    names = {}
    for nation, raw in conn.execute(peers.select().with_only_columns(peers.c.nation, peers.c.card)):
        card = parse_card(json.dumps(raw, ensure_ascii=False))
        names[log_origin(card)] = nation
    return names


def verify_home(home: Path) -> AuditReport:
    """`gsomia audit verify` without the output: the report, or `TamperedLog`."""
    engine, card = _home(home)
    try:
        with engine.connect() as conn:
            return verify_log(conn, log_verifier(card), origin=log_origin(card))
    finally:
        engine.dispose()


def log_status(home: Path) -> tuple[LogStatus, dict[str, str]]:
    """The log's status and the nation of each partner log origin it names."""
    engine, _ = _home(home)
    try:
        with engine.connect() as conn:
            return SqlLog(conn).status(), _partners(conn)
    finally:
        engine.dispose()


@audit_app.command("verify")
def verify(home: HomeOpt) -> None:
    """Recompute the log from the database and check every signed checkpoint against it."""
    try:
        report = verify_home(home)
    except TamperedLog as tampered:
        err_console.print(f"[bold red]log altered:[/] {tampered.message}")
        err_console.print(f"first bad index: [bold]{tampered.index}[/]")
        raise typer.Exit(exit_code(tampered)) from None
    card = _home_card(home)
    console.print(
        Panel.fit(
            f"origin        {log_origin(card)}\n"
            f"entries       {report.size}\n"
            f"root          {report.root.hex()}\n"
            f"checkpoints   {report.checkpoints} verified",
            title="[green]log verified[/]",
            border_style="green",
        )
    )


@audit_app.command("prove")
def prove(
    home: HomeOpt,
    index: Annotated[int, typer.Argument(help="the event's index in the log", min=0)],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write here")] = None,
) -> None:
    """Write the inclusion proof of one event with the checkpoint it is proved under."""
    engine, _ = _home(home)
    try:
        with engine.connect() as conn:
            bundle = SqlLog(conn).prove(index)
    finally:
        engine.dispose()
    text = bundle.to_json() + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
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
    node = parse_card(card.read_bytes())
    bundle = ProofBundle.from_json(proof.read_text(encoding="utf-8"))
    event = bundle.verify([log_verifier(node)], origin=log_origin(node))
    signed = parse_checkpoint(bundle.checkpoint)
    cosigners = []
    for path in witness or []:
        partner = parse_card(path.read_bytes())
        verifier = cosignature_verifier(partner)
        lines = tuple(s for s in signed.note.signatures if s.name == verifier.name)
        if not lines:
            raise VerificationError(f"the checkpoint carries no cosignature by {partner.nation}")
        open_note(Note(signed.note.text, lines), [verifier])
        when = Cosignature.from_note_signature(lines[0]).timestamp
        cosigners.append(f"{partner.nation} (at {when})")
    table = Table(show_header=False, box=None)
    table.add_row("log", f"{log_origin(node)}  {fingerprint_groups(node.fingerprint)[:19]}…")
    table.add_row("entry", f"{bundle.index} of {signed.checkpoint.size}")
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
    engine, card = _home(home)
    try:
        with engine.connect() as conn:
            log = SqlLog(conn)
            state = log.status()
            refusals = log.refusals()
            names = _partners(conn)
    finally:
        engine.dispose()
    console.print(f"[bold]{log_origin(card)}[/]  {state.size} entries")
    console.print(f"latest checkpoint: size {state.checkpoint_size}")
    cosigned = Table("partner", "witness key", "largest size cosigned", title="cosigned by")
    for name, size in sorted(state.cosigned_by.items()):
        cosigned.add_row(names.get(name, "?"), name, str(size))
    console.print(cosigned)
    witnessing = Table("partner", "log", "size we cosigned", title="we witness")
    for origin, size in sorted(state.witnessing.items()):
        witnessing.add_row(names.get(origin, "?"), origin, str(size))
    console.print(witnessing)
    if refusals:
        table = Table("partner", "reason", "message", "at", title="[red]refused checkpoints[/]")
        for r in refusals:
            table.add_row(names.get(r.origin or "", "?"), r.reason, r.message, str(r.refused_at))
        console.print(table)
    else:
        console.print("refused checkpoints: none")
