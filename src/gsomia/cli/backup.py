"""`gsomia backup` and `gsomia restore`: a node home and its database in one file, and a new
home made from it (`gsomia.node.backup`). Check a restored home with `gsomia audit verify`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from gsomia.cli.app import app, console
from gsomia.cli.common import HomeOpt
from gsomia.cli.identity import passphrase
from gsomia.node.backup import backup, restore
from gsomia.node.home import CARD, load_home, read_config
from gsomia.seal import fingerprint_groups, parse_card


@app.command("backup")
def backup_home(
    home: HomeOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="the backup file to write")],
) -> None:
    """Back up a node home while it runs: configuration, card, keys (only as sealed under the
    passphrase), the latest cosigned checkpoint and a snapshot of the database; the manifest
    is signed with the node's keys (the passphrase opens them)."""
    read_config(home)  # not a node home: said before the passphrase is asked for
    manifest = backup(home, output, load_home(home, passphrase()).keys)
    console.print(
        f"[green]backed up[/] {manifest.nation} ({manifest.database}, "
        f"{len(manifest.files)} files) to [bold]{escape(str(output))}[/]"
    )
    console.print("[yellow]Keep it as you keep the home: its keys open with the passphrase.[/]")


@app.command("restore")
def restore_home(
    archive: Annotated[Path, typer.Argument(help="a file from `gsomia backup`")],
    home: HomeOpt,
    database: Annotated[
        str | None,
        typer.Option(help="restore into this database (an empty one; needed for PostgreSQL)"),
    ] = None,
    card: Annotated[
        Path | None,
        typer.Option(help="the node's identity card, kept apart: the backup must be its node's"),
    ] = None,
) -> None:
    """Make a new node home from a backup: its manifest's signature checked against the card
    in it (and --card), each file against the manifest."""
    known = parse_card(card.read_bytes()) if card is not None else None
    manifest = restore(archive, home, database, card=known)
    console.print(
        f"[green]restored[/] {manifest.nation}, backed up {manifest.taken_at[:19]}, "
        f"into [bold]{escape(str(home))}[/]"
    )
    signer = parse_card((home / CARD).read_bytes())
    console.print(f"signed by the node with fingerprint {fingerprint_groups(signer.fingerprint)}")
    console.print(f"check its log: gsomia audit verify --home {escape(str(home))}")
