"""`gsomia backup` and `gsomia restore`: a node home and its database in one file, and a new
home made from it (`gsomia.node.backup`). Check a restored home with `gsomia audit verify`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from gsomia.cli.app import app, console
from gsomia.cli.common import HomeOpt
from gsomia.node.backup import backup, restore


@app.command("backup")
def backup_home(
    home: HomeOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="the backup file to write")],
) -> None:
    """Back up a node home while it runs: configuration, card, keys (only as sealed under the
    passphrase), the latest cosigned checkpoint and a snapshot of the database."""
    manifest = backup(home, output)
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
) -> None:
    """Make a new node home from a backup, each file checked against its manifest."""
    manifest = restore(archive, home, database)
    console.print(
        f"[green]restored[/] {manifest.nation}, backed up {manifest.taken_at[:19]}, "
        f"into [bold]{escape(str(home))}[/]"
    )
    console.print(f"check its log: gsomia audit verify --home {escape(str(home))}")
