"""The root Typer app and the consoles every CLI module shares."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="gsomia",
    help="Exchange classified military information under security agreements (GSOMIAs).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

console = Console()
err_console = Console(stderr=True)
