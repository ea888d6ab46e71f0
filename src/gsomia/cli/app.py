"""The root Typer app and the consoles every CLI module shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="gsomia",
    help="Exchange classified military information under security agreements (GSOMIAs).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    cacert: Annotated[
        Path | None,
        typer.Option(
            envvar="GSOMIA_CACERT",
            help="certificate to trust for a node served with --tls (default with --home: "
            "the node's own)",
        ),
    ] = None,
) -> None:
    """Exchange classified military information under security agreements (GSOMIAs)."""


console = Console()
err_console = Console(stderr=True)
