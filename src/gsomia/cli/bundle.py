"""`gsomia bundle export | import | list`: courier and air-gapped transfer (R27).

Run on the node's own machine with its home and key passphrase, by an officer (`--as`): the
bundle is sealed with the node's keys, and what comes in is opened with them. A large bundle
shows a progress bar; a damaged one is refused by name and nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from gsomia.cli.app import app, console, err_console
from gsomia.cli.common import HomeOpt, grid, minute, styled
from gsomia.cli.identity import passphrase
from gsomia.errors import UsageError
from gsomia.exchange.bundle import Progress as Told
from gsomia.node import courier
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.node.runtime import Node
from gsomia.node.users import get_user

bundle_app = typer.Typer(help="Courier and air-gapped transfer: bundles and their receipts.")
app.add_typer(bundle_app, name="bundle")

AsOfficer = Annotated[str, typer.Option("--as", help="the officer who handles the bundle")]
Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
STATES = {"awaiting": "yellow", "overdue": "bold red", "acknowledged": "green", "answered": "green"}


def _node(home: Path) -> Node:
    node = assemble(load_home(home, passphrase()))
    node.migrate()
    return node


@contextmanager
def _bar(what: str, total: int | None) -> Iterator[Told]:
    """A progress bar over bytes, on stderr so `--json` output stays clean."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(what, total=total)
        yield lambda n: progress.advance(task, n)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--since {text!r} is not a date or time", hint="write YYYY-MM-DD or ISO 8601"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@bundle_app.command("export")
def export(  # noqa: PLR0917 - Typer maps parameters to options
    home: HomeOpt,
    to: Annotated[str, typer.Option(help="the partner nation, e.g. JPN")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the bundle file to write")],
    courier_name: Annotated[str, typer.Option("--courier", help="who carries the bundle")],
    user: AsOfficer,
    channel: Annotated[
        str, typer.Option(help="diplomatic-courier or military-courier")
    ] = "diplomatic-courier",
    items: Annotated[
        list[str] | None, typer.Option("--items", help="only these items (repeat)")
    ] = None,
    since: Annotated[str | None, typer.Option(help="only what was queued since then")] = None,
    as_json: Json = False,
) -> None:
    """Write what is queued for a partner as a signed, double-wrapped bundle."""
    node = _node(home)
    officer = get_user(node, user)
    with _bar(f"sealing for {to}", None) as told:
        sent = courier.export_bundle(
            node,
            officer,
            to=to,
            path=output,
            channel=channel,
            courier=courier_name,
            item_ids=items or None,
            since=_since(since),
            progress=told,
        )
    if as_json:
        console.print_json(json.dumps(sent))
        return
    console.print(
        f"[green]dispatch[/] {sent['dispatch']}: {sent['messages']} message(s) in "
        f"{sent['batches']} batch(es), {sent['bytes']:,} bytes → {output}"
    )
    console.print(
        f"{sent['channel']} by {sent['courier']}; receipt due by "
        f"[yellow]{minute(sent['receipt_due'])}[/]"
    )


@bundle_app.command("import")
def import_(  # noqa: PLR0917 - Typer maps parameters to options
    home: HomeOpt,
    bundle: Annotated[Path, typer.Argument(help="a partner's bundle, or a receipt of ours")],
    user: AsOfficer,
    receipt: Annotated[
        Path | None, typer.Option(help="where the receipt bundle goes (for a dispatch)")
    ] = None,
    courier_name: Annotated[
        str | None, typer.Option("--courier", help="who carries the receipt back")
    ] = None,
    as_json: Json = False,
) -> None:
    """Take in a partner's bundle (answering with a receipt), or the receipt of ours."""
    node = _node(home)
    officer = get_user(node, user)
    size = bundle.stat().st_size if bundle.exists() else None
    with _bar(f"checking {bundle.name}", 2 * size if size else None) as told:
        done = courier.import_bundle(
            node, officer, bundle, receipt=receipt, courier=courier_name, progress=told
        )
    if as_json:
        console.print_json(json.dumps(done))
        return
    answers = ", ".join(f"{n} {styled(state)}" for state, n in sorted(done["answers"].items()))
    again = "" if done["first_time"] else " [dim](taken in before: nothing changed)[/]"
    if done["kind"] == "receipt":
        console.print(
            f"[green]receipt[/] of {done['dispatch']} from {done['from']}: {answers}{again}"
        )
        return
    console.print(
        f"[green]dispatch[/] {done['dispatch']} from {done['from']} by {done['courier']}: "
        f"{answers}{again}"
    )
    console.print(f"receipt for {done['from']} written to {done['receipt']}")


def _row(d: dict[str, Any]) -> tuple[str, ...]:
    return (
        d["dispatch"],
        d["direction"],
        d["peer"],
        d["channel"],
        d["courier"],
        str(d["messages"]),
        minute(d["sent_at"]),
        minute(d["receipt_due"]) if d["direction"] == "out" else "",
        styled(d["state"], STATES),
    )


@bundle_app.command("list")
def list_(home: HomeOpt, user: AsOfficer, as_json: Json = False) -> None:
    """Dispatches out and in; a receipt overdue shows in red."""
    node = _node(home)
    found = courier.list_dispatches(node, get_user(node, user))
    if as_json:
        console.print_json(json.dumps(found))
        return
    columns = ("dispatch", "way", "partner", "channel", "courier", "messages", "sent", "due")
    console.print(grid((*columns, "state"), map(_row, found), title="Dispatches"))
