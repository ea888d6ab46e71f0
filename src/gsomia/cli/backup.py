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
def restore_home(  # noqa: PLR0917 - Typer maps parameters to options
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
    fingerprint: Annotated[
        str | None,
        typer.Option(help="the node's card fingerprint, kept apart (spaces allowed)"),
    ] = None,
    trust_backup_card: Annotated[
        bool,
        typer.Option(
            "--trust-backup-card",
            help="take the card inside the backup as the node's: only with no copy kept apart",
        ),
    ] = False,
) -> None:
    """Make a new node home from a backup: its manifest's signature checked against the card
    in it, each file against the manifest, and that card against the node named apart from
    the backup (--card or --fingerprint; --trust-backup-card only when neither was kept)."""
    known = parse_card(card.read_bytes()) if card is not None else None
    manifest = restore(
        archive,
        home,
        database,
        card=known,
        fingerprint=fingerprint,
        trust_backup_card=trust_backup_card,
    )
    console.print(
        f"[green]restored[/] {manifest.nation}, backed up {manifest.taken_at[:19]}, "
        f"into [bold]{escape(str(home))}[/]"
    )
    signer = parse_card((home / CARD).read_bytes())
    console.print(f"signed by the node with fingerprint {fingerprint_groups(signer.fingerprint)}")
    if trust_backup_card:
        console.print(
            "[bold yellow]WARNING[/]: this node's identity was taken from the backup itself, "
            "not checked against a card or fingerprint kept apart: anyone who could replace "
            "the backup could have replaced its keys and card too. Compare the fingerprint "
            "above with the partners' pinned copies before serving."
        )
    console.print(f"check its log: gsomia audit verify --home {escape(str(home))}")
